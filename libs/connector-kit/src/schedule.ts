import type { IntegrationScheduleDto } from '@airis/contracts';

export interface SchedulePolicy {
  intervalMs: number;
  /** Fraction 0-1: each delay is spread uniformly over ±jitter of itself. */
  jitter: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

/** The seed's cadence: poll every 60 s, back off to 5 min on errors. */
export const DEFAULT_SCHEDULE: SchedulePolicy = {
  intervalMs: 60_000,
  jitter: 0.1,
  maxBackoffMs: 300_000,
  timeoutMs: 30_000,
};

export function schedulePolicy(spec: IntegrationScheduleDto | undefined, defaults = DEFAULT_SCHEDULE): SchedulePolicy {
  const intervalMs = spec?.interval_ms ?? defaults.intervalMs;
  return {
    intervalMs,
    jitter: spec?.jitter ?? defaults.jitter,
    maxBackoffMs: Math.max(intervalMs, spec?.max_backoff_ms ?? defaults.maxBackoffMs),
    timeoutMs: spec?.timeout_ms ?? defaults.timeoutMs,
  };
}

function spread(ms: number, jitter: number, random: () => number): number {
  return Math.max(0, Math.round(ms * (1 + jitter * (2 * random() - 1))));
}

/**
 * Delay before the next run: the interval after a success; after `failures` consecutive failed
 * runs, the interval doubled per failure up to `maxBackoffMs`. Jitter spreads every delay so
 * integrations started together do not poll in lock-step.
 */
export function nextDelay(policy: SchedulePolicy, failures: number, random: () => number = Math.random): number {
  const base = failures <= 0 ? policy.intervalMs : Math.min(policy.maxBackoffMs, policy.intervalMs * 2 ** failures);
  return spread(base, policy.jitter, random);
}

/** Delay of the first run after an integration is picked up: somewhere in the first jitter window. */
export function firstDelay(policy: SchedulePolicy, random: () => number = Math.random): number {
  return Math.round(policy.intervalMs * policy.jitter * random());
}
