import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsPlainObject, LIMITS } from './validators';

export const EVENT_SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

/**
 * Body of `POST /api/v1/events/ingest` and the value of a record on `airis.events.v1`.
 */
@JSONSchema({
  title: 'Event',
  description: 'One event from a source (airis.events.v1, POST /api/v1/events/ingest).',
})
export class EventDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.id)
  @JSONSchema({ description: 'Optional producer-chosen id; used to deduplicate retries.' })
  id?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @JSONSchema({ description: 'Unix timestamp in milliseconds; receipt time when absent.' })
  timestamp?: number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.name)
  event_type!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.source)
  @JSONSchema({ description: 'Source system identifier; the Kafka record key.' })
  source!: string;

  @IsOptional()
  @IsIn(EVENT_SEVERITIES)
  @JSONSchema({ description: 'Defaults to info when absent.' })
  severity?: EventSeverity;

  @IsOptional()
  @IsPlainObject()
  data?: Record<string, unknown>;
}
