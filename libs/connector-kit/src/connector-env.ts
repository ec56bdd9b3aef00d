import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Settings every connector service shares (env variables; defaults suit production). */
export class ConnectorEnv {
  /**
   * Kafka consumer-group session timeout: how long a dead replica keeps its integrations
   * before the survivors take them over.
   */
  @IsInt({ message: 'CONNECTOR_SESSION_TIMEOUT_MS must be an integer' })
  @Min(6000, { message: 'CONNECTOR_SESSION_TIMEOUT_MS must be at least 6000 (the broker minimum)' })
  @Max(300_000, { message: 'CONNECTOR_SESSION_TIMEOUT_MS must be at most 300000' })
  CONNECTOR_SESSION_TIMEOUT_MS: number = 30_000;

  @IsInt({ message: 'CONNECTOR_HEARTBEAT_INTERVAL_MS must be an integer' })
  @Min(100, { message: 'CONNECTOR_HEARTBEAT_INTERVAL_MS must be at least 100' })
  CONNECTOR_HEARTBEAT_INTERVAL_MS: number = 3000;

  /** Default poll interval of integrations without a schedule (seed: 60 s). */
  @IsInt({ message: 'CONNECTOR_DEFAULT_INTERVAL_MS must be an integer' })
  @Min(1000, { message: 'CONNECTOR_DEFAULT_INTERVAL_MS must be at least 1000' })
  CONNECTOR_DEFAULT_INTERVAL_MS: number = 60_000;

  /** Default ceiling of the error backoff (seed: 5 min). */
  @IsInt({ message: 'CONNECTOR_MAX_BACKOFF_MS must be an integer' })
  @Min(1000, { message: 'CONNECTOR_MAX_BACKOFF_MS must be at least 1000' })
  CONNECTOR_MAX_BACKOFF_MS: number = 300_000;

  /** Default time limit of one run. */
  @IsInt({ message: 'CONNECTOR_RUN_TIMEOUT_MS must be an integer' })
  @Min(100, { message: 'CONNECTOR_RUN_TIMEOUT_MS must be at least 100' })
  CONNECTOR_RUN_TIMEOUT_MS: number = 30_000;

  /** Time limit of one HTTP call to a platform. */
  @IsInt({ message: 'CONNECTOR_HTTP_TIMEOUT_MS must be an integer' })
  @Min(100, { message: 'CONNECTOR_HTTP_TIMEOUT_MS must be at least 100' })
  CONNECTOR_HTTP_TIMEOUT_MS: number = 10_000;

  /** Replica name in health reports; host-pid-random when unset. */
  @IsOptional()
  @IsString()
  @Matches(/^[\w.-]{1,128}$/, { message: 'CONNECTOR_INSTANCE_ID may hold letters, digits, ".", "_" and "-"' })
  CONNECTOR_INSTANCE_ID?: string;
}
