import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

export const MATCH_OPERATORS = ['=', '!=', '=~', '!~'] as const;
export type MatchOperator = (typeof MATCH_OPERATORS)[number];

/**
 * One label matcher, as in Alertmanager: `=` equal, `!=` not equal, `=~` regex (anchored), `!~`
 * regex does not match. A missing label is the empty string.
 */
@JSONSchema({ title: 'Matcher' })
export class MatcherDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  label!: string;

  @IsIn(MATCH_OPERATORS)
  op!: MatchOperator;

  @IsString()
  @MaxLength(1024)
  value!: string;
}

/** Durations in config: `500ms`, `30s`, `5m`, `1h`, `2d`, or combined `1h30m`. */
export const DURATION_PATTERN = /^(\d+(ms|s|m|h|d))+$/;
