import type { RuleAggregation } from '@airis/contracts';
import { SlidingWindow, nthSmallest } from './sliding-window';

describe('SlidingWindow', () => {
  const filled = (): SlidingWindow => {
    const w = new SlidingWindow(60_000);
    // 1..20 at one second apart, one out of order.
    for (let i = 1; i <= 20; i++) if (i !== 7) w.add(i * 1000, i);
    w.add(7000, 7);
    return w;
  };

  it.each([
    ['last', 20],
    ['count', 20],
    ['sum', 210],
    ['avg', 10.5],
    ['min', 1],
    ['max', 20],
    ['p95', 19],
    ['rate', 1],
  ] as const)('%s', (kind, expected) => {
    expect(filled().aggregate(kind)).toBeCloseTo(expected);
  });

  it('slides: samples older than the span leave the window', () => {
    const w = filled();
    w.evict(70_500); // keeps t >= 10.5s
    expect(w.aggregate('min')).toBe(11);
    expect(w.aggregate('count')).toBe(10);
    w.evict(200_000);
    expect(w.aggregate('last')).toBeUndefined();
    expect(w.aggregate('count')).toBe(0);
  });

  it('treats a counter reset as a restart from zero in rate', () => {
    const w = new SlidingWindow(60_000);
    [100, 110, 5, 15].forEach((v, i) => w.add(i * 10_000, v));
    // increases: 10, 5 (reset), 10 over 30 s
    expect(w.aggregate('rate')).toBeCloseTo(25 / 30);
  });
});

/** The obvious implementation: every sample in a list, each aggregate from scratch. */
class NaiveWindow {
  private samples: { t: number; v: number }[] = [];
  constructor(private readonly spanMs: number) {}
  add(t: number, v: number): void {
    // After the samples of the same time, like the window.
    let i = this.samples.length;
    while (i > 0 && (this.samples[i - 1]?.t ?? 0) > t) i--;
    this.samples.splice(i, 0, { t, v });
  }
  evict(now: number): void {
    this.samples = this.samples.filter((s) => s.t >= now - this.spanMs);
  }
  aggregate(kind: RuleAggregation): number | undefined {
    const vs = this.samples.map((s) => s.v);
    if (vs.length === 0) return kind === 'count' ? 0 : undefined;
    switch (kind) {
      case 'last':
        return vs[vs.length - 1];
      case 'count':
        return vs.length;
      case 'sum':
        return vs.reduce((a, b) => a + b, 0);
      case 'avg':
        return vs.reduce((a, b) => a + b, 0) / vs.length;
      case 'min':
        return Math.min(...vs);
      case 'max':
        return Math.max(...vs);
      case 'p95':
        return [...vs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.95 * vs.length) - 1)];
      case 'rate': {
        if (vs.length < 2) return undefined;
        let inc = 0;
        for (let i = 1; i < vs.length; i++)
          inc += (vs[i] ?? 0) >= (vs[i - 1] ?? 0) ? (vs[i] ?? 0) - (vs[i - 1] ?? 0) : (vs[i] ?? 0);
        const s = ((this.samples[this.samples.length - 1]?.t ?? 0) - (this.samples[0]?.t ?? 0)) / 1000;
        return s > 0 ? inc / s : undefined;
      }
    }
  }
}

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

const KINDS: RuleAggregation[] = ['last', 'avg', 'min', 'max', 'sum', 'count', 'rate', 'p95'];

describe('SlidingWindow against a naive reference', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('agrees on random data (seed %i)', (seed) => {
    const rnd = random(seed);
    const span = 1000 + Math.floor(rnd() * 60_000);
    const w = new SlidingWindow(span);
    const ref = new NaiveWindow(span);
    let now = 0;
    for (let step = 0; step < 3000; step++) {
      const r = rnd();
      if (r < 0.8) {
        // Mostly in order; some late, some with the same time; small and large, negative values.
        const t = rnd() < 0.1 ? now - Math.floor(rnd() * 5000) : now;
        const v = rnd() < 0.5 ? Math.floor(rnd() * 100) : (rnd() - 0.5) * 1e6;
        w.add(t, v);
        ref.add(t, v);
        now += Math.floor(rnd() * 200);
      } else if (r < 0.95) {
        w.evict(now);
        ref.evict(now);
        for (const kind of KINDS) {
          const got = w.aggregate(kind);
          const want = ref.aggregate(kind);
          if (want === undefined) expect(got).toBeUndefined();
          else expect(got).toBeCloseTo(want, 6);
        }
        expect(w.size).toBe(ref.aggregate('count'));
      } else {
        now += Math.floor(rnd() * span); // a quiet spell
      }
    }
  });
});

describe('nthSmallest', () => {
  it('selects like a sort does, for any k, with duplicates and sorted input', () => {
    const rnd = random(42);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rnd() * 300);
      const kind = round % 4;
      const a = Array.from({ length: n }, (_, i) =>
        kind === 0 ? i : kind === 1 ? n - i : kind === 2 ? Math.floor(rnd() * 5) : rnd() * 1000 - 500,
      );
      const sorted = [...a].sort((x, y) => x - y);
      const k = Math.floor(rnd() * n);
      expect(nthSmallest([...a], k)).toBe(sorted[k]);
    }
  });
});
