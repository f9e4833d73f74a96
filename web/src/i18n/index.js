// The user-interface languages and their dictionaries.
//
// Every string the pages show comes from here (uk.js, ru.js, en.js); the manifest's own
// texts (title, questions, options, regions) come from the manifest in the chosen
// language. `translate` fills {name} placeholders from `params`.

import en from "./en.js";
import ru from "./ru.js";
import uk from "./uk.js";

/** The interface languages, in the order the switch shows them. */
export const LANGUAGES = ["uk", "ru", "en"];

/** Each language's name in itself (the switch shows these, whatever the page's language). */
export const LANGUAGE_NAMES = { uk: "Українська", ru: "Русский", en: "English" };

export const DICTIONARIES = { uk, ru, en };

/** Gives back the string `key` of `lang` with its {placeholders} filled from `params`. */
export function translate(lang, key, params = {}) {
  const text = DICTIONARIES[lang]?.[key] ?? DICTIONARIES.en[key];
  if (text === undefined) return key; // a missing key shows itself rather than nothing
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** Gives back the {placeholder} names of a string, sorted. */
export function placeholders(text) {
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();
}
