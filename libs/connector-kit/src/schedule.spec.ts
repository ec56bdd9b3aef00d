import { DEFAULT_SCHEDULE, firstDelay, nextDelay, schedulePolicy } from './schedule';

describe('schedule', () => {
  const policy = { intervalMs: 60_000, jitter: 0, maxBackoffMs: 300_000, timeoutMs: 30_000 };

  it('defaults to the seed: every 60 s, backing off to 5 min', () => {
    expect(DEFAULT_SCHEDULE).toMatchObject({ intervalMs: 60_000, maxBackoffMs: 300_000 });
    expect(schedulePolicy(undefined)).toEqual(DEFAULT_SCHEDULE);
    expect(schedulePolicy({ interval_ms: 5000, jitter: 0.5, max_backoff_ms: 1000 })).toMatchObject({
      intervalMs: 5000,
      jitter: 0.5,
      maxBackoffMs: 5000, // never below the interval
    });
  });

  it.each([
    [0, 60_000],
    [1, 120_000],
    [2, 240_000],
    [3, 300_000],
    [10, 300_000],
  ])('after %i consecutive failures waits %i ms', (failures, expected) => {
    expect(nextDelay(policy, failures, () => 0.5)).toBe(expected);
  });

  it('spreads delays by ±jitter', () => {
    const jittery = { ...policy, jitter: 0.1 };
    expect(nextDelay(jittery, 0, () => 0)).toBe(54_000);
    expect(nextDelay(jittery, 0, () => 1)).toBe(66_000);
    expect(firstDelay(jittery, () => 1)).toBe(6000);
    expect(firstDelay(jittery, () => 0)).toBe(0);
  });
});
