import { IsInt, IsString, Max, Min } from 'class-validator';

/** Settings of the webhook receiver (environment variables; every error listed at start). */
export class WebhookReceiverEnv {
  @IsInt({ message: 'WEBHOOK_BODY_LIMIT_BYTES must be an integer' })
  @Min(1024, { message: 'WEBHOOK_BODY_LIMIT_BYTES must be at least 1024' })
  @Max(26_214_400, { message: 'WEBHOOK_BODY_LIMIT_BYTES must be at most 26214400 (GitHub caps payloads at 25 MB)' })
  WEBHOOK_BODY_LIMIT_BYTES: number = 5_242_880;

  @IsInt({ message: 'WEBHOOK_RETENTION_HOURS must be an integer' })
  @Min(1, { message: 'WEBHOOK_RETENTION_HOURS must be at least 1' })
  @Max(24 * 90, { message: 'WEBHOOK_RETENTION_HOURS must be at most 2160' })
  WEBHOOK_RETENTION_HOURS: number = 168;

  @IsInt({ message: 'WEBHOOK_PAYLOAD_MAX_BYTES must be an integer' })
  @Min(0, { message: 'WEBHOOK_PAYLOAD_MAX_BYTES must be at least 0 (0 keeps no payloads)' })
  @Max(16_777_216, { message: 'WEBHOOK_PAYLOAD_MAX_BYTES must be at most 16777216' })
  WEBHOOK_PAYLOAD_MAX_BYTES: number = 262_144;

  @IsInt({ message: 'WEBHOOK_SWEEP_INTERVAL_MS must be an integer' })
  @Min(1000, { message: 'WEBHOOK_SWEEP_INTERVAL_MS must be at least 1000' })
  WEBHOOK_SWEEP_INTERVAL_MS: number = 60_000;

  @IsInt({ message: 'WEBHOOK_PROCESSING_LEASE_MS must be an integer' })
  @Min(1000, { message: 'WEBHOOK_PROCESSING_LEASE_MS must be at least 1000' })
  WEBHOOK_PROCESSING_LEASE_MS: number = 30_000;

  @IsString({ message: 'WEBHOOK_SLACK_RESPONSE_URL_PATTERN must be a regular expression' })
  WEBHOOK_SLACK_RESPONSE_URL_PATTERN: string = '^https://hooks\\.slack\\.com/';

  @IsInt({ message: 'WEBHOOK_SLACK_UPDATE_TTL_MINUTES must be an integer' })
  @Min(1, { message: 'WEBHOOK_SLACK_UPDATE_TTL_MINUTES must be at least 1' })
  @Max(60 * 24, { message: 'WEBHOOK_SLACK_UPDATE_TTL_MINUTES must be at most 1440' })
  WEBHOOK_SLACK_UPDATE_TTL_MINUTES: number = 30;
}
