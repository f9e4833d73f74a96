// What the three pages share: the language (switch, dictionaries, the manifest's texts),
// the API client with RFC 9457 problems, loading the election with its fingerprint
// check, small DOM helpers, and the "checks made on this device" list.
//
// Texts are *bound* to elements (`bind`, `tx`, `mtx`): when the language changes every
// bound element is re-rendered in place, so form state (typed code, ticked options)
// survives a switch.

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, fullChoices, parseCanonicalManifest } from "../crypto/index.js";
import { LANGUAGES, LANGUAGE_NAMES, translate } from "../i18n/index.js";

const STORAGE_KEY = "referendum.lang";

let lang = storedLanguage() ?? browserLanguage();
let languageChosen = lang !== null; // false: still waiting for the manifest's first language
lang ??= LANGUAGES[0];
let manifestLanguages = null;
const bindings = new Map(); // element -> apply(element)
const listeners = [];

function storedLanguage() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(value) ? value : null;
  } catch {
    return null; // storage blocked: fall back to the defaults
  }
}

function browserLanguage() {
  const tags = navigator.languages?.length ? navigator.languages : [navigator.language ?? ""];
  for (const tag of tags) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return null;
}

/** The current interface language. */
export function language() {
  return lang;
}

/** Gives back the interface string `key` in the current language. */
export function t(key, params) {
  return translate(lang, key, params);
}

/** Gives back a manifest *texts* object's text in the current language, or in the manifest's first. */
export function mtext(texts) {
  return texts?.[manifestLanguageFor(lang)] ?? Object.values(texts ?? {})[0] ?? "";
}

/**
 * Gives back the name to show for a manifest trustee, registrar or witness: its display
 * name (protocol.md 9.2.2) as mtext picks it, or its plain `name` when it has none.
 */
export function displayName(entry) {
  return entry.display ? mtext(entry.display) : entry.name;
}

function manifestLanguageFor(wanted) {
  if (!manifestLanguages || manifestLanguages.includes(wanted)) return wanted;
  return manifestLanguages[0];
}

/**
 * Runs apply(el) now and again after every language change (while el is in the page).
 * It replaces what was bound to el before: an element shows one bound text.
 */
export function bind(el, apply) {
  apply(el);
  bindings.set(el, apply);
  return el;
}

/** Binds an element's text to an interface string. */
export function tx(el, key, params) {
  return bind(el, (e) => {
    e.textContent = t(key, params);
  });
}

/** Binds an element's text to a manifest *texts* object; marks its language when it falls back. */
export function mtx(el, texts) {
  return bind(el, (e) => {
    e.textContent = mtext(texts);
    const shown = manifestLanguageFor(lang);
    if (shown !== lang) e.lang = shown;
    else e.removeAttribute("lang");
  });
}

/** Calls fn(lang) after every language change. */
export function onLanguageChange(fn) {
  listeners.push(fn);
}

/** Switches the interface language; `remember` keeps the choice in localStorage. */
export function setLanguage(next, remember = false) {
  if (!LANGUAGES.includes(next)) return;
  lang = next;
  languageChosen = true;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // storage blocked: the choice holds for this page only
    }
  }
  applyLanguage();
}

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const code of LANGUAGES) {
    document.getElementById(`lang-${code}`)?.setAttribute("aria-pressed", String(code === lang));
  }
  for (const [el, apply] of bindings) {
    if (el.isConnected) apply(el);
    else bindings.delete(el); // replaced content: forget it
  }
  for (const fn of listeners) fn(lang);
}

/**
 * Wires the page frame: translates the static `data-i18n` elements (and `data-i18n-label`
 * as aria-label), names the language buttons and makes them switch.
 */
