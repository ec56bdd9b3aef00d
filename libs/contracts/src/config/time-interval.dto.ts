import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

export const TIME_INTERVAL_KIND = 'time_interval';

export class TimeRangeDto {
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/)
  start_time!: string;

  @Matches(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/)
  end_time!: string;
}

/** One recurring window, Alertmanager's `time_intervals` item; every given field must match. */
export class TimeIntervalItemDto {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TimeRangeDto)
  times?: TimeRangeDto[];

  @IsOptional()
  @IsArray()
  @Matches(/^[a-z]+(:[a-z]+)?$/, { each: true })
  @JSONSchema({ description: 'e.g. ["monday:friday", "sunday"]' })
  weekdays?: string[];

  @IsOptional()
  @IsArray()
  @Matches(/^-?\d{1,2}(:-?\d{1,2})?$/, { each: true })
  days_of_month?: string[];

  @IsOptional()
  @IsArray()
  @Matches(/^([a-z]+|\d{1,2})(:([a-z]+|\d{1,2}))?$/, { each: true })
  months?: string[];
}

/** Spec of kind `time_interval`: named recurring windows referenced by routes (mute/active). */
@JSONSchema({ title: 'TimeIntervalSpec' })
export class TimeIntervalSpecDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TimeIntervalItemDto)
  time_intervals!: TimeIntervalItemDto[];

  @IsOptional()
  @IsString()
  @MaxLength(64)
  @JSONSchema({ description: 'IANA time zone; UTC when absent.' })
  location?: string;
}

/** No field of this kind holds a secret. */
export const TIME_INTERVAL_SECRET_FIELDS: readonly string[] = [];
