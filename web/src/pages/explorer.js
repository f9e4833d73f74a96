// The board explorer (explorer.html): find a ballot by its tracking code and check, on
// this device, that the board holds it (protocol.md 12.4, 12.5, 13.4); and the latest
// checkpoint with its board signature, the witnesses' co-signatures and the consistency
// of the co-signed checkpoint with the current one (7.3.4, 7.4, 7.6).
//
// /explorer?code=XXXX-... looks the code up at once.

import {
  checkReceipt,
  hexToBytes,
  normalizeCredentialCode,
  normalizeTrackingCode,
  verifyBallot,
  verifyCheckpoint,
  verifyConsistency,
  verifyCosignatures,
  verifySpoiled,
} from "../crypto/index.js";
import {
  ApiError,
  api,
  byId,
  clearError,
  describeError,
  displayName,
  h,
  hex,
  initPage,
  loadElection,
  painted,
  questionById,
  revealedTables,
  regionById,
  renderChecks,
  showError,
  showFatal,
  status,
  t,
} from "./common.js";

const main = byId("main");
let election = null; // {manifest, fp, fpHex, election, electionKey}
let lookupSeq = 0; // a newer lookup makes an older answer stale

async function start() {
  initPage();
  status("common.loading");
  try {
    election = await loadElection("explorer.doctitle");
    const key = election.election.public_key;
    election.electionKey = key ? hexToBytes(key) : null;
  } catch (error) {
    showFatal(error);
    main.dataset.state = "error";
    return;
  }
  status(null);
  byId("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    lookup(byId("lookup-code").value, { focus: true });
  });
  byId("checkpoint-refresh").addEventListener("click", () => loadCheckpoint());
  main.dataset.state = "ready";

  const code = new URL(location.href).searchParams.get("code");
  const pending = [loadCheckpoint()];
  if (code) {
    byId("lookup-code").value = code;
    pending.push(lookup(code));
  }
  await Promise.all(pending);
}

// ---------------------------------------------------------------------------------------
// Looking a ballot up

/** Gives back what to ask the server for: a normalized code or a 64-hex tracking hash. */
function readCode(typed) {
  const text = typed.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return { query: text.toLowerCase(), hash: true };
  return { query: normalizeTrackingCode(text), hash: false };
}

/**
 * Shows why a typed code names no ballot before anything is asked (12.4): a typo (the
 * check character does not match), the voter's credential code typed by mistake (never
 * sent: its check is folded from 0, a tracking code's from 1), or not a code at all.
 */
function showMistake(error, typed, err) {
  if (isCredentialCode(typed)) {
    error.dataset.reason = "credential";
    showError(error, () => t("explorer.lookup.credential"));
  } else if (err?.reason === "check" || String(err?.problem?.type ?? "").endsWith("/tracking-code-typo")) {
    error.dataset.reason = "typo";
    showError(error, () => t("explorer.lookup.typo"));
  } else {
    error.dataset.reason = "invalid";
    showError(error, () => t("explorer.lookup.invalid"));
  }
}

function isCredentialCode(typed) {
  try {
    normalizeCredentialCode(typed.trim());
    return true;
  } catch {
    return false;
  }
}

/** What to do when a well-formed code is not on the board: the observers are the manifest's witnesses. */
function missingAdvice() {
  const names = (election?.manifest?.witnesses ?? []).map((w) => w.name);
  return names.length > 0
    ? t("explorer.lookup.missing", { observers: names.join(", ") })
    : t("explorer.lookup.missingNoObservers");
}

async function lookup(typed, { focus = false } = {}) {
  const seq = ++lookupSeq;
  const input = byId("lookup-code");
  const error = byId("lookup-error");
  const result = byId("lookup-result");
  clearError(error);
  input.removeAttribute("aria-invalid");
  result.hidden = true;
  result.replaceChildren();
  result.removeAttribute("data-kind");

  let query;
  try {
    query = readCode(typed);
  } catch (err) {
    input.setAttribute("aria-invalid", "true");
    showMistake(error, typed, err);
    return;
  }

  status("explorer.lookup.searching");
  main.setAttribute("aria-busy", "true");
  let answer;
  try {
    answer = await api(`/api/receipts/${encodeURIComponent(query.query)}`);
  } catch (err) {
    if (seq !== lookupSeq) return;
    main.removeAttribute("aria-busy");
    status(null);
    input.setAttribute("aria-invalid", "true");
    if (err instanceof ApiError && err.status === 404) {
      error.dataset.reason = "not-found";
      showError(error, () => `${t("explorer.lookup.notFound")} ${missingAdvice()}`);
    } else if (err instanceof ApiError && err.status === 400) {
      showMistake(error, typed, err);
    } else {
      error.dataset.reason = "server";
      showError(error, err);
    }
    return;
  }
  if (seq !== lookupSeq) return;

  const url = new URL(location.href);
  url.searchParams.set("code", answer.receipt?.tracking_code ?? typed.trim());
  history.replaceState(null, "", url);

  await painted();
  const checks = await checkAnswer(query, answer);
  if (seq !== lookupSeq) return;
  main.removeAttribute("aria-busy");
  status(null);
  showAnswer(result, answer, checks);
  result.hidden = false;
  if (focus) result.querySelector("h3")?.focus();
}

