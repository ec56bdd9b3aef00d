import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { EVENT_SEVERITIES, type EventSeverity } from './event.dto';
import { IsStringRecord, LIMITS } from './validators';

export const ALERT_STATUSES = ['pending', 'firing', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * One alert state change, keyed by fingerprint on `airis.alerts.v1`. Carries every field the
 * seed's Slack and PagerDuty payloads read (id, name, severity, description, model_id,
 * environment, threshold, current_value, duration, source, alert_type, timestamp).
 */
@JSONSchema({ title: 'Alert', description: 'An alert state change (airis.alerts.v1, keyed by fingerprint).' })
export class AlertDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.id)
  id!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.id)
  fingerprint!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.name)
  name!: string;

  @IsIn(ALERT_STATUSES)
  status!: AlertStatus;

  @IsIn(EVENT_SEVERITIES)
  severity!: EventSeverity;

  @IsString()
  @MaxLength(4096)
  description!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.source)
  source!: string;

  @IsString()
  @MaxLength(LIMITS.name)
  alert_type!: string;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.name)
  rule_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.name)
  model_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.name)
  environment?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  current_value?: number;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  @JSONSchema({ description: 'Human-readable duration of the condition, e.g. "5m".' })
  duration?: string;

  @IsStringRecord()
  labels!: Record<string, string>;

  @IsOptional()
  @IsStringRecord({ maxValue: 4096 })
  annotations?: Record<string, string>;

  @IsInt()
  @Min(0)
  @JSONSchema({ description: 'When the alert was triggered (ms); the seed payloads call it timestamp.' })
  timestamp!: number;

  @IsInt()
  @Min(0)
  updated_at!: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  ends_at?: number;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.name)
  acknowledged_by?: string;

  @IsOptional()
  @IsUrl({ require_tld: false })
  dashboard_url?: string;
}

export const NOTIFICATION_STATUSES = ['firing', 'resolved'] as const;

/** One notification request per alert group, keyed by group key on `airis.notifications.v1`. */
@JSONSchema({ title: 'NotificationRequest', description: 'One group of alerts for one receiver.' })
export class NotificationRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.id)
  id!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.name)
  receiver!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  group_key!: string;

  @IsIn(NOTIFICATION_STATUSES)
  status!: (typeof NOTIFICATION_STATUSES)[number];

  @IsStringRecord()
  group_labels!: Record<string, string>;

  @ValidateNested({ each: true })
  @Type(() => AlertDto)
  alerts!: AlertDto[];

  @IsInt()
  @Min(0)
  timestamp!: number;
}