export function initPage() {
  for (const el of document.querySelectorAll("[data-i18n]")) tx(el, el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) {
    bind(el, (e) => e.setAttribute("aria-label", t(e.dataset.i18nLabel)));
  }
  if (BOARD.base) {
    // A booth from elsewhere: its links name the copy's files and keep ?board= and ?fp=,
    // and the record's link goes to the board.
    for (const a of document.querySelectorAll('a[href^="/"]')) {
      const href = a.getAttribute("href");
      const page = PAGE_PATHS.indexOf(href);
      if (page >= 0) a.setAttribute("href", pagePath(PAGES[page]));
      else if (href.startsWith("/api/")) a.setAttribute("href", new URL(href.slice(1), BOARD.base).href);
    }
  }
  for (const code of LANGUAGES) {
    const button = document.getElementById(`lang-${code}`);
    if (!button) continue;
    button.textContent = LANGUAGE_NAMES[code];
    button.lang = code;
    button.addEventListener("click", () => setLanguage(code, true));
  }
  applyLanguage();
}

// ---------------------------------------------------------------------------------------
// DOM helpers

/**
 * Gives back a new element. props: `class`, `text`, `i18n` (key or [key, params]),
 * `mtext` (a manifest texts object), `on<event>` (listener), anything else an attribute.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name === "i18n") Array.isArray(value) ? tx(el, ...value) : tx(el, value);
    else if (name === "mtext") mtx(el, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** Gives back the element with this id (throws if the page lacks it: a build mistake). */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

/** Resolves after the browser has painted, so a status message shows before heavy work. */
export function painted() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Shows a status message in the page's polite live region (key null clears it). */
export function status(key, params) {
  const el = byId("status");
  bindings.delete(el);
  if (key === null || key === undefined) el.textContent = "";
  else tx(el, key, params);
}

/** Shows an error (an Error, or a function giving the text) in an alert element. */
export function showError(el, error) {
  bind(el, (e) => {
    e.textContent = typeof error === "function" ? error() : describeError(error);
  });
  el.hidden = false;
}

/** Clears an alert element. */
export function clearError(el) {
  bindings.delete(el);
  el.textContent = "";
  el.hidden = true;
}

/** The base of every problem type URI the server sends (src/referendum/server/problems.py). */
const PROBLEM_BASE = "https://referendum.invalid/problems/";

/**
 * Each problem type (the last part of its URI) -> the interface string that says it to a
 * voter in the page's language. The server's own `detail` is English and technical: it is
 * never shown. The types only operators, trustees and witnesses meet are "other": the
 * server refused, with the HTTP status (so is an unknown type). Every type the server
 * sends is listed (tests/browser/test_problem_texts.py checks it).
 */
const PROBLEM_TEXTS = {
  "rate-limited": "rateLimited",
  "voting-not-open": "closed",
  "outside-voting-period": "closed",
  "credential-not-registered": "notRegistered",
  "wrong-region": "wrongRegion",
  "repeated-ballot": "repeated",
  "ballot-invalid": "ballotInvalid",
  "challenge-invalid": "ballotInvalid",
  "bad-structure": "unreadable",
  "not-json": "unreadable",
  "unsupported-media-type": "unreadable",
  "body-too-large": "unreadable",
  "bad-content-length": "unreadable",
  "incomplete-body": "unreadable",
  "bad-parameter": "unreadable",
  "bad-credential": "unreadable",
  "unknown-kind": "unreadable",
  "body-timeout": "slow",
  "board-unavailable": "unavailable",
  busy: "unavailable",
  "internal-error": "unavailable",
  "web-pages-not-built": "unavailable",
  "outcome-unknown": "outcomeUnknown",
  "receipt-unavailable": "receiptUnavailable",
  "unknown-tracking-code": "unknownCode",
  "tracking-code-typo": "badCode",
  "not-found": "notFound",
  "not-counted": "notCounted",
  "wrong-phase": "other",
  "operator-only": "other",
  "message-refused": "other",
  "cosignature-refused": "other",
  "bad-checkpoint": "other",
};

/** Gives back the problem type's name (`rate-limited`) of an ApiError, or null. */
export function problemType(error) {
  const type = error instanceof ApiError ? error.problem?.type : null;
  return typeof type === "string" && type.startsWith(PROBLEM_BASE) ? type.slice(PROBLEM_BASE.length) : null;
}

