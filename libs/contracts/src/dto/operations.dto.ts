import { IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsPlainObject, LIMITS } from './validators';

export const DELIVERY_OUTCOMES = ['delivered', 'failed', 'retry_scheduled', 'dead_lettered', 'refused'] as const;

/** One delivery attempt to one channel target (`airis.deliveries.v1`, keyed by notification id). */
@JSONSchema({ title: 'DeliveryAttempt' })
export class DeliveryAttemptDto {
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.id) id!: string;
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.id) notification_id!: string;
  @IsString() @IsNotEmpty() @MaxLength(64) channel!: string;
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.name) target!: string;
  @IsIn(DELIVERY_OUTCOMES) outcome!: (typeof DELIVERY_OUTCOMES)[number];
  @IsInt() @Min(1) attempt!: number;
  @IsOptional() @IsInt() http_status?: number;
  @IsOptional() @IsNumber() @Min(0) latency_ms?: number;
  @IsOptional() @IsString() @MaxLength(2048) response_snippet?: string;
  @IsOptional() @IsString() @MaxLength(2048) error?: string;
  @IsInt() @Min(0) timestamp!: number;
}

export const HEALTH_STATUSES = ['healthy', 'degraded', 'down', 'unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/**
 * A heartbeat of a service or a check result of an integration (`airis.health.v1`, keyed by
 * component id).
 */
@JSONSchema({ title: 'HealthReport' })
export class HealthReportDto {
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.name) component!: string;
  @IsIn(['service', 'integration']) kind!: 'service' | 'integration';
  @IsIn(HEALTH_STATUSES) status!: HealthStatus;
  @IsOptional() @IsString() @MaxLength(LIMITS.name) instance?: string;
  @IsOptional() @IsString() @MaxLength(2048) message?: string;
  @IsOptional() @IsNumber() @Min(0) latency_ms?: number;
  @IsOptional() @IsInt() @Min(0) items?: number;
  @IsOptional() @IsInt() @Min(0) interval_ms?: number;
  @IsOptional() @IsPlainObject() details?: Record<string, unknown>;
  @IsInt() @Min(0) timestamp!: number;
}

/**
 * A configuration resource on the compacted `airis.config.v1` topic, keyed `kind/id`. A
 * tombstone (null value) deletes it. Secret fields inside `spec` are encrypted envelopes.
 */
@JSONSchema({ title: 'ConfigRecord' })
export class ConfigRecordDto {
  @IsString() @IsNotEmpty() @MaxLength(64) kind!: string;
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.id) id!: string;
  @IsInt() @Min(1) revision!: number;
  @IsPlainObject() spec!: Record<string, unknown>;
  @IsInt() @Min(0) updated_at!: number;
  @IsOptional() @IsString() @MaxLength(LIMITS.name) updated_by?: string;
}

/** An instruction to the owner of a target (`airis.commands.v1`, keyed by target id). */
@JSONSchema({ title: 'Command' })
export class CommandDto {
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.id) id!: string;
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.id) target!: string;
  @IsString() @IsNotEmpty() @MaxLength(64) action!: string;
  @IsOptional() @IsPlainObject() params?: Record<string, unknown>;
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.name) issued_by!: string;
  @IsInt() @Min(0) timestamp!: number;
}

export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;

/** A security-relevant fact (`airis.audit.v1`, keyed by actor). */
@JSONSchema({ title: 'AuditEvent' })
export class AuditEventDto {
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.id) id!: string;
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.name) actor!: string;
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.name) action!: string;
  @IsIn(AUDIT_OUTCOMES) outcome!: (typeof AUDIT_OUTCOMES)[number];
  @IsString() @IsNotEmpty() @MaxLength(64) service!: string;
  @IsOptional() @IsString() @MaxLength(LIMITS.name) target?: string;
  @IsOptional() @IsString() @MaxLength(1024) reason?: string;
  @IsOptional() @IsString() @MaxLength(64) source_ip?: string;
  @IsOptional() @IsPlainObject() details?: Record<string, unknown>;
  @IsInt() @Min(0) timestamp!: number;
}
