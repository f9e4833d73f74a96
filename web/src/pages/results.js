// The results page (results.html): the results entry of the board (protocol.md 14.3) per
// region and over all regions, as numbers and horizontal bars, and the election record
// to check them with.
//
// Bar widths are set through the CSSOM (element.style), which the page's CSP allows;
// every bar also has its numbers written out beside it.

import {
  ApiError,
  api,
  byId,
  displayName,
  formatNumber,
  formatPercent,
  h,
  initPage,
  loadElection,
  mtext,
  onLanguageChange,
  questionById,
  regionById,
  showFatal,
  status,
  t,
  tx,
} from "./common.js";

const main = byId("main");

async function start() {
  initPage();
  status("common.loading");
  let election;
  try {
    election = await loadElection("results.doctitle");
  } catch (error) {
    showFatal(error);
    main.dataset.state = "error";
    return;
  }
  let answer;
  try {
    answer = await api("/api/results");
  } catch (error) {
    status(null);
    if (error instanceof ApiError && error.status === 409) {
      const note = byId("not-counted");
      tx(note, "results.notCounted", { size: election.election.size });
      note.hidden = false;
      main.dataset.state = "not-counted";
      return;
    }
    showFatal(error);
    main.dataset.state = "error";
    return;
  }
  status(null);
  const render = () => renderResults(election.manifest, answer);
  render();
  onLanguageChange(render); // numbers are formatted per language: rebuild
  byId("results").hidden = false;
  main.dataset.state = "results";
}

/** Sums the regions' results: eligible, counted, and each question's counts over the regions that ask it. */
function totals(manifest, regions) {
  const total = { eligible: 0, counted: 0, questions: new Map() };
  for (const region of regions) {
    total.eligible += region.eligible;
    total.counted += region.counted;
    for (const { question, counts } of region.questions) {
      const entry = total.questions.get(question) ?? { counted: 0, counts: counts.map(() => 0) };
      entry.counted += region.counted;
      counts.forEach((c, i) => {
        entry.counts[i] += c;
      });
      total.questions.set(question, entry);
    }
  }
  // manifest order of questions
  const ordered = manifest.questions
    .filter((q) => total.questions.has(q.id))
    .map((q) => ({ question: q.id, ...total.questions.get(q.id) }));
  return { eligible: total.eligible, counted: total.counted, questions: ordered };
}

function renderResults(manifest, answer) {
  const { index, results } = answer;
  const container = byId("results");
  const trusteeName = (i) => {
    const trustee = manifest.trustees[i - 1];
    return trustee ? displayName(trustee) : String(i);
  };

  const about = h(
    "div",
    { class: "panel about-results" },
    h("p", { id: "results-entry", text: t("results.entry", { index }) }),
    h("p", { text: t("results.trustees", { names: results.trustees.map(trusteeName).join(", ") }) }),
    results.rejected.length
      ? h(
          "ul",
          { class: "rejected" },
          results.rejected.map((r) => h("li", { text: t("results.rejected", { name: trusteeName(r.trustee), reason: r.reason }) })),
        )
      : null,
    h("p", { class: "hint", text: t("results.shareNote") }),
  );

  const regionSections = results.regions.map((region) => {
    const r = regionById(manifest, region.region);
    const name = r ? mtext(r.name) : region.region;
    return section(`region-${region.region}`, name, region.eligible, region.counted, region.questions.map((q) => ({ ...q, counted: region.counted })), manifest);
  });
  const sum = totals(manifest, results.regions);
  const totalSection =
    results.regions.length > 1
      ? section("region-total", t("results.total.heading"), sum.eligible, sum.counted, sum.questions, manifest)
      : null;

  // The numbers first (the whole count, then each region), who decrypted them after: on a
  // phone the first screen shows a result.
  container.replaceChildren(...[totalSection, ...regionSections, about].filter(Boolean));
}

function section(id, heading, eligible, counted, questions, manifest) {
  const headingId = `${id}-heading`;
  return h(
    "section",
    { class: "panel region-results", id, "aria-labelledby": headingId },
    h("h2", { id: headingId, text: heading }),
    h("p", {
      class: "turnout",
      "data-counted": String(counted),
      "data-eligible": String(eligible),
      text: t("results.turnout", {
        percent: formatPercent(eligible ? counted / eligible : 0),
        counted: formatNumber(counted),
        eligible: formatNumber(eligible),
      }),
    }),
    questions.map((q) => questionChart(manifest, q)),
  );
}

function questionChart(manifest, { question, counts, counted }) {
  const q = questionById(manifest, question);
  return h(
    "table",
    { class: "chart", "data-question": question },
    h("caption", { text: q ? mtext(q.text) : question }),
    h(
      "thead",
      { class: "visually-hidden" },
      h("tr", {}, h("th", { scope: "col", text: t("common.option") }), h("th", { scope: "col", text: t("results.votes") })),
    ),
    h(
      "tbody",
      {},
      counts.map((count, i) => {
        const share = counted ? count / counted : 0;
        const bar = h("span", { class: "bar" });
        bar.style.width = `${(share * 100).toFixed(2)}%`; // CSSOM: allowed by the CSP
        const option = q?.options[i];
        return h(
          "tr",
          { "data-option": option?.id ?? String(i), "data-count": String(count) },
          h("th", { scope: "row", text: option ? mtext(option.text) : String(i) }),
          h(
            "td",
            {},
            h(
              "div",
              { class: "bar-cell" },
              h("span", { class: "bar-track", "aria-hidden": "true" }, bar),
              h("span", {
                class: "bar-value",
                text: t("results.optionCount", { count: formatNumber(count), percent: formatPercent(share) }),
              }),
            ),
          ),
        );
      }),
    ),
  );
}

start().catch((error) => {
  showFatal(error);
  main.dataset.state = "error";
});