/**
 * The checks of a looked-up entry, on this device: the code is the one asked for, the
 * checkpoint is the board's, the entry is in it, and the ballot (or challenge) verifies.
 * Gives back {checks, revealed, failures}.
 */
async function checkAnswer(query, answer) {
  const { manifest, fp, electionKey } = election;
  const { kind, payload, receipt } = answer;
  const failures = [];

  const codeOk = query.hash
    ? receipt.tracking_hash === query.query
    : safeNormalize(receipt.tracking_code) === query.query;

  let signatureOk = false;
  try {
    await verifyCheckpoint(receipt.checkpoint, manifest.board.key);
    signatureOk = true;
  } catch (err) {
    failures.push(err);
  }

  let inclusionOk = null;
  try {
    await checkReceipt(manifest, fp, kind, payload, receipt);
    inclusionOk = true;
  } catch (err) {
    inclusionOk = codeOk && signatureOk ? false : null;
    if (inclusionOk === false) failures.push(err);
  }

  let ballotOk = null;
  let revealed = null;
  if (electionKey) {
    try {
      if (kind === "spoiled") {
        await verifySpoiled(manifest, fp, electionKey, payload);
        revealed = payload.reveal;
      } else {
        await verifyBallot(manifest, fp, electionKey, payload);
      }
      ballotOk = true;
    } catch (err) {
      ballotOk = false;
      failures.push(err);
    }
  }
  const checks = [
    { id: "code", key: "explorer.check.code", ok: codeOk },
    { id: "signature", key: "explorer.check.signature", ok: signatureOk },
    { id: "inclusion", key: "explorer.check.inclusion", ok: inclusionOk },
    { id: "ballot", key: kind === "spoiled" ? "explorer.check.spoiled" : "explorer.check.ballot", ok: ballotOk },
  ];
  return { checks, revealed, failures };
}

function safeNormalize(code) {
  try {
    return normalizeTrackingCode(code);
  } catch {
    return null;
  }
}

function showAnswer(container, answer, { checks, revealed, failures }) {
  const { manifest } = election;
  const { kind, index, payload, latest, receipt } = answer;
  const body = kind === "spoiled" ? payload.ballot : payload;
  const region = regionById(manifest, body?.region);
  // latest is null until voting closes (16.3): whether a later ballot of the same
  // credential exists is not told while the voter can still vote again.
  const counted =
    kind === "spoiled"
      ? "explorer.counted.spoiled"
      : latest === null || latest === undefined
        ? "explorer.counted.unknown"
        : latest
          ? "explorer.counted.yes"
          : "explorer.counted.no";
  const latestText = kind === "ballot" && (latest === null || latest === undefined) ? "null" : String(Boolean(latest));
  container.dataset.kind = kind;
  container.dataset.latest = latestText;

  const checkList = h("ul", { id: "lookup-checks", class: "checks" });
  renderChecks(checkList, checks);
  checkList.dataset.ok = String(failures.length === 0 && checks.every((c) => c.ok !== false));

  const failureBox = h("p", { id: "lookup-failure", class: "error", role: "alert", hidden: true });
  container.replaceChildren(
    h("h3", { tabindex: "-1", i18n: ["explorer.result.heading", { code: receipt.tracking_code }] }),
    h(
      "dl",
      { class: "facts" },
      fact("explorer.kind", h("span", { id: "lookup-kind", "data-kind": kind, i18n: `explorer.kind.${kind}` })),
      fact("common.entry", h("span", { id: "lookup-index", text: String(index) })),
      region ? fact("common.region", h("span", { mtext: region.name })) : null,
      fact("explorer.counted", h("span", { id: "lookup-counted", "data-latest": latestText, i18n: counted })),
    ),
    h("h4", { i18n: "common.checks" }),
    checkList,
    failureBox,
    ...(revealed ? [h("h4", { i18n: "explorer.revealed.heading" }), revealedBlock(revealed)] : []),
  );
  if (failures.length > 0) showError(failureBox, () => failures.map(describeError).join(" "));
}

function fact(labelKey, value) {
  return h("div", {}, h("dt", { i18n: labelKey }), h("dd", {}, value));
}

function revealedBlock(reveal) {
  return h("div", { id: "lookup-revealed", class: "revealed" }, revealedTables(election.manifest, reveal));
}

// ---------------------------------------------------------------------------------------
// The latest checkpoint

let checkpointSeq = 0;

async function loadCheckpoint() {
  const seq = ++checkpointSeq;
  const error = byId("checkpoint-error");
  clearError(error);
  let answer;
  let checked;
  try {
    answer = await api("/api/board/checkpoint");
    checked = await checkCheckpoints(answer);
  } catch (err) {
    if (seq === checkpointSeq) showError(error, err);
    return;
  }
  if (seq !== checkpointSeq) return; // a newer refresh is under way
  // Built in one go after the awaits, so a language switch meanwhile cannot be missed.
  renderCheckpoint(answer, checked);
  if (checked.failures.length > 0) showError(error, () => checked.failures.map(describeError).join(" "));
}

