import { parseDurations } from '../notifier.config';
import { replayFilter } from './replay.usecase';
import { classifyResponse, nextDelay, parseRetryAfter } from './retry-policy';

const res = (status: number, headers: Record<string, string> = {}, body = '') => ({
  status,
  headers,
  body,
  latencyMs: 1,
});

describe('retry policy', () => {
  it.each([
    [200, 'delivered'],
    [202, 'delivered'],
    [204, 'delivered'],
    [301, 'retry'],
    [302, 'retry'],
    [400, 'rejected'],
    [401, 'rejected'],
    [404, 'rejected'],
    [408, 'retry'],
    [410, 'gone'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ])('HTTP %i → %s', (status, kind) => {
    expect(classifyResponse(res(status)).kind).toBe(kind);
  });

  it('honours Retry-After in seconds, as a date, and in a 429 JSON body', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(classifyResponse(res(503, { 'retry-after': '7' }), now)).toEqual({
      kind: 'retry',
      reason: 'HTTP 503',
      retryAfterMs: 7000,
    });
    expect(parseRetryAfter(new Date(now + 60_000).toUTCString(), now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(classifyResponse(res(429, {}, '{"retry_after": 1.5}'), now)).toMatchObject({ retryAfterMs: 1500 });
    expect(classifyResponse(res(429, {}, '{"ok":false,"parameters":{"retry_after":3}}'), now)).toMatchObject({
      retryAfterMs: 3000,
    });
  });

  it('follows the Svix-like schedule with jitter, then gives up', () => {
    const schedule = parseDurations('5s,5m,30m,2h,5h,10h,10h');
    expect(schedule).toEqual([5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(nextDelay(1, schedule, undefined, 86_400_000, () => 0)).toBe(5000);
    expect(nextDelay(1, schedule, undefined, 86_400_000, () => 1)).toBe(6000);
    expect(nextDelay(7, schedule, undefined, 86_400_000, () => 0)).toBe(36_000_000);
    expect(nextDelay(8, schedule, undefined, 86_400_000)).toBeUndefined();
    // A longer Retry-After wins, capped.
    expect(nextDelay(1, schedule, 60_000, 86_400_000, () => 0)).toBe(60_000);
    expect(nextDelay(1, schedule, 10 * 86_400_000, 86_400_000, () => 0)).toBe(86_400_000);
  });
});

describe('replay-delivery command parameters', () => {
  it.each([
    [undefined, /at least one/],
    [{}, /at least one/],
    [{ delivery_id: 5 }, /invalid params: delivery_id/],
    [{ from: 'yesterday' }, /invalid params: from/],
    [{ alert_id: '' }, /invalid params: alert_id/],
    [{ to: -1, receiver: 'x' }, /invalid params: to/],
  ])('refuses %j', (params, message) => {
    expect(replayFilter(params as Record<string, unknown> | undefined)).toMatch(message);
  });

  it('selects by id, alert and time range', () => {
    expect(replayFilter({ delivery_id: 'd1' })).toEqual({ _id: 'd1' });
    expect(replayFilter({ alert_id: 'a1', from: 1000, to: 2000 })).toEqual({
      alert_ids: 'a1',
      dead_at: { $gte: new Date(1000), $lt: new Date(2000) },
    });
  });
});
