/**
 * Canonical JSON (protocol.md 8.1): the one byte form of every message that is hashed or
 * signed, and the strict reader of 8.1.3.
 *
 * The domain: objects with ASCII member names, arrays, text without unpaired surrogates,
 * integers within +-(2^53 - 1), true, false, null. No other numbers. For this domain the
 * byte form is RFC 8785's, and equals Python's json.dumps(sort_keys=True,
 * ensure_ascii=False, separators=(",", ":")).
 *
 * @module canonical
 */

import { fromUtf8, utf8 } from './bytes.js';
import { DecodeError, JsonFormatError } from './errors.js';

/** The largest integer of the domain, 2^53 - 1 (8.1.1). */
export const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** Protocol messages nest fewer than 10 levels; this reader stops far above that. */
const MAX_DEPTH = 100;

const ASCII = /^[\x00-\x7f]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * @param {string} text
 * @returns {boolean} true when text has no unpaired surrogate
 */
function wellFormed(text) {
  // isWellFormed is ES2024; the pattern covers older browsers.
  return typeof text.isWellFormed === 'function' ? text.isWellFormed() : !LONE_SURROGATE.test(text);
}

/**
 * @param {unknown} value
 * @returns {boolean} true for an object literal (not an array, a Date, a Uint8Array ...)
 */
function isPlainObject(value) {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * @param {unknown} value
 * @param {string} where
 * @param {number} depth
 * @param {string[]} out
 */
function write(value, where, depth, out) {
  if (depth > MAX_DEPTH) throw new JsonFormatError(`${where}: nested too deeply`);
  if (value === null || value === true || value === false) {
    out.push(String(value));
  } else if (typeof value === 'string') {
    if (!wellFormed(value)) throw new JsonFormatError(`${where}: text holds a lone surrogate`);
    // JSON.stringify escapes exactly what 8.1.2 escapes, with lowercase \u00xx.
    out.push(JSON.stringify(value));
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new JsonFormatError(`${where}: numbers must be integers, got ${value}`);
    }
    if (Math.abs(value) > MAX_SAFE_INTEGER) {
      throw new JsonFormatError(`${where}: integer ${value} is outside ±(2^53 - 1)`);
    }
    out.push(value === 0 ? '0' : String(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i) out.push(',');
      write(value[i], `${where}[${i}]`, depth + 1, out);
    }
    out.push(']');
  } else if (isPlainObject(value)) {
    const names = Object.keys(/** @type {object} */ (value));
    for (const name of names) {
      if (!ASCII.test(name)) throw new JsonFormatError(`${where}: object keys must be ASCII text, got ${JSON.stringify(name)}`);
    }
    // Names are ASCII, so sorting UTF-16 code units is sorting bytes (8.1.2).
    names.sort();
    out.push('{');
    names.forEach((name, i) => {
      if (i) out.push(',');
      out.push(JSON.stringify(name), ':');
      write(/** @type {any} */ (value)[name], `${where}.${name}`, depth + 1, out);
    });
    out.push('}');
  } else {
    const kind = typeof value === 'object' ? Object.prototype.toString.call(value) : typeof value;
    throw new JsonFormatError(`${where}: ${kind} is not a JSON value`);
  }
}

/**
 * Gives back the canonical text of value (protocol.md 8.1.2); JsonFormatError if it has none.
 * @param {unknown} value
 * @param {string} [where] named in the error
 * @returns {string}
 */
export function canonicalText(value, where = 'value') {
  /** @type {string[]} */
  const out = [];
  write(value, where, 0, out);
  return out.join('');
}

/**
 * Gives back the canonical UTF-8 bytes of value (protocol.md 8.1.2).
 * @param {unknown} value
 * @param {string} [where] named in the error
 * @returns {Uint8Array}
 */
export function canonicalJson(value, where = 'value') {
  return utf8(canonicalText(value, where));
}

/** A strict recursive-descent reader of RFC 8259 text, refusing what 8.1.3 refuses. */
class Reader {
  /**
   * @param {string} text
   * @param {string} where
   */
  constructor(text, where) {
    this.text = text;
    this.where = where;
    this.pos = 0;
  }

  /** @param {string} why */
  fail(why) {
    return new JsonFormatError(`${this.where}: ${why}`);
  }

