import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsInt, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { MatcherDto } from './matcher.dto';

export const SILENCE_KIND = 'silence';

/** Spec of kind `silence`: alerts matching every matcher are not notified between the two times (ms). */
@JSONSchema({ title: 'SilenceSpec' })
export class SilenceSpecDto {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => MatcherDto)
  matchers!: MatcherDto[];

  @IsInt()
  @Min(0)
  starts_at!: number;

  @IsInt()
  @Min(0)
  ends_at!: number;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  created_by?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  comment?: string;
}

/** No field of this kind holds a secret. */
export const SILENCE_SECRET_FIELDS: readonly string[] = [];
