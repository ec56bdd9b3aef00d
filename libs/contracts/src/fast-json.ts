/*
 * A JSON parser for the common shape of ingest records: pure ASCII text without escapes. On such
 * input it returns exactly what JSON.parse returns (same values, same key order, last duplicate
 * wins); on anything else — non-ASCII bytes, escapes, control characters, syntax errors, a
 * `__proto__` key, deep nesting — it returns NO_PARSE and the caller uses JSON.parse, so errors
 * and every rare case keep JSON.parse's exact behaviour.
 *
 * Why: metric batches repeat the same few strings (keys, metric names, tag values, sources) in
 * every record. Strings up to INTERN_MAX_LEN bytes are taken from an intern table by a hash of
 * their bytes instead of being allocated, and no UTF-8 decoding pass is needed: the router's
 * decode cost was dominated by Buffer#toString and JSON.parse.
 */

export const NO_PARSE: unique symbol = Symbol('NO_PARSE');

const INTERN_BITS = 12;
const INTERN_SIZE = 1 << INTERN_BITS;
const INTERN_MAX_LEN = 48;
const MAX_DEPTH = 64;

/** Direct-mapped cache of short strings, by a hash of their bytes (a miss just replaces). */
const internStrings: (string | undefined)[] = new Array<string | undefined>(INTERN_SIZE).fill(undefined);

class Bail extends Error {}
const BAIL = new Bail();

class Parser {
  pos = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly end: number,
  ) {}

  ws(): number {
    const b = this.b;
    let p = this.pos;
    while (p < this.end) {
      const c = b[p] as number;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
    return p < this.end ? (b[p] as number) : -1;
  }

  value(depth: number): unknown {
    const c = this.ws();
    switch (c) {
      case 0x7b: // {
        return this.object(depth + 1);
      case 0x5b: // [
        return this.array(depth + 1);
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x6e: // n
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        throw BAIL;
    }
  }

  literal<T>(text: string, v: T): T {
    const b = this.b;
    if (this.pos + text.length > this.end) throw BAIL;
    for (let i = 0; i < text.length; i++) if (b[this.pos + i] !== text.charCodeAt(i)) throw BAIL;
    this.pos += text.length;
    return v;
  }

  object(depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw BAIL;
    this.pos++; // {
    const out: Record<string, unknown> = {};
    if (this.ws() === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.ws() !== 0x22) throw BAIL;
      const key = this.string();
      if (key === '__proto__') throw BAIL;
      if (this.ws() !== 0x3a) throw BAIL; // :
      this.pos++;
      out[key] = this.value(depth);
      const c = this.ws();
      this.pos++;
      if (c === 0x2c) continue; // ,
      if (c === 0x7d) return out; // }
      throw BAIL;
    }
  }

  array(depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw BAIL;
    this.pos++; // [
    const out: unknown[] = [];
    if (this.ws() === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      const c = this.ws();
      this.pos++;
      if (c === 0x2c) continue;
      if (c === 0x5d) return out;
      throw BAIL;
    }
  }

  string(): string {
    const b = this.b;
    const start = this.pos + 1;
    let p = start;
    let h = 0x811c9dc5;
    for (;;) {
      if (p >= this.end) throw BAIL;
      const c = b[p] as number;
      if (c === 0x22) break;
      // Escapes, control characters and non-ASCII: JSON.parse's business.
      if (c === 0x5c || c < 0x20 || c > 0x7e) throw BAIL;
      h = Math.imul(h ^ c, 0x01000193);
      p++;
    }
    this.pos = p + 1;
    const len = p - start;
    if (len > INTERN_MAX_LEN) return latin1(b, start, p);
    const slot = (h ^ (h >>> INTERN_BITS) ^ len) & (INTERN_SIZE - 1);
    const cached = internStrings[slot];
    if (cached !== undefined && cached.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (cached.charCodeAt(i) !== b[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const s = latin1(b, start, p);
    internStrings[slot] = s;
    return s;
  }

  number(): number {
    const b = this.b;
    const start = this.pos;
    let p = start;
    let negative = false;
    if (b[p] === 0x2d) {
      negative = true;
      p++;
    }
    let c = p < this.end ? (b[p] as number) : -1;
    let int = 0;
    let digits = 0;
    if (c === 0x30) {
      p++;
      digits = 1;
      c = p < this.end ? (b[p] as number) : -1;
      if (c >= 0x30 && c <= 0x39) throw BAIL; // leading zero
    } else if (c >= 0x31 && c <= 0x39) {
      while (c >= 0x30 && c <= 0x39) {
        int = int * 10 + (c - 0x30);
        digits++;
        p++;
        c = p < this.end ? (b[p] as number) : -1;
      }
    } else {
      throw BAIL;
    }
    let simple = true;
    if (c === 0x2e) {
      simple = false;
      p++;
      c = p < this.end ? (b[p] as number) : -1;
      if (!(c >= 0x30 && c <= 0x39)) throw BAIL;
      while (c >= 0x30 && c <= 0x39) {
        p++;
        c = p < this.end ? (b[p] as number) : -1;
      }
    }
    if (c === 0x65 || c === 0x45) {
      simple = false;
      p++;
      c = p < this.end ? (b[p] as number) : -1;
      if (c === 0x2b || c === 0x2d) {
        p++;
        c = p < this.end ? (b[p] as number) : -1;
      }
      if (!(c >= 0x30 && c <= 0x39)) throw BAIL;
      while (c >= 0x30 && c <= 0x39) {
        p++;
        c = p < this.end ? (b[p] as number) : -1;
      }
    }
    this.pos = p;
    // Integers of up to 15 digits are exact in a double; anything else: the engine's conversion,
    // which is JSON.parse's.
    if (simple && digits <= 15) return negative ? -int : int;
    return Number(latin1(b, start, p));
  }
}

function latin1(b: Uint8Array, start: number, end: number): string {
  // ASCII only here, so latin1 = UTF-8; short strings are cheaper built in JS than by a native call.
  if (end - start <= 16) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i] as number);
    return s;
  }
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

/** JSON.parse's result for the bytes of an ASCII, escape-free JSON text; NO_PARSE otherwise. */
export function parseAsciiJson(bytes: Uint8Array): unknown {
  const parser = new Parser(bytes, bytes.length);
  try {
    const v = parser.value(0);
    if (parser.ws() !== -1) return NO_PARSE;
    return v;
  } catch (error) {
    if (error === BAIL) return NO_PARSE;
    throw error;
  }
}
