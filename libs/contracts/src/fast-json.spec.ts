import { isDeepStrictEqual } from 'node:util';
import { NO_PARSE, parseAsciiJson } from './fast-json';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The property: JSON.parse's result (same values, key order, -0) or NO_PARSE; NO_PARSE for invalid JSON. */
function check(text: string): 'fast' | 'fallback' {
  const got = parseAsciiJson(Buffer.from(text, 'utf8'));
  let want: unknown;
  try {
    want = JSON.parse(text);
  } catch {
    expect(got).toBe(NO_PARSE);
    return 'fallback';
  }
  if (got === NO_PARSE) return 'fallback';
  if (!isDeepStrictEqual(got, want) || JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`differs from JSON.parse for ${JSON.stringify(text)}: ${JSON.stringify(got)}`);
  }
  return 'fast';
}

const PIECES = [
  'a',
  'b',
  'metric_1',
  'model-7',
  'prod',
  '',
  ' ',
  'x y',
  '"',
  '\\',
  '\\n',
  '\\u0041',
  'é',
  '\u0001',
  '\u007f',
  '__proto__',
  'constructor',
  '0',
  '10',
  'toString',
  'a'.repeat(60),
];
const NUMBERS = [
  '0',
  '-0',
  '1',
  '-1',
  '12',
  '0.5',
  '-0.0',
  '1e3',
  '1E-3',
  '2.5e+2',
  '123456789012345',
  '1234567890123456',
  '12345678901234567890',
  '9007199254740993',
  '1.7976931348623157e308',
  '1e400',
  '-1e-400',
  '0.1',
  '3.14159',
  '01',
  '1.',
  '.5',
  '-',
  '+1',
  '1e',
  '0x10',
  'NaN',
  'Infinity',
  '1_0',
];

function randomJson(rnd: () => number, depth: number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const ws = (): string => (rnd() < 0.15 ? pick([' ', '\n', '\t', '\r', '  ']) : '');
  const str = (): string => `"${pick(PIECES)}${rnd() < 0.3 ? pick(PIECES) : ''}"`;
  const r = rnd();
  if (depth > 3 || r < 0.3)
    return ws() + pick([str, () => pick(NUMBERS), () => pick(['true', 'false', 'null', 'tru', 'nul'])])() + ws();
  if (r < 0.65) {
    const n = Math.floor(rnd() * 4);
    const members = Array.from({ length: n }, () => `${ws()}${str()}${ws()}:${randomJson(rnd, depth + 1)}`);
    return `${ws()}{${members.join(',')}${rnd() < 0.03 ? ',' : ''}${ws()}}${ws()}`;
  }
  const n = Math.floor(rnd() * 4);
  const items = Array.from({ length: n }, () => randomJson(rnd, depth + 1));
  return `${ws()}[${items.join(',')}${rnd() < 0.03 ? ',' : ''}${ws()}]${ws()}`;
}

describe('parseAsciiJson', () => {
  it('gives JSON.parse result for a metric batch, interning repeated strings', () => {
    const text = JSON.stringify({
      id: 'b-1',
      source: 'src-1',
      metrics: [
        { name: 'gpu_util', value: 97.5, tags: { model_id: 'bert', environment: 'prod' } },
        { name: 'gpu_util', value: -3, unit: 'percent', tags: {} },
      ],
    });
    expect(check(text)).toBe('fast');
    expect(parseAsciiJson(Buffer.from(text))).toEqual(JSON.parse(text));
  });

  it.each([
    ['{"a":1,"a":2,"b":3}', 'fast'], // last duplicate wins, first position kept
    ['{"__proto__":{"x":1}}', 'fallback'], // an own property for JSON.parse: left to it
    ['{"k":"caf\u00e9"}', 'fallback'],
    ['{"k":"a\\"b"}', 'fallback'],
    ['-0', 'fast'],
    ['[1,2,]', 'fallback'],
    ['{"a":1}x', 'fallback'],
    ['', 'fallback'],
    ['   ', 'fallback'],
    [`${'['.repeat(100)}${']'.repeat(100)}`, 'fallback'],
  ])('%s → %s', (text, how) => {
    expect(check(text)).toBe(how);
  });

  it('agrees with JSON.parse on random texts, valid and invalid', () => {
    const rnd = random(7);
    const seen = { fast: 0, fallback: 0 };
    for (let i = 0; i < 20_000; i++) seen[check(randomJson(rnd, 0))]++;
    // Both paths are exercised.
    expect(seen.fast).toBeGreaterThan(2000);
    expect(seen.fallback).toBeGreaterThan(2000);
  });

  it('tells apart strings that share an intern slot', () => {
    // Many distinct short strings: collisions replace entries, never return a wrong string.
    for (let i = 0; i < 20_000; i++) {
      const text = `{"k${i % 97}":"v${i}","w":"${(i * 7919).toString(36)}"}`;
      expect(check(text)).toBe('fast');
    }
  });
});
