/**
 * Typed codes: the alphabet, what a typed character reads as, and the check character
 * (protocol.md 10.2). Credential codes (10.2) and tracking codes (12.4) share Crockford's
 * base32 alphabet, one rule for reading what a person typed (lower case, the Crockford
 * confusables O, I, L and the Cyrillic letters that look like code characters) and Damm's
 * check character over GF(32); they differ in length, grouping, the characters a person
 * may put between groups and the check's starting value.
 *
 * @module codes
 */

import { InputError } from './errors.js';

/** Crockford's base32: the character at position v has value v (10.2.1). */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Cyrillic letters read as the Latin letter or digit they look like (10.2.3): a voter on a
 * Ukrainian or Russian keyboard types what the printed code shows.
 * @type {Readonly<Record<string, string>>}
 */
export const LOOKALIKES = Object.freeze({
  '\u0410': 'A', // А
  '\u0412': 'B', // В
  '\u0415': 'E', // Е
  '\u041a': 'K', // К
  '\u041c': 'M', // М
  '\u041d': 'H', // Н
  '\u041e': 'O', // О
  '\u0420': 'P', // Р
  '\u0421': 'C', // С
  '\u0422': 'T', // Т
  '\u0423': 'Y', // У
  '\u0425': 'X', // Х
  '\u0406': 'I', // І (Ukrainian)
  '\u0417': '3', // З
  '\u0430': 'a', // а
  '\u0432': 'b', // в
  '\u0435': 'e', // е
  '\u043a': 'k', // к
  '\u043c': 'm', // м
  '\u043d': 'h', // н
  '\u043e': 'o', // о
  '\u0440': 'p', // р
  '\u0441': 'c', // с
  '\u0442': 't', // т
  '\u0443': 'y', // у
  '\u0445': 'x', // х
  '\u0456': 'i', // і (Ukrainian)
  '\u0437': '3', // з
});

const GF32_MODULUS = 0x25; // x^5 + x^2 + 1

/** @type {Map<string, number>} what a typed character reads as (10.2.3 rule 2) */
const TYPED = new Map();
for (let v = 0; v < 32; v++) {
  TYPED.set(ALPHABET[v], v);
  TYPED.set(ALPHABET[v].toLowerCase(), v);
}
// Crockford's decoding: O reads as zero, I and L as one.
for (const [c, v] of /** @type {const} */ ([['O', 0], ['o', 0], ['I', 1], ['i', 1], ['L', 1], ['l', 1]])) TYPED.set(c, v);
for (const [c, latin] of Object.entries(LOOKALIKES)) TYPED.set(c, /** @type {number} */ (TYPED.get(latin)));

/**
 * A typed code is malformed (10.2.3). `reason` is "character", "length" or "check"; for
 * "character", `char` is the character and `position` its place in the typed text
 * (counting every character from 1), so a page can name them in its own language.
 */
export class CodeError extends InputError {
  /**
   * @param {string} message
   * @param {"character" | "length" | "check"} reason
   * @param {{char?: string, position?: number}} [where]
   */
  constructor(message, reason, where = {}) {
    super(message);
    this.reason = reason;
    this.char = where.char;
    this.position = where.position;
  }
}

/**
 * Gives back the values of the characters of a typed code (10.2.3 rules 1-3). Throws
 * CodeError "character" naming the first character that is not read (with its position,
 * counting every typed character from 1), then "length".
 * @param {unknown} text
 * @param {string} what names the code in messages ("the credential code")
 * @param {ReadonlySet<string>} ignored
 * @param {number} length
 * @returns {number[]}
 */
export function readValues(text, what, ignored, length) {
  if (typeof text !== 'string') throw new CodeError(`${what} is not text`, 'character');
  /** @type {number[]} */
  const values = [];
  let position = 0;
  for (const char of text) {
    position += 1;
    if (ignored.has(char)) continue;
    const value = TYPED.get(char);
    if (value === undefined) {
      throw new CodeError(`${what}'s character ${position} (${JSON.stringify(char)}) is not used in codes`, 'character', {
        char,
        position,
      });
    }
    values.push(value);
  }
  if (values.length !== length) throw new CodeError(`${what} has ${values.length} characters, want ${length}`, 'length');
  return values;
}

/**
 * Gives back a * x in GF(32) = GF(2)[x] / (x^5 + x^2 + 1) (10.2.2, times_x).
 * @param {number} a
 */
export function timesX(a) {
  const shifted = a << 1;
  return shifted & 0x20 ? shifted ^ GF32_MODULUS : shifted;
}

/**
 * Gives back the Damm fold of values: interim = times_x(interim) XOR v, from start
 * (10.2.2). A code is valid when folding all its values ends at 0.
 * @param {Iterable<number>} values
 * @param {number} [start]
 */
export function fold(values, start = 0) {
  let interim = start;
  for (const v of values) interim = timesX(interim) ^ v;
  return interim;
}

/**
 * Gives back the value of the check character of data values (10.2.2).
 * @param {Iterable<number>} data
 * @param {number} [start]
 */
export function checkValue(data, start = 0) {
  return timesX(fold(data, start));
}
