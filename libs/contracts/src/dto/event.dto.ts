import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { IngestRecordDto } from './ingest-base.dto';
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
export class EventDto extends IngestRecordDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.name)
  event_type!: string;

  @IsOptional()
  @IsIn(EVENT_SEVERITIES)
  @JSONSchema({ description: 'Defaults to info when absent.' })
  severity?: EventSeverity;

  @IsOptional()
  @IsPlainObject()
  data?: Record<string, unknown>;
}
