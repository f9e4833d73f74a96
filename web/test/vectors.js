// Reads the known-answer files the Python tests read, from /vectors at the repository root,
// and this folder's fixtures. Not a test file itself (node --test runs it, finds no test).
import { readFileSync, readdirSync, statSync } from 'node:fs';

/**
 * Gives back the parsed JSON of vectors/<path>.
 * @param {string} path
 */
export function loadVector(path) {
  return JSON.parse(readFileSync(new URL(`../../vectors/${path}`, import.meta.url), 'utf8'));
}

/**
 * Gives back the text of vectors/<path>.
 * @param {string} path
 */
export function vectorText(path) {
  return readFileSync(new URL(`../../vectors/${path}`, import.meta.url), 'utf8');
}

/**
 * Gives back every .json file under vectors/<folder>, as [relative path, text], sorted.
 * @param {string} folder
 */
export function vectorFiles(folder) {
  const root = new URL(`../../vectors/${folder}/`, import.meta.url);
  /** @type {[string, string][]} */
  const out = [];
  const walk = (/** @type {URL} */ dir, /** @type {string} */ prefix) => {
    for (const name of readdirSync(dir).sort()) {
      const url = new URL(name, dir);
      if (statSync(url).isDirectory()) walk(new URL(`${name}/`, dir), `${prefix}${name}/`);
      else if (name.endsWith('.json')) out.push([`${folder}/${prefix}${name}`, readFileSync(url, 'utf8')]);
    }
  };
  walk(root, '');
  return out;
}

/**
 * Gives back the parsed JSON of test/fixtures/<name>.
 * @param {string} name
 */
export function loadFixture(name) {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8'));
}

/**
 * Gives back the bytes of hex text (test-side, independent of the library's decoder).
 * @param {string} hex
 */
export function hex(hex) {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * Gives back the bytes of base64 text (test-side).
 * @param {string} b64
 */
export function b64(b64) {
  return Uint8Array.from(Buffer.from(b64, 'base64'));
}

/**
 * Gives back the error a function throws (assert.throws only checks; tests also look
 * at the type to tell "decode" from "invalid").
 * @param {() => unknown} fn
 * @returns {unknown}
 */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