/** Gives back the text to show for an error, in the current language. */
export function describeError(error) {
  if (error instanceof ApiError) {
    const text = PROBLEM_TEXTS[problemType(error)];
    if (text === "rateLimited") {
      const seconds = /^\d+$/.test(error.retryAfter ?? "") ? error.retryAfter : "60";
      return t("common.problem.rateLimited", { seconds });
    }
    if (text && text !== "other") return t(`common.problem.${text}`);
    return t("common.problem.other", { status: error.status });
  }
  if (error instanceof NetworkError) return t("common.error.offline");
  return error?.message ?? String(error);
}

/** Formats an integer for the current language. */
export function formatNumber(n) {
  return new Intl.NumberFormat(lang).format(n);
}

/** Formats a fraction (0.25) as a percentage for the current language. */
export function formatPercent(x) {
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(x);
}

/** Formats a manifest time (YYYY-MM-DDTHH:MM:SSZ) in UTC for the current language. */
export function formatTime(text) {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return text;
  const shown = new Intl.DateTimeFormat(lang, {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: "UTC",
  }).format(date);
  return t("common.utc", { time: shown });
}

/** Gives back hex for bytes, and a string unchanged. */
export function hex(value) {
  return typeof value === "string" ? value : bytesToHex(value);
}

/**
 * Renders the "checks made on this device" into a list: one item per check,
 * `{key, params, ok}` with ok true (passed), false (failed) or null (not checked).
 * Each item says it in words too, never by colour alone.
 */
export function renderChecks(list, checks) {
  list.replaceChildren(
    ...checks.map(({ key, params, ok, id }) => {
      const state = ok === true ? "ok" : ok === false ? "fail" : "skipped";
      return h(
        "li",
        { class: `check check-${state}`, "data-check": id ?? key, "data-ok": String(ok) },
        h("span", { class: "check-mark", "aria-hidden": "true", text: ok === true ? "✓" : ok === false ? "✗" : "–" }),
        h("span", { class: "check-label", i18n: [key, params] }),
        h("span", { class: "check-state", i18n: `common.check.${state}` }),
      );
    }),
  );
}

// ---------------------------------------------------------------------------------------
// The API

/** The server refused a request; message = the problem's `detail`. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem ?? {};
    this.retryAfter = retryAfter;
  }
}

/** The server could not be reached (or answered with something unreadable). */
export class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.name = "NetworkError";
  }
}

/**
 * Calls the API. Gives back the parsed JSON (or the raw bytes with `bytes: true`);
 * throws ApiError with the problem document on a 4xx/5xx, NetworkError when unreachable.
 */
export async function api(path, { method = "GET", body, bytes = false } = {}) {
  const headers = { Accept: bytes ? "*/*" : "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (BOARD.error) throw BOARD.error;
  let response;
  try {
    response = await fetch(BOARD.base ? new URL(path.slice(1), BOARD.base).href : path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: BOARD.base ? "omit" : "same-origin",
    });
  } catch (err) {
    throw new NetworkError(err?.message ?? String(err));
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    throw new ApiError(response.status, problem, response.headers.get("Retry-After"));
  }
  try {
    return bytes ? new Uint8Array(await response.arrayBuffer()) : await response.json();
  } catch (err) {
    throw new NetworkError(err?.message ?? String(err));
  }
}

// ---------------------------------------------------------------------------------------
// A booth from elsewhere (protocol.md 16.6): ?board=URL names the board's API (any other
// origin: the API answers CORS), and ?fp=HEX the fingerprint the voter was given, which
// the manifest must then hash to. Without them the page talks to its own origin.

/** The page's address names a board the booth cannot use. */
export class BadBoardParameter extends Error {
  constructor(message) {
    super(message);
    this.name = "BadBoardParameter";
  }
}

const BOARD = boardFromAddress();
const PAGES = ["booth", "explorer", "results"]; // as the header's data-page names them
const PAGE_PATHS = ["/", "/explorer", "/results"];
const PAGE_FILES = ["index", "explorer", "results"].map((name) => `${name}.html`);

/**
 * Gives back the address of a page ("booth", "explorer", "results") with the query
 * params: the service's route (/explorer?code=…), or for a booth from elsewhere the
 * copy's file (/explorer.html?board=…&fp=…&code=…).
 */
