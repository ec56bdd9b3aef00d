import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsOptional, IsString, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { MatcherDto } from './matcher.dto';

export const INHIBIT_RULE_KIND = 'inhibit_rule';

/**
 * Spec of kind `inhibit_rule`: while an alert matching `source_matchers` fires, alerts matching
 * `target_matchers` with the same values of the `equal` labels are not notified.
 */
@JSONSchema({ title: 'InhibitRuleSpec' })
export class InhibitRuleSpecDto {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => MatcherDto)
  source_matchers!: MatcherDto[];

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => MatcherDto)
  target_matchers!: MatcherDto[];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  equal?: string[];
}

/** No field of this kind holds a secret. */
export const INHIBIT_RULE_SECRET_FIELDS: readonly string[] = [];
