import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export const API_KEY_KIND = 'api-key';
export const API_KEY_SCOPE_NAMES = ['ingest', 'admin', 'read'] as const;

export class ApiKeyRateLimitDto {
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  per_second!: number;

  @IsInt()
  @Min(1)
  @Max(10_000_000)
  burst!: number;
}

/**
 * Spec of an `api-key` config resource (id = the key's public id). Only the SHA-256 of the key
 * is stored; the key itself is shown once, when created.
 */
export class ApiKeySpecDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  name!: string;

  @Matches(/^[0-9a-f]{64}$/)
  hash!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPE_NAMES, { each: true })
  scopes!: (typeof API_KEY_SCOPE_NAMES)[number][];

  @IsOptional()
  @ValidateNested()
  @Type(() => ApiKeyRateLimitDto)
  rate_limit?: ApiKeyRateLimitDto;

  @IsInt()
  created_at!: number;

  @IsOptional()
  @IsInt()
  revoked_at?: number;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  created_by?: string;
}

/** Nothing secret: the spec holds a hash, never the key. */
export const API_KEY_SECRET_FIELDS: readonly string[] = [];
