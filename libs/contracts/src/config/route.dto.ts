import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { DURATION_PATTERN, MatcherDto } from './matcher.dto';

export const ROUTE_KIND = 'route';
/** The route tree is the `route` resource with this id. */
export const ROOT_ROUTE_ID = 'root';

/**
 * A node of the Alertmanager-style route tree (kind `route`, id `root`). Children inherit
 * `receiver`, `group_by` and the timings of their parent; `continue` keeps matching siblings.
 */
@JSONSchema({ title: 'RouteSpec' })
export class RouteSpecDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  @JSONSchema({ description: 'Name of a `receiver` resource.' })
  receiver?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => MatcherDto)
  matchers?: MatcherDto[];

  @IsOptional()
  @IsBoolean()
  continue?: boolean;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @JSONSchema({ description: 'Labels grouping alerts into one notification; ["..."] groups by every label.' })
  group_by?: string[];

  @IsOptional()
  @Matches(DURATION_PATTERN)
  group_wait?: string;

  @IsOptional()
  @Matches(DURATION_PATTERN)
  group_interval?: string;

  @IsOptional()
  @Matches(DURATION_PATTERN)
  repeat_interval?: string;

  @IsOptional()
  @IsBoolean()
  send_resolved?: boolean;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @JSONSchema({ description: 'Names of `time_interval` resources during which this route is muted.' })
  mute_time_intervals?: string[];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @JSONSchema({ description: 'Names of `time_interval` resources outside which this route is muted.' })
  active_time_intervals?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => RouteSpecDto)
  routes?: RouteSpecDto[];
}

/** No field of this kind holds a secret. */
export const ROUTE_SECRET_FIELDS: readonly string[] = [];