/**
 * The checks of /api/board/checkpoint's answer: the current checkpoint's board signature
 * and that it states the size and root given; the co-signed checkpoint's board
 * signature, each witness's co-signature, and its consistency with the current one.
 */
async function checkCheckpoints(answer) {
  const { manifest } = election;
  const boardKey = manifest.board.key;
  const failures = [];
  const out = { failures, current: null, signatureOk: false, matchesOk: null, cosigned: null, cosignedOk: false, names: [], consistencyOk: null };
  try {
    out.current = await verifyCheckpoint(answer.checkpoint, boardKey);
    out.signatureOk = true;
    const { origin, size, root } = out.current;
    out.matchesOk = origin === manifest.id && size === answer.size && hex(root) === answer.root;
  } catch (err) {
    failures.push(err);
  }
  if (!answer.cosigned) return out;
  try {
    out.cosigned = await verifyCheckpoint(answer.cosigned, boardKey);
    out.cosignedOk = true;
    out.names = await verifyCosignatures(answer.cosigned, manifest.witnesses);
  } catch (err) {
    failures.push(err);
  }
  const { current, cosigned } = out;
  if (cosigned && current && cosigned.size >= 1 && cosigned.size <= current.size) {
    try {
      const proof = await api(`/api/board/consistency?first=${cosigned.size}&second=${current.size}`);
      await verifyConsistency(
        cosigned.size,
        current.size,
        cosigned.root,
        current.root,
        proof.proof.map((p) => hexToBytes(p)),
      );
      out.consistencyOk = true;
    } catch (err) {
      out.consistencyOk = false;
      failures.push(err);
    }
  } else if (cosigned && current) {
    out.consistencyOk = false; // a co-signed checkpoint larger than the current one
  }
  return out;
}

function renderCheckpoint(answer, checked) {
  const { manifest } = election;
  const { current, cosigned } = checked;
  const body = byId("checkpoint-body");
  const sections = [
    h(
      "dl",
      { class: "facts" },
      fact("explorer.checkpoint.size", h("span", { id: "checkpoint-size", text: String(answer.size) })),
      fact("explorer.checkpoint.root", h("code", { id: "checkpoint-root", class: "hash", text: answer.root })),
    ),
    checkList("checkpoint-checks", [
      { id: "signature", key: "explorer.checkpoint.signature", ok: checked.signatureOk },
      { id: "matches", key: "explorer.checkpoint.matches", ok: checked.matchesOk },
    ]),
    checkpointText("checkpoint-text", answer.checkpoint),
    h("h3", { i18n: "explorer.cosigned.heading" }),
  ];
  if (!answer.cosigned) {
    sections.push(h("p", { id: "cosigned-none", i18n: "explorer.cosigned.none" }));
  } else {
    const witnessChecks = manifest.witnesses.map((w) => ({
      id: `witness-${w.name}`,
      key: "explorer.cosigned.witness",
      // translate() takes String(params.name) at every render, so the name follows the language
      params: { name: { toString: () => displayName(w) } },
      ok: checked.names.includes(w.name),
    }));
    const consistency =
      current && cosigned
        ? [
            {
              id: "consistency",
              key: "explorer.consistency",
              params: { first: cosigned.size, second: current.size },
              ok: checked.consistencyOk,
            },
          ]
        : [];
    sections.push(
      h(
        "dl",
        { class: "facts" },
        fact("explorer.checkpoint.size", h("span", { id: "cosigned-size", text: cosigned ? String(cosigned.size) : "?" })),
        fact("explorer.checkpoint.root", h("code", { id: "cosigned-root", class: "hash", text: cosigned ? hex(cosigned.root) : "?" })),
      ),
      checkList("cosigned-checks", [
        { id: "signature", key: "explorer.checkpoint.signature", ok: checked.cosignedOk },
        ...witnessChecks,
        ...consistency,
      ]),
    );
    if (manifest.witnesses.length === 0) sections.push(h("p", { i18n: "explorer.cosigned.noWitnesses" }));
    sections.push(checkpointText("cosigned-text", answer.cosigned));
  }
  body.replaceChildren(...sections);
  body.dataset.size = String(answer.size);
}

/** A disclosure with a signed checkpoint's text, for those who want to copy it. */
function checkpointText(id, text) {
  return h("details", {}, h("summary", { i18n: "explorer.checkpoint.text" }), h("pre", { id, class: "checkpoint-text", text }));
}

function checkList(id, checks) {
  const list = h("ul", { id, class: "checks" });
  renderChecks(list, checks);
  list.dataset.ok = String(checks.every((c) => c.ok !== false));
  return list;
}

start().catch((error) => {
  showFatal(error);
  main.dataset.state = "error";
});