  skipSpace() {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  /** @param {number} depth */
  value(depth) {
    if (depth > MAX_DEPTH) throw this.fail('nested too deeply');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, result] of /** @type {const} */ ([['true', true], ['false', false], ['null', null]])) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return result;
      }
    }
    if (c === undefined) throw this.fail('not valid JSON (unexpected end)');
    throw this.fail(`not valid JSON (unexpected ${JSON.stringify(c)} at ${this.pos})`);
  }

  /** @param {number} depth */
  object(depth) {
    this.pos++; // {
    /** @type {Record<string, unknown>} */
    const out = {};
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') throw this.fail(`not valid JSON (want a member name at ${this.pos})`);
      const name = this.string();
      if (!ASCII.test(name)) throw this.fail(`member name ${JSON.stringify(name)} is not ASCII`);
      if (Object.prototype.hasOwnProperty.call(out, name)) {
        throw this.fail(`key ${JSON.stringify(name)} appears twice in one object`);
      }
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw this.fail(`not valid JSON (want ':' at ${this.pos})`);
      this.pos++;
      const item = this.value(depth + 1);
      // defineProperty, so that a member named __proto__ stays a member.
      Object.defineProperty(out, name, { value: item, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') throw this.fail(`not valid JSON (want ',' or '}' at ${this.pos - 1})`);
    }
  }

  /** @param {number} depth */
  array(depth) {
    this.pos++; // [
    /** @type {unknown[]} */
    const out = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') throw this.fail(`not valid JSON (want ',' or ']' at ${this.pos - 1})`);
    }
  }

  string() {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let start = this.pos;
    for (;;) {
      if (this.pos >= t.length) throw this.fail('not valid JSON (unterminated text)');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) throw this.fail(`not valid JSON (raw control character in text at ${this.pos})`);
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(start, this.pos);
      const e = t[this.pos + 1];
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e ?? ''];
      if (simple !== undefined) {
        out += simple;
        this.pos += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
        out += String.fromCharCode(parseInt(t.slice(this.pos + 2, this.pos + 6), 16));
        this.pos += 6;
      } else {
        throw this.fail(`not valid JSON (bad escape at ${this.pos})`);
      }
      start = this.pos;
    }
    out += t.slice(start, this.pos);
    this.pos++; // closing quote
    if (!wellFormed(out)) throw this.fail('text holds a lone surrogate');
    return out;
  }

  number() {
    const match = /^-?(?:0|[1-9][0-9]*)/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) throw this.fail(`not valid JSON (bad number at ${this.pos})`);
    const digits = match[0];
    this.pos += digits.length;
    const next = this.text[this.pos];
    if (next === '.' || next === 'e' || next === 'E') {
      throw this.fail(`numbers must be integers (a fraction or exponent at ${this.pos})`);
    }
    const big = BigInt(digits);
    if (big > BigInt(MAX_SAFE_INTEGER) || big < -BigInt(MAX_SAFE_INTEGER)) {
      throw this.fail(`integer ${digits} is outside ±(2^53 - 1)`);
    }
    const n = Number(big);
    return n === 0 ? 0 : n; // -0 reads as 0
  }
}

/**
 * Gives back the value JSON text encodes, read strictly (protocol.md 8.1.3).
 *
 * Takes text or UTF-8 bytes. Refuses, with JsonFormatError starting with where: bytes
 * that are not UTF-8 (a byte order mark included), text that is not JSON, duplicate
 * member names, fractions and exponents, integers outside +-(2^53 - 1), non-ASCII member
 * names, unpaired surrogates and nesting deeper than 100.
 * @param {string | Uint8Array} input
 * @param {string} [where]
 * @returns {unknown}
 */
export function parseJson(input, where = 'input') {
  let text;
  if (input instanceof Uint8Array) {
    try {
      text = fromUtf8(input);
    } catch (e) {
      if (e instanceof DecodeError) throw new JsonFormatError(`${where}: not UTF-8`);
      throw e;
    }
  } else if (typeof input === 'string') {
    text = input;
  } else {
    throw new TypeError('parseJson takes text or bytes');
  }
  const reader = new Reader(text, where);
  const value = reader.value(0);
  reader.skipSpace();
  if (reader.pos !== text.length) throw reader.fail(`not valid JSON (extra data at ${reader.pos})`);
  return value;
}
