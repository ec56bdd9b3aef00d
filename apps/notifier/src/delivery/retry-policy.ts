import type { OutboundResponse } from '../http/http-sender';

/** What an attempt's result means for the delivery. */
export type Verdict =
  | { kind: 'delivered'; detail?: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'rejected'; reason: string }
  | { kind: 'gone'; reason: string };

/** `Retry-After` as seconds or an HTTP date → ms from now (undefined when absent or unusable). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Discord and Telegram also put the wait in the JSON body (seconds). */
function bodyRetryAfter(body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const s = parsed.retry_after ?? parsed.parameters?.retry_after;
    return typeof s === 'number' && s >= 0 ? Math.round(s * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * HTTP answer → verdict. 2xx delivered; 410 disables the endpoint; 408, 425, 429, 5xx and 3xx
 * (redirects are not followed: a moved endpoint is a misconfiguration to surface) are retried;
 * any other 4xx is a rejection of the message itself and is not retried (PagerDuty's 400).
 */
export function classifyResponse(res: OutboundResponse, now = Date.now()): Verdict {
  const s = res.status;
  if (s >= 200 && s < 300) return { kind: 'delivered' };
  if (s === 410) return { kind: 'gone', reason: `HTTP 410 Gone` };
  const retryAfterMs =
    parseRetryAfter(res.headers['retry-after'], now) ?? (s === 429 ? bodyRetryAfter(res.body) : undefined);
  if (s >= 300 && s < 400) return { kind: 'retry', reason: `HTTP ${s} redirect (not followed)` };
  if (s === 408 || s === 425 || s === 429 || s >= 500) {
    return { kind: 'retry', reason: `HTTP ${s}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { kind: 'rejected', reason: `HTTP ${s}` };
}

/**
 * Delay before the next attempt after `attemptsDone` attempts, or undefined when the schedule is
 * exhausted. The schedule entry gets up to +20 % jitter (replicas retrying one endpoint spread
 * out); a later `Retry-After` wins, capped at `maxRetryAfterMs`.
 */
export function nextDelay(
  attemptsDone: number,
  schedule: readonly number[],
  retryAfterMs: number | undefined,
  maxRetryAfterMs: number,
  random: () => number = Math.random,
): number | undefined {
  if (attemptsDone < 1 || attemptsDone > schedule.length) return undefined;
  const base = schedule[attemptsDone - 1] ?? 0;
  const jittered = Math.round(base * (1 + 0.2 * random()));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, maxRetryAfterMs));
}
