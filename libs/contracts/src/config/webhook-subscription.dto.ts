import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { IsStringRecord } from '../dto/validators';

export const WEBHOOK_SUBSCRIPTION_KIND = 'webhook-subscription';

/** A clear-text secret (as posted) or a SecretBox-sealed one (as stored on the topic). */
function IsSecret(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSecret',
      validator: {
        validate: (v: unknown) =>
          (typeof v === 'string' && v.length > 0 && v.length <= 4096) ||
          (v !== null && typeof v === 'object' && !Array.isArray(v) && '$sealed' in v),
        defaultMessage: () => 'secret must be a non-empty string of at most 4096 characters',
      },
    },
    options,
  );
}

/**
 * Outbound webhook subscription, exactly the seed's `POST /api/v1/integrations/webhooks` body
 * (`name, url, events[], headers{}, secret`) plus `enabled`. The notifier delivers matching
 * events to `url`, signed with `secret` (Standard Webhooks).
 */
export class WebhookSubscriptionSpecDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  name!: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2048)
  url!: string;

  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  events!: string[];

  @IsOptional()
  @IsStringRecord({ maxEntries: 32, maxKey: 256, maxValue: 4096 })
  headers?: Record<string, string>;

  @IsOptional()
  @IsSecret()
  secret?: string | Record<string, unknown>;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** CIDRs this subscription may reach although private/loopback/link-local (SSRF guard). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(/^[0-9a-fA-F:.]+\/\d{1,3}$/, { each: true })
  ssrf_allow?: string[];
}

export const WEBHOOK_SUBSCRIPTION_SECRET_FIELDS: readonly string[] = ['secret'];
