// The voting booth (index.html): credential codes -> choices -> tracking code -> cast or
// challenge (protocol.md 10.2-10.3, 12.2-12.5, 13.4; co-issued credentials: one code
// from each of the region's registrars, combined here into one key).
//
// Everything secret stays here: the codes and the credential key never leave the device
// (only the public key goes to /api/credentials), the choices are encrypted here, and a
// body is signed only once the voter has decided to cast or to challenge it, at most once.
//
// <main data-state> names the step shown: loading, code, choose, review, cast,
// challenged, closed, error.

import {
  bytesToHex,
  castPayload,
  checkElectionKey,
  checkReceipt,
  coIssuers,
  credentialKey,
  encryptBallot,
  hexToBytes,
  normalizeCredentialCode,
  normalizeCredentialCodes,
  prepareElectionKey,
  spoiledPayload,
  verifyCheckpoint,
} from "../crypto/index.js";
import {
  ApiError,
  NetworkError,
  api,
  bind,
  byId,
  clearError,
  describeError,
  displayName,
  h,
  hex,
  initPage,
  language,
  loadElection,
  mtext,
  painted,
  pagePath,
  problemType,
  questionById,
  revealedTables,
  regionById,
  renderChecks,
  showError,
  showFatal,
  status,
  t,
  tx,
  formatTime,
  mtx,
} from "./common.js";
import { drawQR, paintModules, qrModules } from "./qr.js";


const main = byId("main");
let election = null; // {manifest, fp, fpHex, election, electionKey}
let voter = null; // {credential: {scalar, publicKey}, region}
let choices = null; // {questionId: [0/1 per option]}
let prepared = null; // the encrypted, not yet signed ballot of the review step
let sentAs = null; // "ballot" or "spoiled" once `prepared` has been signed and sent
let receiptUrl = null;
let receiptKept = true; // false from a cast until the voter saves or prints its receipt

/** Shows one step, names it in data-state, and moves the focus to its heading. */
function show(step, { focus = true } = {}) {
  for (const section of document.querySelectorAll("section.step")) {
    section.hidden = section.dataset.step !== step;
  }
  main.dataset.state = step;
  if (focus) document.querySelector(`section.step[data-step="${step}"] h2`)?.focus();
}

function fatal(error) {
  showFatal(error);
  show("error");
}

