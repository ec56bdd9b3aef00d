import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  buildMessage,
  type ValidationOptions,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { EVENT_SEVERITIES, type EventSeverity } from '../dto/event.dto';
import { IsStringRecord, LIMITS } from '../dto/validators';

/**
 * A secret inside a configuration spec: a plain string as an admin client writes it, or the
 * sealed envelope (`{$sealed:'aes-256-gcm',kid,iv,tag,data}`) the gateway stores in its place.
 */
export function IsSecretValue(options?: ValidationOptions): PropertyDecorator {
  const validate = ValidateBy(
    {
      name: 'isSecretValue',
      validator: {
        validate: (value: unknown) => {
          if (typeof value === 'string') return value.length > 0 && value.length <= 4096;
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          const v = value as Record<string, unknown>;
          return v['$sealed'] === 'aes-256-gcm' && ['kid', 'iv', 'tag', 'data'].every((k) => typeof v[k] === 'string');
        },
        defaultMessage: buildMessage((each) => `${each}$property must be a secret string or a sealed secret`),
      },
    },
    options,
  );
  const schema = JSONSchema({
    oneOf: [
      { type: 'string', minLength: 1, maxLength: 4096 },
      { type: 'object', required: ['$sealed', 'kid', 'iv', 'tag', 'data'] },
    ],
  });
  return (target: object, key: string | symbol) => {
    validate(target, key);
    schema(target, key as string);
  };
}

const HTTP_URL = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

/** Slack incoming webhook (the seed's SlackIntegration). */
export class SlackChannelDto {
  @IsSecretValue() webhook_url!: unknown;
  @IsOptional() @IsString() @MaxLength(LIMITS.name) channel?: string;
  @IsOptional() @IsString() @MaxLength(LIMITS.name) username?: string;
}

/** PagerDuty Events API v2 (the seed's PagerDutyIntegration). */
export class PagerDutyChannelDto {
  @IsSecretValue() routing_key!: unknown;
  @JSONSchema({
    description: 'Alert severities that trigger an incident; default critical and error (the seed\'s "high").',
  })
  @IsOptional()
  @IsArray()
  @IsIn(EVENT_SEVERITIES, { each: true })
  severities?: EventSeverity[];
  @IsOptional() @IsUrl(HTTP_URL) events_url?: string;
}

/** Microsoft Teams through a Workflows ("When a Teams webhook request is received") URL. */
export class TeamsChannelDto {
  @IsSecretValue() workflow_url!: unknown;
}

export class DiscordChannelDto {
  @IsSecretValue() webhook_url!: unknown;
  @IsOptional() @IsString() @MaxLength(80) username?: string;
}

export class TelegramChannelDto {
  @IsSecretValue() bot_token!: unknown;
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.name) chat_id!: string;
  @JSONSchema({
    description: 'Bot API base URL; default the public Bot API. Point it at a local Bot API server if you run one.',
  })
  @IsOptional()
  @IsUrl(HTTP_URL)
  api_base?: string;
}

export class SmtpSettingsDto {
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.name) host!: string;
  @IsInt() @Min(1) @Max(65535) port!: number;
  @JSONSchema({ description: 'TLS from the first byte (port 465); otherwise STARTTLS when offered.' })
  @IsOptional()
  @IsBoolean()
  secure?: boolean;
  @IsOptional() @IsBoolean() require_tls?: boolean;
  @IsOptional() @IsString() @MaxLength(LIMITS.name) username?: string;
  @IsOptional() @IsSecretValue() password?: unknown;
}