export function pagePath(page, params = {}) {
  const query = new URLSearchParams();
  if (BOARD.base) {
    query.set("board", BOARD.base);
    if (BOARD.fp) query.set("fp", BOARD.fp);
  }
  for (const [name, value] of Object.entries(params)) query.set(name, value);
  const text = query.toString();
  const index = PAGES.indexOf(page);
  const path = BOARD.base ? `/${PAGE_FILES[index]}` : PAGE_PATHS[index];
  return text ? `${path}?${text}` : path;
}

function boardFromAddress() {
  const query = new URLSearchParams(location.search);
  const fp = query.get("fp");
  if (fp !== null && !/^[0-9a-f]{64}$/.test(fp)) return { error: new BadBoardParameter(`fp=${fp.slice(0, 80)}`) };
  const given = query.get("board");
  if (given === null) return { base: null, fp };
  let url;
  try {
    url = new URL(given);
  } catch {
    url = null;
  }
  if (url === null || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    return { error: new BadBoardParameter(`board=${given.slice(0, 200)}`) };
  }
  return { base: url.href.endsWith("/") ? url.href : `${url.href}/`, fp };
}

/**
 * The booth's own check (protocol.md 16.6): when the manifest names a booth, hashes the
 * files of the build this page came from (build.json beside the page lists them; the
 * .br/.gz copies, which a browser only ever sees decoded, are taken from that listing)
 * and compares the result with the manifest's `booth`. Shows the result in #booth-check:
 * in the footer when it matches, at the top of the page (role=alert) when it does not.
 */
async function checkBooth(manifest) {
  const want = manifest.booth;
  if (typeof want !== "string") return;
  const el = h("p", { id: "booth-check", class: "hint" });
  el.dataset.ok = "null";
  document.getElementById("fingerprint-box")?.append(el);
  let got;
  try {
    const fetched = async (name) => {
      const answer = await fetch(new URL(name, location.href).href, { cache: "no-cache", credentials: "same-origin" });
      if (!answer.ok) throw new Error(`${name}: HTTP ${answer.status}`);
      return new Uint8Array(await answer.arrayBuffer());
    };
    const listing = JSON.parse(new TextDecoder().decode(await fetched("build.json"))).files;
    const names = Object.keys(listing).sort();
    const digests = await Promise.all(
      names.map(async (name) => (/\.(br|gz)$/.test(name) ? String(listing[name].sha256) : bytesToHex(sha256(await fetched(name))))),
    );
    const lines = names.map((name, i) => `${digests[i]}  ${name}\n`).join("");
    got = `sha256:${bytesToHex(sha256(new TextEncoder().encode(lines)))}`;
  } catch (err) {
    got = null;
    el.dataset.reason = "unreadable";
    el.dataset.error = String(err?.message ?? err);
  }
  el.dataset.ok = String(got === want);
  el.dataset.booth = got ?? "";
  if (got === want) {
    tx(el, "common.booth.ok");
    return;
  }
  el.dataset.reason ??= "mismatch";
  el.className = "error";
  el.setAttribute("role", "alert");
  tx(el, got === null ? "common.booth.unreadable" : "common.booth.mismatch", { want, got: got ?? "" });
  document.getElementById("main")?.prepend(el);
}

/** The manifest sent does not hash to the fingerprint the server announces. */
export class FingerprintMismatch extends Error {
  constructor(computed, announced, given = false) {
    super(`fingerprint mismatch: ${computed} computed, ${announced} ${given ? "in the address" : "announced"}`);
    this.name = "FingerprintMismatch";
    this.given = given; // announced is the fp= of the page's address, not the server's word
    this.computed = computed;
    this.announced = announced;
  }
}

/**
 * Loads the election: the manifest's bytes and /api/election. Recomputes the
 * fingerprint from the bytes and throws FingerprintMismatch if it is not the announced
 * one. Shows the fingerprint and the title, and (when the visitor has no language yet)
 * switches to the manifest's first language. Gives back {manifest, fp, fpHex, election}.
 */
