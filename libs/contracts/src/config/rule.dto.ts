import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { EVENT_SEVERITIES, type EventSeverity } from '../dto/event.dto';
import { IsStringRecord } from '../dto/validators';
import { DURATION_PATTERN, MatcherDto } from './matcher.dto';

export const RULE_KIND = 'rule';
export const RULE_TYPES = ['threshold', 'event', 'absence'] as const;
export type RuleType = (typeof RULE_TYPES)[number];
export const RULE_COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type RuleComparison = (typeof RULE_COMPARISONS)[number];
export const RULE_AGGREGATIONS = ['last', 'avg', 'min', 'max', 'sum', 'count', 'rate', 'p95'] as const;
export type RuleAggregation = (typeof RULE_AGGREGATIONS)[number];

const duration = (field: string) =>
  Matches(DURATION_PATTERN, { message: `${field} must be a duration such as 30s, 5m, 1h30m` });

/**
 * Spec of a config resource of kind `rule` (airis.config.v1 key `rule/<id>`).
 *
 * - `threshold`: samples of `metric` whose tags (and `source`) satisfy `matchers`, aggregated
 *   over `window`, compared with `threshold`; pending until true for `for`, resolved once false
 *   for `resolve_after`.
 * - `event`: events whose `event_type`, `source`, `severity` and `data.<path>` satisfy
 *   `matchers` fire at once; resolved after `resolve_after` without another matching event.
 * - `absence`: no sample of `metric` (optional) from a source matching `matchers` for `for`.
 */
@JSONSchema({ title: 'RuleSpec' })
export class RuleSpecDto {
  @IsIn(RULE_TYPES)
  type!: RuleType;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @IsIn(EVENT_SEVERITIES)
  severity!: EventSeverity;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ValidateIf((o: RuleSpecDto) => o.type === 'threshold' || o.metric !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  metric?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => MatcherDto)
  matchers?: MatcherDto[];

  @ValidateIf((o: RuleSpecDto) => o.type === 'threshold')
  @IsIn(RULE_COMPARISONS)
  comparison?: RuleComparison;

  @ValidateIf((o: RuleSpecDto) => o.type === 'threshold')
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold?: number;

  @IsOptional()
  @IsIn(RULE_AGGREGATIONS)
  @JSONSchema({ description: 'Window aggregation; last when absent.' })
  aggregation?: RuleAggregation;

  @IsOptional()
  @duration('window')
  @JSONSchema({ description: 'Sliding window of the aggregation; 5m when absent.' })
  window?: string;

  @ValidateIf((o: RuleSpecDto) => o.type === 'absence' || o.for !== undefined)
  @duration('for')
  for?: string;

  @IsOptional()
  @duration('resolve_after')
  @JSONSchema({ description: 'How long the condition must be clear before the alert resolves; 0s when absent.' })
  resolve_after?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @JSONSchema({ description: 'Tags (or event fields) that make one alert per value set; all tags when absent.' })
  group_by?: string[];

  @IsOptional()
  @IsStringRecord()
  labels?: Record<string, string>;

  @IsOptional()
  @IsStringRecord({ maxValue: 4096 })
  annotations?: Record<string, string>;
}

/** No field of this kind holds a secret. */
export const RULE_SECRET_FIELDS: readonly string[] = [];
