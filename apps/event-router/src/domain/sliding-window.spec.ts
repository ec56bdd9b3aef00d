import { SlidingWindow } from './sliding-window';

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
