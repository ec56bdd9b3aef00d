import { bucketPlan } from './rate-limiter';

describe('bucketPlan', () => {
  it.each([
    [2, 4, { lease: 1, chunkMs: 500, window: 4 }],
    [1000, 2000, { lease: 100, chunkMs: 100, window: 20 }],
    [1, 10_000, { lease: 157, chunkMs: 157_000, window: 63 }],
    [1_000_000, 1_000_000, { lease: 100_000, chunkMs: 100, window: 10 }],
    [100, 1, { lease: 1, chunkMs: 10, window: 1 }],
  ])('rate %d/s burst %d → %o, never more than the burst per window', (rate, burst, plan) => {
    const p = bucketPlan(rate, burst);
    expect(p).toEqual(plan);
    expect(p.lease * p.window).toBeLessThanOrEqual(burst);
    expect(p.window).toBeLessThanOrEqual(64);
  });
});