export class EmailChannelDto {
  @JSONSchema({ description: 'smtp (default) or ses (nodemailer SES transport with the AWS SDK SESv2 client).' })
  @IsOptional()
  @IsIn(['smtp', 'ses'])
  transport?: 'smtp' | 'ses';
  @IsOptional() @ValidateNested() @Type(() => SmtpSettingsDto) smtp?: SmtpSettingsDto;
  @JSONSchema({ description: 'SES region, e.g. eu-west-1; default the SDK default (AWS_REGION).' })
  @IsOptional()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, { message: 'ses_region must be an AWS region such as eu-west-1' })
  @MaxLength(64)
  ses_region?: string;
  @JSONSchema({
    description:
      'SES API endpoint (http/https URL), e.g. a VPC endpoint or a local SES stand-in; default the regional ' +
      'endpoint. Checked by the SSRF guard like every outbound address.',
  })
  @IsOptional()
  @IsUrl(HTTP_URL)
  @MaxLength(2048)
  ses_endpoint?: string;
  @JSONSchema({ description: 'Access key id for SES, with ses_secret_access_key; default the SDK credential chain.' })
  @ValidateIf((o: EmailChannelDto) => o.ses_access_key_id !== undefined || o.ses_secret_access_key !== undefined)
  @Matches(/^[A-Z0-9]{16,128}$/, { message: 'ses_access_key_id must be an AWS access key id (A-Z, 0-9)' })
  ses_access_key_id?: string;
  @ValidateIf((o: EmailChannelDto) => o.ses_access_key_id !== undefined || o.ses_secret_access_key !== undefined)
  @IsSecretValue()
  ses_secret_access_key?: unknown;
  @IsEmail() from!: string;
  @IsArray() @ArrayNotEmpty() @ArrayMaxSize(50) @IsEmail({}, { each: true }) to!: string[];
}

export class WebhookChannelDto {
  @IsUrl(HTTP_URL) url!: string;
  @IsOptional() @IsStringRecord({ maxEntries: 32 }) headers?: Record<string, string>;
  @JSONSchema({ description: 'Standard Webhooks signing secret (whsec_...); unsigned when absent.' })
  @IsOptional()
  @IsSecretValue()
  secret?: unknown;
}

/**
 * A receiver (config kind `receiver`): where the notifications routed to it go. Each channel
 * block is optional; one notification is delivered to every block present.
 */
@JSONSchema({ title: 'ReceiverSpec' })
export class ReceiverSpecDto {
  @IsString() @IsNotEmpty() @MaxLength(LIMITS.name) @Matches(/^[\w.:-]+$/) name!: string;
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @ValidateNested() @Type(() => SlackChannelDto) slack?: SlackChannelDto;
  @IsOptional() @ValidateNested() @Type(() => PagerDutyChannelDto) pagerduty?: PagerDutyChannelDto;
  @IsOptional() @ValidateNested() @Type(() => TeamsChannelDto) teams?: TeamsChannelDto;
  @IsOptional() @ValidateNested() @Type(() => DiscordChannelDto) discord?: DiscordChannelDto;
  @IsOptional() @ValidateNested() @Type(() => TelegramChannelDto) telegram?: TelegramChannelDto;
  @IsOptional() @ValidateNested() @Type(() => EmailChannelDto) email?: EmailChannelDto;
  @IsOptional() @ValidateNested() @Type(() => WebhookChannelDto) webhook?: WebhookChannelDto;

  @JSONSchema({ description: 'Delays between attempts, ms (default 5s, 5m, 30m, 2h, 5h, 10h, 10h).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(7 * 24 * 3_600_000, { each: true })
  retry_schedule_ms?: number[];

  @JSONSchema({ description: 'CIDRs this receiver may reach although private/loopback/link-local (SSRF guard).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(/^[0-9a-fA-F:.]+\/\d{1,3}$/, { each: true })
  ssrf_allow?: string[];

  @JSONSchema({ description: 'Public base URL of the dashboard used in links; default the notifier setting.' })
  @IsOptional()
  @IsUrl(HTTP_URL)
  dashboard_url?: string;
}

export const RECEIVER_CHANNELS = ['slack', 'pagerduty', 'teams', 'discord', 'telegram', 'email', 'webhook'] as const;
export type ReceiverChannel = (typeof RECEIVER_CHANNELS)[number];

export const RECEIVER_SECRET_FIELDS = [
  'slack.webhook_url',
  'pagerduty.routing_key',
  'teams.workflow_url',
  'discord.webhook_url',
  'telegram.bot_token',
  'email.smtp.password',
  'email.ses_secret_access_key',
  'webhook.secret',
] as const;
