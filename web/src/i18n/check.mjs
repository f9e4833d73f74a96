// Checks that the three dictionaries are complete: the same keys, every string non-empty,
// the same {placeholders} in each language, and every key the pages use (in
// src/pages/*.js, html/*.html and html/partials/*.html) defined. Keys no page uses are listed as a warning.
// Run: node src/i18n/check.mjs (from anywhere). Exits 1 and names every problem found.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DICTIONARIES, LANGUAGES, placeholders } from "./index.js";

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const problems = [];
const allKeys = new Set(LANGUAGES.flatMap((lang) => Object.keys(DICTIONARIES[lang])));

for (const key of [...allKeys].sort()) {
  const want = placeholders(DICTIONARIES.en[key] ?? "").join(",");
  for (const lang of LANGUAGES) {
    const text = DICTIONARIES[lang][key];
    if (text === undefined) {
      problems.push(`${lang}: missing ${key}`);
    } else if (typeof text !== "string" || text.trim() === "") {
      problems.push(`${lang}: ${key} is empty`);
    } else if (placeholders(text).join(",") !== want) {
      problems.push(`${lang}: ${key} has placeholders {${placeholders(text).join("}, {")}}, en has {${want}}`);
    }
  }
}

// Keys the pages use: quoted literals with a known prefix, and `prefix.${...}` templates.
const sources = [
  ...readdirSync(path.join(web, "src/pages")).filter((f) => f.endsWith(".js")).map((f) => path.join(web, "src/pages", f)),
  ...["html", "html/partials"].flatMap((dir) =>
    readdirSync(path.join(web, dir)).filter((f) => f.endsWith(".html")).map((f) => path.join(web, dir, f)),
  ),
];
const used = new Set();
const usedPrefixes = new Set();
for (const file of sources) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/["'`]((?:common|booth|explorer|results)\.[A-Za-z.]*[A-Za-z])["'`]/g)) used.add(m[1]);
  for (const m of text.matchAll(/`((?:common|booth|explorer|results)\.[A-Za-z.]*\.)\$\{/g)) usedPrefixes.add(m[1]);
}
for (const key of [...used].sort()) {
  if (!allKeys.has(key)) problems.push(`pages use ${key}, which no dictionary defines`);
}
const unused = [...allKeys].filter((k) => !used.has(k) && ![...usedPrefixes].some((p) => k.startsWith(p)));
if (unused.length > 0) console.warn(`warning: not used by any page: ${unused.sort().join(", ")}`);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`i18n: ${allKeys.size} strings, complete in ${LANGUAGES.join(", ")}`);
