import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

/** The notifier's own settings (env variables; validated at start with every error listed). */
export class NotifierEnv {
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    {
      message: 'AIRIS_DASHBOARD_URL must be an http(s) URL',
    },
  )
  AIRIS_DASHBOARD_URL: string = 'http://127.0.0.1:8080';

  /** Delays between attempts, comma-separated, each `<n>ms|s|m|h` (Svix-like default). */
  @Matches(/^\s*\d+(ms|s|m|h)?(\s*,\s*\d+(ms|s|m|h)?)*\s*$/, {
    message: 'NOTIFIER_RETRY_SCHEDULE must be a comma-separated list of durations such as 5s,5m,30m,2h',
  })
  NOTIFIER_RETRY_SCHEDULE: string = '5s,5m,30m,2h,5h,10h,10h';

  /** CIDRs every receiver may reach although private/loopback/link-local (SSRF guard). */
  @IsOptional()
  @Matches(/^\s*[0-9a-fA-F:.]+\/\d{1,3}(\s*,\s*[0-9a-fA-F:.]+\/\d{1,3})*\s*$/, {
    message: 'NOTIFIER_SSRF_ALLOW must be a comma-separated list of CIDRs, e.g. 10.1.0.0/16,127.0.0.1/32',
  })
  NOTIFIER_SSRF_ALLOW?: string;

  @IsInt({ message: 'NOTIFIER_WORKERS must be an integer' })
  @Min(1, { message: 'NOTIFIER_WORKERS must be at least 1' })
  @Max(512, { message: 'NOTIFIER_WORKERS must be at most 512' })
  NOTIFIER_WORKERS: number = 32;

  @IsInt({ message: 'NOTIFIER_POLL_INTERVAL_MS must be an integer' })
  @Min(10, { message: 'NOTIFIER_POLL_INTERVAL_MS must be at least 10' })
  NOTIFIER_POLL_INTERVAL_MS: number = 500;

  /** How long a claimed delivery stays with its instance before another may take it (crash). */
  @IsInt({ message: 'NOTIFIER_LEASE_MS must be an integer' })
  @Min(1000, { message: 'NOTIFIER_LEASE_MS must be at least 1000' })
  NOTIFIER_LEASE_MS: number = 60_000;

  @IsInt({ message: 'NOTIFIER_HTTP_TIMEOUT_MS must be an integer' })
  @Min(100, { message: 'NOTIFIER_HTTP_TIMEOUT_MS must be at least 100' })
  NOTIFIER_HTTP_TIMEOUT_MS: number = 15_000;

  /** Slack accepts about one message per second per incoming webhook. */
  @IsInt({ message: 'NOTIFIER_SLACK_MIN_INTERVAL_MS must be an integer' })
  @Min(0, { message: 'NOTIFIER_SLACK_MIN_INTERVAL_MS must be at least 0' })
  NOTIFIER_SLACK_MIN_INTERVAL_MS: number = 1000;

  @IsInt({ message: 'NOTIFIER_BREAKER_RESET_MS must be an integer' })
  @Min(100, { message: 'NOTIFIER_BREAKER_RESET_MS must be at least 100' })
  NOTIFIER_BREAKER_RESET_MS: number = 30_000;

  /** An endpoint failing without a success for this long is disabled (default 5 days). */
  @IsInt({ message: 'NOTIFIER_DISABLE_AFTER_MS must be an integer' })
  @Min(1000, { message: 'NOTIFIER_DISABLE_AFTER_MS must be at least 1000' })
  NOTIFIER_DISABLE_AFTER_MS: number = 5 * 24 * 3_600_000;

  @IsInt({ message: 'NOTIFIER_MAX_RETRY_AFTER_MS must be an integer' })
  @Min(0, { message: 'NOTIFIER_MAX_RETRY_AFTER_MS must be at least 0' })
  NOTIFIER_MAX_RETRY_AFTER_MS: number = 24 * 3_600_000;

  @IsOptional()
  @IsString()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  NOTIFIER_INSTANCE_ID?: string;
}

export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');

/** Parsed settings the rest of the app uses. */
export interface NotifierConfig {
  dashboardUrl: string;
  retryScheduleMs: number[];
  ssrfAllow: string[];
  workers: number;
  pollIntervalMs: number;
  leaseMs: number;
  httpTimeoutMs: number;
  slackMinIntervalMs: number;
  breakerResetMs: number;
  disableAfterMs: number;
  maxRetryAfterMs: number;
  instanceId?: string;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `5s,5m,2h` → [5000, 300000, 7200000]; a bare number is milliseconds. */
export function parseDurations(list: string): number[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = /^(\d+)(ms|s|m|h)?$/.exec(s);
      if (!m) throw new Error(`not a duration: ${s}`);
      return Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
    });
}

export function toNotifierConfig(env: NotifierEnv): NotifierConfig {
  return {
    dashboardUrl: env.AIRIS_DASHBOARD_URL.replace(/\/+$/, ''),
    retryScheduleMs: parseDurations(env.NOTIFIER_RETRY_SCHEDULE),
    ssrfAllow: (env.NOTIFIER_SSRF_ALLOW ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    workers: env.NOTIFIER_WORKERS,
    pollIntervalMs: env.NOTIFIER_POLL_INTERVAL_MS,
    leaseMs: env.NOTIFIER_LEASE_MS,
    httpTimeoutMs: env.NOTIFIER_HTTP_TIMEOUT_MS,
    slackMinIntervalMs: env.NOTIFIER_SLACK_MIN_INTERVAL_MS,
    breakerResetMs: env.NOTIFIER_BREAKER_RESET_MS,
    disableAfterMs: env.NOTIFIER_DISABLE_AFTER_MS,
    maxRetryAfterMs: env.NOTIFIER_MAX_RETRY_AFTER_MS,
    ...(env.NOTIFIER_INSTANCE_ID ? { instanceId: env.NOTIFIER_INSTANCE_ID } : {}),
  };
}
