import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
  buildMessage,
  isIP,
  type ValidationOptions,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { LIMITS } from '../dto/validators';

/** Config kind of an inbound webhook source (`airis.config.v1`, key `webhook-source/<id>`). */
export const WEBHOOK_SOURCE_KIND = 'webhook-source';

export const WEBHOOK_PROVIDERS = [
  'github',
  'gitlab',
  'mlflow',
  'alertmanager',
  'slack',
  'pagerduty',
  'generic-hmac',
  'standard-webhooks',
] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** Dotted paths of the spec that hold secrets (sealed by the writer, revealed by the receiver). */
export const WEBHOOK_SOURCE_SECRET_FIELDS = ['secrets', 'gitlab.signing_secrets'] as const;

/** A secret as stored: a sealed envelope (`{$sealed:'aes-256-gcm',kid,iv,tag,data}`) or, before sealing, a string. */
export type SecretValue = string | { $sealed: 'aes-256-gcm'; kid: string; iv: string; tag: string; data: string };

function isSecretValue(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0 && value.length <= 4096;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    v['$sealed'] === 'aes-256-gcm' &&
    ['kid', 'iv', 'tag', 'data'].every((k) => typeof v[k] === 'string' && v[k].length > 0)
  );
}

/** Each element is a non-empty string or a sealed secret envelope. */
function IsSecretValue(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSecretValue',
      validator: {
        validate: (value: unknown) => isSecretValue(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a non-empty string or a sealed secret ({$sealed:'aes-256-gcm',...})`,
        ),
      },
    },
    options,
  );
}

/** An IPv4/IPv6 address with an optional prefix length (a bare address is a /32 or /128). */
export function isCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const [address, prefix, extra] = value.split('/');
  if (extra !== undefined || address === undefined) return false;
  const family = isIP(address, 4) ? 4 : isIP(address, 6) ? 6 : 0;
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function IsCidr(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCidr',
      validator: {
        validate: (value: unknown) => isCidr(value),
        defaultMessage: buildMessage((each) => `${each}$property must be an IP address or CIDR (e.g. 10.0.0.0/8)`),
      },
    },
    options,
  );
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/** Options of the `generic-hmac` provider (Jenkins, Argo CD, anything that signs with HMAC-SHA256). */
export class GenericHmacOptionsDto {
  @IsOptional()
  @Matches(HEADER_NAME, { message: 'signature_header must be an HTTP header name' })
  @JSONSchema({ description: 'Header carrying the signature. Default x-signature.' })
  signature_header?: string;

  @IsOptional()
  @IsIn(['hex', 'base64'])
  @JSONSchema({ description: 'Encoding of the HMAC in the header. Default hex.' })
  encoding?: 'hex' | 'base64';

  @IsOptional()
  @IsString()
  @MaxLength(32)
  @JSONSchema({ description: 'Text before the HMAC in the header, e.g. "sha256=". Default none.' })
  prefix?: string;

  @IsOptional()
  @Matches(HEADER_NAME, { message: 'timestamp_header must be an HTTP header name' })
  @JSONSchema({
    description:
      'Header with the Unix time (seconds) of the delivery. When set it is required, checked against tolerance_seconds and signed as "<timestamp>.<body>".',
  })
  timestamp_header?: string;

  @IsOptional()
  @Matches(HEADER_NAME, { message: 'delivery_id_header must be an HTTP header name' })
  @JSONSchema({ description: 'Header with a unique delivery id (dedup key). Default: SHA-256 of the body.' })
  delivery_id_header?: string;

  @IsOptional()
  @Matches(HEADER_NAME, { message: 'event_type_header must be an HTTP header name' })
  @JSONSchema({
    description: 'Header naming the event type (e.g. X-Jenkins-Event). Default: body field "event_type" or "webhook".',
  })
  event_type_header?: string;
}

export class GitlabOptionsDto {
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsSecretValue({ each: true })
  @JSONSchema({
    description:
      'Signing tokens (whsec_...) of GitLab webhook signing (webhook-signature header). When set, every delivery must carry a valid signature.',
  })
  signing_secrets?: SecretValue[];
}

export class AlertmanagerOptionsDto {
  @IsIn(['bearer', 'basic'])
  @JSONSchema({ description: 'bearer: secrets are tokens; basic: secrets are "user:password".' })
  auth!: 'bearer' | 'basic';
}

/**
 * Spec of a `webhook-source` resource: who may call `POST /webhooks/{id}` and how a delivery
 * proves where it comes from.
 */
@JSONSchema({ title: 'WebhookSourceSpec', description: 'An inbound webhook source (config kind webhook-source).' })
export class WebhookSourceSpecDto {
  @IsIn(WEBHOOK_PROVIDERS)
  provider!: WebhookProvider;

  @IsOptional()
  @IsBoolean()
  @JSONSchema({ description: 'A disabled source answers 404 like an unknown one. Default true.' })
  enabled?: boolean;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsSecretValue({ each: true })
  @JSONSchema({
    description:
      'Signing secrets (or tokens for GitLab/Alertmanager). Two during rotation: a delivery verified by either is accepted.',
  })
  secrets!: SecretValue[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsCidr({ each: true })
  @JSONSchema({ description: 'Client addresses allowed to deliver (CIDR). Empty or absent: any address.' })
  allowed_cidrs?: string[];

  @IsOptional()
  @Matches(HEADER_NAME, { message: 'trusted_proxy_header must be an HTTP header name' })
  @JSONSchema({
    description:
      'Header with the client address set by a reverse proxy (e.g. X-Forwarded-For). Honoured only for peers in trusted_proxies.',
  })
  trusted_proxy_header?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsCidr({ each: true })
  @JSONSchema({ description: 'Proxies whose trusted_proxy_header is believed. Default loopback only.' })
  trusted_proxies?: string[];

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  @JSONSchema({ description: 'Deliveries per minute accepted from this source (429 beyond). Default 600.' })
  rate_limit_per_minute?: number;

  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(3600)
  @JSONSchema({ description: 'Replay window of signed timestamps, seconds. Default 300 (Slack: always 300).' })
  tolerance_seconds?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(26_214_400)
  @JSONSchema({
    description: 'Largest body accepted from this source, bytes (413 beyond). Default: the service limit.',
  })
  max_body_bytes?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.source)
  @JSONSchema({ description: 'The `source` of produced events where the provider gives none. Default the source id.' })
  event_source?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => GenericHmacOptionsDto)
  generic?: GenericHmacOptionsDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => GitlabOptionsDto)
  gitlab?: GitlabOptionsDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => AlertmanagerOptionsDto)
  alertmanager?: AlertmanagerOptionsDto;
}