export async function loadElection(docTitleKey) {
  const [bytes, election] = await Promise.all([
    api("/api/manifest", { bytes: true }),
    api("/api/election"),
  ]);
  // Strict reading (8.1.3) and the canonical form checked: the fingerprint is then the
  // hash of exactly the object the page uses (no duplicate member read two ways).
  const { manifest, fp } = parseCanonicalManifest(bytes);
  const fpHex = bytesToHex(fp);
  if (fpHex !== election.fingerprint) throw new FingerprintMismatch(fpHex, election.fingerprint);
  if (BOARD.fp && fpHex !== BOARD.fp) throw new FingerprintMismatch(fpHex, BOARD.fp, true);

  manifestLanguages = manifest.languages;
  const fpEl = document.getElementById("fingerprint");
  if (fpEl) fpEl.textContent = fpHex;
  const footer = document.getElementById("fingerprint-box");
  if (footer) footer.hidden = false;
  const titleEl = document.getElementById("election-title");
  if (titleEl) mtx(titleEl, manifest.title);
  if (docTitleKey) {
    const setTitle = () => {
      document.title = t(docTitleKey, { title: mtext(manifest.title) });
    };
    onLanguageChange(setTitle);
    setTitle();
  }
  if (!languageChosen && LANGUAGES.includes(manifest.languages[0])) setLanguage(manifest.languages[0]);
  else applyLanguage();
  checkBooth(manifest); // in the background: the page is usable meanwhile
  return { manifest, fp, fpHex, election };
}

/** Shows a page-stopping error (load failure, fingerprint mismatch) in #fatal. */
export function showFatal(error) {
  const box = byId("fatal");
  const message = byId("fatal-error");
  showError(message, () =>
    error instanceof FingerprintMismatch
      ? t(error.given ? "common.booth.fpGiven" : "common.fingerprint.mismatch", { computed: error.computed, announced: error.announced })
      : error instanceof BadBoardParameter
        ? t("common.booth.badAddress", { detail: error.message })
      : error instanceof ApiError || error instanceof NetworkError
        ? t("common.error.load", { detail: describeError(error) })
        : describeError(error),
  );
  box.hidden = false;
  status(null);
}

/** Finds a question of the manifest by id. */
export function questionById(manifest, id) {
  return manifest.questions.find((q) => q.id === id);
}

/** Finds a region of the manifest by id. */
export function regionById(manifest, id) {
  return manifest.regions.find((r) => r.id === id);
}

/**
 * Gives back one table per question of a challenge's reveal (12.5): each option, whether
 * it was chosen, and its nonce; rows carry data-option and data-vote. The reveal opens
 * the encrypted selections only: an exactly-k question's last option, never encrypted,
 * is k minus the others (12.2), shown without a nonce (its row has data-derived).
 */
export function revealedTables(manifest, reveal) {
  return reveal.map((item, qi) => {
    const q = questionById(manifest, item.question);
    const votes = fullChoices(q, item.selections.map((selection) => selection.vote));
    return h(
      "table",
      { class: "revealed-table", "data-question": item.question, id: `revealed-${qi}` },
      h("caption", { mtext: q.text }),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", i18n: "common.option" }),
          h("th", { scope: "col", i18n: "common.vote" }),
          h("th", { scope: "col", i18n: "common.nonce" }),
        ),
      ),
      h(
        "tbody",
        {},
        votes.map((vote, oi) => {
          const selection = item.selections[oi];
          return h(
            "tr",
            {
              "data-option": q.options[oi].id,
              "data-vote": String(vote),
              ...(selection ? {} : { "data-derived": "true" }),
            },
            h("th", { scope: "row", mtext: q.options[oi].text }),
            h(
              "td",
              { class: vote === 1 ? "vote vote-yes" : "vote" },
              h("span", { "aria-hidden": "true", text: vote === 1 ? "☒ " : "☐ " }),
              h("span", { i18n: vote === 1 ? "common.chosen" : "common.notChosen" }),
            ),
            h(
              "td",
              {},
              selection
                ? h("code", { class: "hash", text: selection.nonce })
                : h("span", { i18n: ["common.notEncrypted", { count: q.min_choices }] }),
            ),
          );
        }),
      ),
    );
  });
}