/** Disables (or enables again) every button and input of the steps while work is under way. */
function busy(on) {
  main.setAttribute("aria-busy", String(on));
  for (const el of document.querySelectorAll("section.step button, section.step input")) {
    if (on) {
      el.dataset.wasDisabled = String(el.disabled);
      el.disabled = true;
    } else if (el.dataset.wasDisabled !== undefined) {
      el.disabled = el.dataset.wasDisabled === "true";
      delete el.dataset.wasDisabled;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Start

async function start() {
  initPage();
  status("common.loading");
  try {
    election = await loadElection("booth.doctitle");
  } catch (error) {
    fatal(error);
    return;
  }
  status(null);
  const { manifest, election: info } = election;
  if (info.phase !== "voting") {
    showClosed(manifest, info.phase);
    return;
  }
  try {
    election.electionKey = hexToBytes(info.public_key);
    // Refuses a bad K now; its tables are built while the code is looked up (onCode), so
    // that they delay neither the first screen nor the first ballot.
    checkElectionKey(election.electionKey);
  } catch (error) {
    fatal(error);
    return;
  }
  buildCodeFields(manifest);
  byId("code-form").addEventListener("submit", onCode);
  byId("choices-form").addEventListener("submit", onEncrypt);
  byId("choices-form").addEventListener("change", onChoiceChange);
  byId("restart").addEventListener("click", restart);
  byId("cast").addEventListener("click", onCast);
  byId("challenge").addEventListener("click", onChallenge);
  byId("vote-again").addEventListener("click", onVoteAgain);
  byId("cast-again").addEventListener("click", onCastAgain);
  byId("review-back").addEventListener("click", onCastAgain);
  byId("save-picture").addEventListener("click", onSavePicture);
  byId("print-receipt").addEventListener("click", onPrint);
  byId("save-receipt").addEventListener("click", () => {
    receiptKept = true;
  });
  window.addEventListener("beforeunload", (event) => {
    // The tracking code of a cast ballot is lost with the tab: ask before it goes.
    if (receiptKept) return;
    event.preventDefault();
    event.returnValue = "";
  });
  show("code", { focus: false });
}

function showClosed(manifest, phase) {
  const notYet = phase === "setup" || phase === "prepare";
  bind(byId("closed-message"), (el) => {
    el.textContent = notYet
      ? t("booth.closed.notYet", { opens: formatTime(manifest.voting.opens), closes: formatTime(manifest.voting.closes) })
      : t("booth.closed.over"); // not the manifest's closing time: voting may close early
  });
  byId("closed-results").hidden = notYet;
  show("closed", { focus: false });
}

// ---------------------------------------------------------------------------------------
// Step a: the credential codes
//
// The voter received one letter (one code) from each registrar of the region: the
// manifest's codes_per_voter of them. One field per code; field 1 is the page's own
// (#credential-code, #credential-error), fields 2.. are #credential-code-2, ... With one
// code per voter (a rehearsal) the step is the single field it always was.

/** @type {{input: HTMLInputElement, error: HTMLElement, label: () => string}[]} */
let codeFields = [];

/** Gives back how many characters of the typed code count (all but spaces and hyphens). */
function keptLength(typed) {
  return [...typed].filter((c) => c !== " " && c !== "-").length;
}

/**
 * Gives back the registrars every region's voters receive a letter from, when every
 * region has the same ones (then a field can be named after its registrar), else null.
 */
function sameCoIssuers(manifest) {
  const lists = manifest.regions.map((region) => coIssuers(manifest, region.id));
  const key = (list) => list.map((g) => g.id).join("\n");
  return lists.every((list) => key(list) === key(lists[0])) ? lists[0] : null;
}

/** Gives back names joined as the page's language joins a list ("A and B"). */
function joined(names) {
  return new Intl.ListFormat(language(), { type: "conjunction" }).format(names);
}

/** Builds one field per code the voter types; names each after its registrar when it can. */
function buildCodeFields(manifest) {
  const count = manifest.codes_per_voter;
  const registrars = sameCoIssuers(manifest);
  const first = {
    input: byId("credential-code"),
    error: byId("credential-error"),
    label: () => t("booth.code.label"),
  };
  codeFields = [first];
  if (count === 1) return;

  tx(byId("code-heading"), "booth.code.headingMany");
  tx(byId("credential-privacy"), "booth.code.privacyMany");
  const intro = byId("credential-intro");
  bind(intro, (el) => {
    el.textContent = registrars
      ? t("booth.code.intro", { count, names: joined(registrars.map(displayName)) })
      : t("booth.code.introNumbered", { count });
  });
  intro.hidden = false;
  intro.after(byId("credential-hint")); // one hint for every field, before them
  const labelOf = (i) => () =>
    registrars
      ? t("booth.code.labelFrom", { registrar: displayName(registrars[i]) })
      : t("booth.code.labelNumber", { number: i + 1, count });
  first.label = labelOf(0);
  bind(byId("credential-label"), (el) => {
    el.textContent = first.label();
  });
  for (let i = 1; i < count; i++) {
    const n = i + 1;
    const label = labelOf(i);
    const input = h("input", {
      id: `credential-code-${n}`,
      name: `credential-code-${n}`,
      type: "text",
      class: "code-input",
      "data-field": n,
      autocomplete: "off",
      autocapitalize: "characters",
      autocorrect: "off",
      spellcheck: "false",
      "aria-describedby": `credential-hint credential-privacy credential-error-${n}`,
    });
    const error = h("p", { id: `credential-error-${n}`, class: "error", role: "alert", hidden: true });
    const labelEl = h("label", { id: `credential-label-${n}`, for: input.id });
    bind(labelEl, (el) => {
      el.textContent = label();
    });
    byId("code-fields").append(h("div", { class: "code-field", "data-field": n }, labelEl, input, error));
    codeFields.push({ input, error, label });
  }
}

/** Marks a field wrong (or right again) and shows (or clears) its message. */
function fieldError(field, reason, words) {
  if (reason === null) {
    field.input.removeAttribute("aria-invalid");
    delete field.error.dataset.reason;
    clearError(field.error);
    return;
  }
  field.input.setAttribute("aria-invalid", "true");
  field.error.dataset.reason = reason;
  // With several fields the message names its field, so it is clear read out on its own.
  const whose = codeFields.length > 1 ? (text) => t("booth.code.error.which", { code: field.label(), problem: text }) : (text) => text;
  showError(field.error, () => whose(words()));
}

/**
 * Gives back the canonical code of every field, or null after showing, beside each field
 * that is wrong, what is wrong with it (the first such field focused).
 */
function readCodes() {
  const codes = [];
  let wrong = null;
  codeFields.forEach((field, i) => {
    const typed = field.input.value;
    try {
      codes.push(normalizeCredentialCode(typed));
      fieldError(field, null);
    } catch (err) {
      if (!["length", "character", "check"].includes(err?.reason)) throw err;
      codes.push(null);
      fieldError(field, err.reason, () => codeMistake(err, typed));
      wrong ??= i;
    }
  });
  if (wrong === null) {
    try {
      normalizeCredentialCodes(codes, codeFields.length);
    } catch (err) {
      if (err?.reason !== "same") throw err;
      const [first, again] = err.fields.map((n) => codeFields[n - 1]);
      fieldError(again, "same", () => t("booth.code.error.same", { other: first.label() }));
      wrong = err.fields[1] - 1;
    }
  }
  if (wrong === null) return codes;
  codeFields[wrong].input.focus();
  return null;
}

async function onCode(event) {
  event.preventDefault();
  const formError = codeFields.length > 1 ? byId("codes-error") : byId("credential-error");
  clearError(byId("codes-error"));
  const codes = readCodes();
  if (codes === null) return;

  busy(true);
  byId("credential-submit").closest(".actions").after(byId("status")); // where the voter looks
  status(codeFields.length > 1 ? "booth.code.checkingMany" : "booth.code.checking");
  await painted();
  try {
    const credential = await credentialKey(election.fp, codes, election.manifest.codes_per_voter);
    const lookup = lookupCredential(bytesToHex(credential.publicKey));
    prepareElectionKey(election.electionKey); // while the request is under way
    const answer = await lookup;
    voter = { credential, region: answer.region };
  } catch (err) {
    busy(false);
    status(null);
    for (const field of codeFields) field.input.setAttribute("aria-invalid", "true");
    const notRegistered = err instanceof ApiError && err.status === 404;
    formError.dataset.reason = notRegistered ? "not-registered" : "server";
    const words = codeFields.length > 1 ? "booth.code.error.notRegisteredMany" : "booth.code.error.notRegistered";
    showError(formError, notRegistered ? () => t(words) : err);
    codeFields[0].input.focus();
    return;
  }
  busy(false);
  status(null);
  for (const field of codeFields) {
    field.input.value = ""; // the codes are not needed any more; do not leave them on the screen
    field.input.removeAttribute("aria-invalid");
  }
  delete formError.dataset.reason;
  clearError(byId("codes-error"));
  buildChoices();
  show("choose");
}

/** The words for a code that does not read (10.2.3): the error names the bad character
 *  and its position itself, Cyrillic look-alikes already read as their Latin letters. */
function codeMistake(err, typed) {
  if (err.reason === "length") {
    const count = keptLength(typed);
    return count === 0 ? t("booth.code.error.empty") : t("booth.code.error.length", { count });
  }
  if (err.reason === "character") {
    return t("booth.code.error.character", { char: err.char ?? "?", position: err.position ?? "?" });
  }
  return t("booth.code.error.check");
}

function lookupCredential(publicKeyHex) {
  // Only the public key leaves the device.
  return api(`/api/credentials/${publicKeyHex}`);
}

function restart() {
  voter = null;
  choices = null;
  prepared = null;
  sentAs = null;
  clearError(byId("choices-error"));
  show("code");
}

// ---------------------------------------------------------------------------------------
// Step b: the choices

/** The questions of the voter's ballot style, in ballot order. */
function ballotQuestions() {
  const { manifest } = election;
  return regionById(manifest, voter.region).questions.map((id) => questionById(manifest, id));
}

function ruleKey(q) {
  if (q.max_choices === 1) return q.min_choices === 0 ? ["booth.choose.rule.oneOrNone"] : ["booth.choose.rule.one"];
  if (q.min_choices === q.max_choices) return ["booth.choose.rule.exactly", { count: q.max_choices }];
  if (q.min_choices === 0) return ["booth.choose.rule.upTo", { max: q.max_choices }];
  return ["booth.choose.rule.range", { min: q.min_choices, max: q.max_choices }];
}

function buildChoices() {
  const { manifest } = election;
  const region = regionById(manifest, voter.region);
  bind(byId("region-name"), (el) => {
    el.textContent = t("booth.choose.region", { region: mtext(region.name) });
  });
  const container = byId("choices");
  container.replaceChildren(
    ...ballotQuestions().map((q, qi) => {
      const radio = q.max_choices === 1;
      const ruleId = `rule-${qi}`;
      const options = q.options.map((option, oi) =>
        h(
          "div",
          { class: "option" },
          h("input", {
            type: radio ? "radio" : "checkbox",
            id: `option-${qi}-${oi}`,
            name: `question-${qi}`,
            value: option.id,
            "data-question": q.id,
            "data-option": option.id,
          }),
          h("label", { for: `option-${qi}-${oi}`, mtext: option.text }),
        ),
      );
      if (radio && q.min_choices === 0) {
        options.push(
          h(
            "div",
            { class: "option option-blank" },
            h("input", {
              type: "radio",
              id: `option-${qi}-blank`,
              name: `question-${qi}`,
              value: "",
              "data-question": q.id,
              "data-option": "",
            }),
            h("label", { for: `option-${qi}-blank`, i18n: "booth.choose.blank" }),
          ),
        );
      }
      return h(
        "fieldset",
        { class: "question", id: `question-${qi}`, "data-question": q.id, "aria-describedby": ruleId },
        h("legend", { mtext: q.text }),
        h("p", { class: "rule hint", id: ruleId, i18n: ruleKey(q) }),
        h("div", { class: "options" }, options),
      );
    }),
  );
}

/** Gives back {questionId: [0/1 per option]} as ticked in the form. */
function readChoices() {
  const read = {};
  for (const q of ballotQuestions()) {
    read[q.id] = q.options.map((option) => {
      const input = byId("choices").querySelector(
        `input[data-question="${CSS.escape(q.id)}"][data-option="${CSS.escape(option.id)}"]`,
      );
      return input?.checked ? 1 : 0;
    });
  }
  return read;
}

/** Gives back the questions whose number of chosen options breaks min/max, with the counts. */
function countMistakes(read) {
  return ballotQuestions()
    .map((q) => ({ q, count: read[q.id].reduce((a, b) => a + b, 0) }))
    .filter(({ q, count }) => count < q.min_choices || count > q.max_choices);
}

function showCountMistakes(mistakes) {
  const error = byId("choices-error");
  for (const fieldset of byId("choices").querySelectorAll("fieldset")) {
    const wrong = mistakes.some(({ q }) => q.id === fieldset.dataset.question);
    fieldset.classList.toggle("invalid", wrong);
    if (wrong) fieldset.setAttribute("aria-invalid", "true");
    else fieldset.removeAttribute("aria-invalid");
  }
  if (mistakes.length === 0) {
    clearError(error);
    return;
  }
  showError(error, () =>
    mistakes
      .map(({ q, count }) => {
        const [key, params] = ruleKey(q);
        return t("booth.choose.error.count", { question: mtext(q.text), count, rule: t(key, params) });
      })
      .join(" "),
  );
}

function onChoiceChange() {
  // Going over max_choices is said at once; too few is said when the voter goes on.
  const read = readChoices();
  showCountMistakes(countMistakes(read).filter(({ q, count }) => count > q.max_choices));
}

async function onEncrypt(event) {
  event.preventDefault();
  const read = readChoices();
  const mistakes = countMistakes(read);
  showCountMistakes(mistakes);
  if (mistakes.length > 0) {
    byId("choices").querySelector("fieldset.invalid input")?.focus();
    return;
  }
  choices = read;
  await encryptAndReview(byId("choices-error"));
}

/** Encrypts `choices` afresh (new nonces, nothing signed) and shows the tracking code. */
async function encryptAndReview(errorElement) {
  busy(true);
  errorElement.before(byId("status")); // beside the button pressed, where the voter looks
  status("booth.choose.encrypting");
  await painted();
  try {
    prepared = await encryptBallot({
      manifest: election.manifest,
      fp: election.fp,
      publicKey: election.electionKey,
      region: voter.region,
      choices,
      credential: voter.credential,
    });
  } catch (err) {
    busy(false);
    status(null);
    showError(errorElement, err);
    errorElement.scrollIntoView({ block: "center" });
    return;
  }
  sentAs = null;
  busy(false);
  status(null);
  showRecap();
  showTrackingCode(byId("tracking-code"), prepared.trackingCode);
  clearError(byId("review-error"));
  progress(null);
  byId("cast").disabled = false;
  byId("challenge").disabled = false;
  tx(byId("cast"), "booth.review.cast");
  tx(byId("challenge"), "booth.review.challenge");
  tx(byId("challenge-help"), "booth.review.challengeHelp");
  show("review");
}

/** Lists every question of the ballot with the options chosen (or "left blank"). */
function showRecap() {
  byId("recap").replaceChildren(
    ...ballotQuestions().map((q) => {
      const chosen = q.options.filter((_, i) => choices[q.id][i] === 1);
      return h(
        "div",
        { class: "recap-question", "data-question": q.id },
        h("p", { class: "recap-text", mtext: q.text }),
        h(
          "ul",
          { class: "recap-choices" },
          chosen.length > 0
            ? chosen.map((option) => h("li", { "data-option": option.id, mtext: option.text }))
            : h("li", { class: "recap-blank", "data-option": "", i18n: "booth.review.blank" }),
        ),
      );
    }),
  );
}

/** Says what is under way beside the buttons of the review step (key null: nothing). */
function progress(key) {
  bind(byId("review-progress"), (el) => {
    el.textContent = key ? t(key) : "";
  });
}

/**
 * Shows a failed cast or check beside the button that was pressed, scrolled into view and
 * focused, and offers that button again as "Try again".
 */
function showSendError(button, error) {
  const message = byId("review-error");
  button.after(byId("review-progress"), message);
  showError(message, error);
  tx(button, "booth.review.retry");
  message.focus({ preventScroll: true });
  message.scrollIntoView({ block: "center" });
}

/** Writes a tracking code in groups (the text stays exactly the code, hyphens included). */
function showTrackingCode(el, code) {
  const groups = code.split("-");
  el.replaceChildren(
    ...groups.flatMap((group, i) => [
      ...(i > 0 ? [h("span", { class: "sep", text: "-" })] : []),
      h("span", { class: "group", text: group }),
    ]),
  );
  el.dataset.code = code;
}

// ---------------------------------------------------------------------------------------
// Steps c-e: cast or challenge, then the receipt

/**
 * Sends `payload` (kind "ballot" or "spoiled") and checks the receipt. Gives back
 * {receipt, checks, failure} or null when the server refused (the error is shown).
 */
async function send(kind, payload) {
  const path = kind === "ballot" ? "/api/ballots" : "/api/challenges";
  const button = byId(kind === "ballot" ? "cast" : "challenge");
  button.after(byId("review-progress"), byId("review-error")); // where the voter looks
  progress(kind === "ballot" ? "booth.review.casting" : "booth.review.challenging");
  await painted();
  let receipt;
  try {
    receipt = await api(path, { method: "POST", body: payload });
  } catch (err) {
    receipt = await alreadyOnBoard(kind, err);
    if (receipt === null) {
      progress(null);
      showSendError(button, err);
      return null;
    }
  }
  progress("booth.review.checking");
  await painted();
  const { checks, failure } = await checkTheReceipt(kind, payload, receipt);
  progress(null);
  return { receipt, checks, failure };
}

/**
 * Gives back the receipt of `prepared` when a failed send may in fact have reached the
 * board (the answer was lost, or an earlier try got there), else null: a "Try again" never
 * leaves the voter unsure whether the ballot is on the board.
 */
async function alreadyOnBoard(kind, err) {
  const maybe =
    err instanceof NetworkError || ["repeated-ballot", "outcome-unknown", "receipt-unavailable"].includes(problemType(err));
  if (!maybe) return null;
  try {
    const found = await api(`/api/receipts/${encodeURIComponent(prepared.trackingCode)}`);
    return found.kind === kind ? found.receipt : null;
  } catch {
    return null;
  }
}

/** The device's receipt check (13.4), split into the three things it shows the voter. */
async function checkTheReceipt(kind, payload, receipt) {
  const { manifest, fp } = election;
  const trackingOk =
    receipt?.tracking_code === prepared.trackingCode && receipt?.tracking_hash === hex(prepared.trackingHash);
  let signatureOk = false;
  try {
    await verifyCheckpoint(receipt.checkpoint, manifest.board.key);
    signatureOk = true;
  } catch {
    signatureOk = false;
  }
  let failure = null;
  try {
    await checkReceipt(manifest, fp, kind, payload, receipt);
  } catch (err) {
    failure = err;
  }
  // checkReceipt checks all three and stops at the first failure: when the first two
  // pass on their own, what failed is the inclusion proof; otherwise it was not reached.
  const allOk = failure === null;
  const checks = [
    { id: "tracking", key: "booth.check.tracking", ok: allOk || trackingOk },
    { id: "signature", key: "booth.check.signature", ok: allOk || signatureOk },
    { id: "inclusion", key: "booth.check.inclusion", ok: allOk ? true : trackingOk && signatureOk ? false : null },
  ];
  return { checks, failure };
}

function offerReceipt(receipt) {
  if (receiptUrl) URL.revokeObjectURL(receiptUrl);
  const text = `${JSON.stringify(receipt, null, 1)}\n`;
  receiptUrl = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = byId("save-receipt");
  link.href = receiptUrl;
  link.download = `receipt-${receipt.tracking_code}.json`;
}

function explorerPath(code) {
  return pagePath("explorer", { code });
}

/** The explorer's address of a ballot, in full: what the QR codes hold. */
function explorerUrl(code) {
  return new URL(explorerPath(code), location.href).href;
}

/** Draws the QR code of url on canvas and names it for screen readers. */
function showQR(canvas, url) {
  drawQR(canvas, url);
  bind(canvas, (el) => el.setAttribute("aria-label", t("booth.receipt.qrLabel", { url })));
}

function showReceiptChecks(list, errorElement, checks, failure) {
  renderChecks(list, checks);
  list.dataset.ok = String(failure === null);
  if (failure === null) clearError(errorElement);
  else showError(errorElement, () => t("booth.receipt.failed", { detail: describeError(failure) }));
}

async function onCast() {
  if (!prepared || sentAs === "spoiled") return;
  clearError(byId("review-error"));
  busy(true);
  let payload;
  try {
    payload = await castPayload(prepared, voter.credential);
  } catch (err) {
    busy(false);
    showSendError(byId("cast"), err);
    return;
  }
  sentAs = "ballot"; // signed as a ballot: this body may never be challenged now
  const outcome = await send("ballot", payload);
  busy(false);
  byId("challenge").disabled = true;
  tx(byId("challenge-help"), "booth.review.locked");
  if (!outcome) return;
  const { receipt, checks, failure } = outcome;

  const index = receipt.index;
  const url = explorerUrl(receipt.tracking_code);
  tx(byId("cast-summary"), "booth.cast.summary", { index });
  mtx(byId("receipt-title"), election.manifest.title);
  byId("receipt-index").textContent = String(index);
  showTrackingCode(byId("receipt-code"), receipt.tracking_code);
  showReceiptChecks(byId("receipt-status"), byId("receipt-error"), checks, failure);
  offerReceipt(receipt);
  showQR(byId("receipt-qr"), url);
  const link = byId("explorer-link");
  link.href = url;
  link.textContent = url;
  lastReceipt = { code: receipt.tracking_code, index, url };
  receiptKept = false;
  prepared = null;
  show("cast");
}

let lastReceipt = null; // {code, index, url} of the last cast, for the picture

/**
 * Gives back a PNG of the receipt: the referendum, the tracking code, the entry number and
 * a QR code of the ballot's explorer address, in the page's language.
 */
function receiptPicture({ code, index, url }) {
  const width = 720;
  const margin = 40;
  const modules = qrModules(url);
  const scale = Math.floor(360 / modules.length);
  const sans = 'system-ui, "Noto Sans", "DejaVu Sans", Arial, sans-serif';
  const mono = '"DejaVu Sans Mono", ui-monospace, monospace';
  const lines = [
    { text: t("booth.receipt.heading"), font: `bold 34px ${sans}` },
    { text: mtext(election.manifest.title), font: `26px ${sans}` },
    { gap: 16 },
    { text: t("common.trackingCode"), font: `22px ${sans}` },
    { text: code, font: `bold 38px ${mono}` },
    { text: `${t("common.entry")}: ${index}`, font: `22px ${sans}` },
    { gap: 16 },
    { qr: modules.length * scale },
    { gap: 12 },
    { text: t("booth.receipt.qr"), font: `20px ${sans}` },
    { text: url, font: `18px ${mono}`, breakAnywhere: true },
  ];
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  const wrap = ({ text, font, breakAnywhere }) => {
    ctx.font = font;
    const words = breakAnywhere ? [...text] : text.split(" ");
    const joiner = breakAnywhere ? "" : " ";
    const out = [];
    let line = "";
    for (const word of words) {
      const next = line ? line + joiner + word : word;
      if (line && ctx.measureText(next).width > width - 2 * margin) {
        out.push(line);
        line = word;
      } else line = next;
    }
    if (line) out.push(line);
    return out;
  };
  const layout = lines.map((item) => (item.text === undefined ? item : { ...item, rows: wrap(item) }));
  const lineHeight = (font) => Math.round(Number(font.match(/(\d+)px/)[1]) * 1.35);
  const height =
    2 * margin +
    layout.reduce((sum, item) => sum + (item.gap ?? item.qr ?? item.rows.length * lineHeight(item.font)), 0);
  canvas.width = width;
  canvas.height = height;
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = "top";
  let y = margin;
  for (const item of layout) {
    if (item.gap) y += item.gap;
    else if (item.qr) {
      paintModules(ctx, modules, Math.round((width - item.qr) / 2), y, scale);
      y += item.qr;
    } else {
      ctx.font = item.font;
      ctx.fillStyle = "#000000";
      for (const row of item.rows) {
        ctx.fillText(row, margin, y);
        y += lineHeight(item.font);
      }
    }
  }
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

async function onSavePicture() {
  if (!lastReceipt) return;
  const blob = await receiptPicture(lastReceipt);
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: `receipt-${lastReceipt.code}.png`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  receiptKept = true;
}

function onPrint() {
  receiptKept = true;
  window.print();
}

async function onChallenge() {
  if (!prepared || sentAs === "ballot") return;
  clearError(byId("review-error"));
  busy(true);
  let payload;
  try {
    payload = await spoiledPayload(prepared, voter.credential);
  } catch (err) {
    busy(false);
    showSendError(byId("challenge"), err);
    return;
  }
  sentAs = "spoiled"; // revealed: this body may never be cast now
  const outcome = await send("spoiled", payload);
  busy(false);
  byId("cast").disabled = true;
  if (!outcome) return;
  const { receipt, checks, failure } = outcome;

  tx(byId("challenged-summary"), "booth.challenged.summary", { index: receipt.index });
  byId("challenge-index").textContent = String(receipt.index);
  showTrackingCode(byId("challenge-code"), receipt.tracking_code);
  showReceiptChecks(byId("challenge-status"), byId("challenge-error"), checks, failure);
  showRevealed(byId("revealed"), payload);
  const url = explorerUrl(receipt.tracking_code);
  showQR(byId("challenge-qr"), url);
  const link = byId("challenge-explorer-link");
  link.href = url;
  link.textContent = new URL(pagePath("explorer"), location.href).href; // to type: short, then the code
  byId("challenge-command").textContent = `referendum verify RECORD --find ${receipt.tracking_code}`;
  prepared = null;
  show("challenged");
}

/** Shows what a spoiled payload reveals: per question, each option chosen or not, and its nonce. */
function showRevealed(container, payload) {
  container.replaceChildren(...revealedTables(election.manifest, payload.reveal));
}

async function onVoteAgain() {
  // The same choices, encrypted again with fresh nonces: a new body and tracking code.
  await encryptAndReview(byId("challenge-error"));
}

function onCastAgain() {
  prepared = null;
  sentAs = null;
  clearError(byId("choices-error"));
  show("choose");
}

start().catch((error) => fatal(error));
