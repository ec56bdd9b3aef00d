import { EnvBoolean } from '@airis/config';
import { IsBoolean, IsIn, IsInt, Max, Min } from 'class-validator';

/** Settings of the ingest gateway (environment variables; see the app README). */
export class GatewayEnv {
  @IsInt({ message: 'INGEST_BODY_LIMIT_BYTES must be an integer' })
  @Min(1024, { message: 'INGEST_BODY_LIMIT_BYTES must be at least 1024' })
  @Max(256 * 1024 * 1024, { message: 'INGEST_BODY_LIMIT_BYTES must be at most 268435456' })
  INGEST_BODY_LIMIT_BYTES: number = 5 * 1024 * 1024;

  @IsInt({ message: 'INGEST_ACK_TIMEOUT_MS must be an integer' })
  @Min(100, { message: 'INGEST_ACK_TIMEOUT_MS must be at least 100' })
  @Max(120_000, { message: 'INGEST_ACK_TIMEOUT_MS must be at most 120000' })
  INGEST_ACK_TIMEOUT_MS: number = 5_000;

  @IsInt({ message: 'INGEST_RETRY_AFTER_SECONDS must be an integer' })
  @Min(1, { message: 'INGEST_RETRY_AFTER_SECONDS must be at least 1' })
  INGEST_RETRY_AFTER_SECONDS: number = 5;

  @IsInt({ message: 'INGEST_MAX_PENDING_RECORDS must be an integer' })
  @Min(1, { message: 'INGEST_MAX_PENDING_RECORDS must be at least 1' })
  INGEST_MAX_PENDING_RECORDS: number = 50_000;

  @IsInt({ message: 'INGEST_PRODUCERS must be an integer' })
  @Min(1, { message: 'INGEST_PRODUCERS must be at least 1' })
  @Max(16, { message: 'INGEST_PRODUCERS must be at most 16' })
  INGEST_PRODUCERS: number = 4;

  /** Runs the producer pool in a worker thread (kafkajs's encoding off the HTTP thread and its heap). */
  @EnvBoolean()
  @IsBoolean({ message: 'INGEST_PRODUCER_THREAD must be true or false' })
  INGEST_PRODUCER_THREAD: boolean = true;

  @IsIn(['kafka', 'noop'], { message: 'INGEST_SINK must be kafka or noop (noop is for benchmarks only)' })
  INGEST_SINK: 'kafka' | 'noop' = 'kafka';

  @IsInt({ message: 'RATE_LIMIT_PER_SECOND must be an integer' })
  @Min(1, { message: 'RATE_LIMIT_PER_SECOND must be at least 1' })
  RATE_LIMIT_PER_SECOND: number = 1000;

  @IsInt({ message: 'RATE_LIMIT_BURST must be an integer' })
  @Min(1, { message: 'RATE_LIMIT_BURST must be at least 1' })
  RATE_LIMIT_BURST: number = 2000;

  @IsInt({ message: 'IDEMPOTENCY_TTL_SECONDS must be an integer' })
  @Min(60, { message: 'IDEMPOTENCY_TTL_SECONDS must be at least 60' })
  IDEMPOTENCY_TTL_SECONDS: number = 24 * 3600;
}
