import { IsInt, IsNumber, Max, Min } from 'class-validator';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Settings of the health monitor (environment variables, validated once at start with
 * `loadConfig`; every problem is reported at once). Property names are the variable names.
 */
export class HealthMonitorConfig {
  @IsInt({ message: 'HEALTH_MISSED_INTERVALS must be an integer' })
  @Min(1, { message: 'HEALTH_MISSED_INTERVALS must be at least 1' })
  @Max(100, { message: 'HEALTH_MISSED_INTERVALS must be at most 100' })
  HEALTH_MISSED_INTERVALS: number = 3;

  /** Expected reporting interval of reports that carry no `interval_ms`. */
  @IsInt({ message: 'HEALTH_DEFAULT_INTERVAL_MS must be an integer' })
  @Min(100, { message: 'HEALTH_DEFAULT_INTERVAL_MS must be at least 100' })
  HEALTH_DEFAULT_INTERVAL_MS: number = MINUTE;

  @IsInt({ message: 'HEALTH_EVALUATE_INTERVAL_MS must be an integer' })
  @Min(50, { message: 'HEALTH_EVALUATE_INTERVAL_MS must be at least 50' })
  @Max(MINUTE, { message: 'HEALTH_EVALUATE_INTERVAL_MS must be at most 60000' })
  HEALTH_EVALUATE_INTERVAL_MS: number = 2 * SECOND;

  /** Most a consumer backlog may postpone calling a component silent (see README, Status rules). */
  @IsInt({ message: 'HEALTH_MAX_BACKLOG_ALLOWANCE_MS must be an integer' })
  @Min(0, { message: 'HEALTH_MAX_BACKLOG_ALLOWANCE_MS must be 0 (off) or more' })
  HEALTH_MAX_BACKLOG_ALLOWANCE_MS: number = 5 * MINUTE;

  /** An instance silent this long leaves the roll-up (a replica that was scaled away). */
  @IsInt({ message: 'HEALTH_INSTANCE_EXPIRY_MS must be an integer' })
  @Min(SECOND, { message: 'HEALTH_INSTANCE_EXPIRY_MS must be at least 1000' })
  HEALTH_INSTANCE_EXPIRY_MS: number = 15 * MINUTE;

  @IsInt({ message: 'HEALTH_HISTORY_RETENTION_MS must be an integer' })
  @Min(DAY, { message: 'HEALTH_HISTORY_RETENTION_MS must be at least one day (86400000), the longest window' })
  HEALTH_HISTORY_RETENTION_MS: number = 7 * DAY;

  @IsInt({ message: 'HEALTH_SWEEP_INTERVAL_MS must be an integer' })
  @Min(SECOND, { message: 'HEALTH_SWEEP_INTERVAL_MS must be at least 1000' })
  HEALTH_SWEEP_INTERVAL_MS: number = 10 * MINUTE;

  /** 0 turns consumer-lag polling off. */
  @IsInt({ message: 'HEALTH_LAG_POLL_INTERVAL_MS must be an integer' })
  @Min(0, { message: 'HEALTH_LAG_POLL_INTERVAL_MS must be 0 (off) or more' })
  HEALTH_LAG_POLL_INTERVAL_MS: number = 30 * SECOND;

  @IsInt({ message: 'HEALTH_LAG_THRESHOLD must be an integer' })
  @Min(1, { message: 'HEALTH_LAG_THRESHOLD must be at least 1' })
  HEALTH_LAG_THRESHOLD: number = 10_000;

  @IsInt({ message: 'HEALTH_DELIVERY_WINDOW_MS must be an integer' })
  @Min(SECOND, { message: 'HEALTH_DELIVERY_WINDOW_MS must be at least 1000' })
  HEALTH_DELIVERY_WINDOW_MS: number = 15 * MINUTE;

  @IsNumber({}, { message: 'HEALTH_DELIVERY_FAILURE_THRESHOLD must be a number' })
  @Min(0.01, { message: 'HEALTH_DELIVERY_FAILURE_THRESHOLD must be between 0.01 and 1' })
  @Max(1, { message: 'HEALTH_DELIVERY_FAILURE_THRESHOLD must be between 0.01 and 1' })
  HEALTH_DELIVERY_FAILURE_THRESHOLD: number = 0.2;

  @IsInt({ message: 'HEALTH_DELIVERY_MIN_ATTEMPTS must be an integer' })
  @Min(1, { message: 'HEALTH_DELIVERY_MIN_ATTEMPTS must be at least 1' })
  HEALTH_DELIVERY_MIN_ATTEMPTS: number = 5;

  /** Minimum time between two dashboard pushes over server-sent events. */
  @IsInt({ message: 'HEALTH_STREAM_THROTTLE_MS must be an integer' })
  @Min(50, { message: 'HEALTH_STREAM_THROTTLE_MS must be at least 50' })
  HEALTH_STREAM_THROTTLE_MS: number = SECOND;
}
