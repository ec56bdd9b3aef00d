import { RECEIVER_SECRET_FIELDS, ReceiverSpecDto } from './receiver.dto';
import { INHIBIT_RULE_KIND, INHIBIT_RULE_SECRET_FIELDS, InhibitRuleSpecDto } from './inhibit-rule.dto';
import { ROUTE_KIND, ROUTE_SECRET_FIELDS, RouteSpecDto } from './route.dto';
import { RULE_KIND, RULE_SECRET_FIELDS, RuleSpecDto } from './rule.dto';
import { SILENCE_KIND, SILENCE_SECRET_FIELDS, SilenceSpecDto } from './silence.dto';
import { TIME_INTERVAL_KIND, TIME_INTERVAL_SECRET_FIELDS, TimeIntervalSpecDto } from './time-interval.dto';
import { API_KEY_KIND, API_KEY_SECRET_FIELDS, ApiKeySpecDto } from './api-key.dto';
import { INTEGRATION_KIND, INTEGRATION_SECRET_FIELDS, IntegrationSpecDto } from './integration.dto';
import { WEBHOOK_SOURCE_KIND, WEBHOOK_SOURCE_SECRET_FIELDS, WebhookSourceSpecDto } from './webhook-source.dto';
import {
  WEBHOOK_SUBSCRIPTION_KIND,
  WEBHOOK_SUBSCRIPTION_SECRET_FIELDS,
  WebhookSubscriptionSpecDto,
} from './webhook-subscription.dto';

/** A class-validator DTO of a config spec. */
export type ConfigSpecClass = new () => object;

export interface ConfigKindEntry {
  /** Kind on `airis.config.v1` (record key `kind/id`). */
  kind: string;
  /** Path of the admin REST resource under `/api/v1/`. */
  path: string;
  /** Spec DTO; undefined while the owning service has not published one (any JSON object is then accepted). */
  dto?: ConfigSpecClass;
  /**
   * Dotted paths of secret fields, sealed by the admin API before the record is written and
   * never returned in clear. Undefined: fields whose name looks secret are sealed.
   */
  secretFields?: readonly string[];
  /** Served by a dedicated controller rather than the generic admin CRUD. */
  dedicated?: boolean;
  description: string;
}

/**
 * Every configuration kind the admin API serves (DESIGN.md §8). Adding a kind is one entry:
 * import its `<kind>.dto.ts` (class and `<KIND>_SECRET_FIELDS`) and list it here.
 */
export const CONFIG_KINDS: readonly ConfigKindEntry[] = [
  {
    kind: API_KEY_KIND,
    path: 'api-keys',
    dto: ApiKeySpecDto,
    secretFields: API_KEY_SECRET_FIELDS,
    dedicated: true,
    description: 'API keys of the public API (stored hashed)',
  },
  {
    kind: WEBHOOK_SUBSCRIPTION_KIND,
    path: 'integrations/webhooks',
    dto: WebhookSubscriptionSpecDto,
    secretFields: WEBHOOK_SUBSCRIPTION_SECRET_FIELDS,
    description: 'Outbound webhook subscriptions',
  },
  {
    kind: 'receiver',
    path: 'receivers',
    dto: ReceiverSpecDto,
    secretFields: RECEIVER_SECRET_FIELDS,
    description: 'Notification receivers (Slack, PagerDuty, Teams, Discord, Telegram, email, webhook)',
  },
  {
    kind: ROUTE_KIND,
    path: 'routes',
    dto: RouteSpecDto,
    secretFields: ROUTE_SECRET_FIELDS,
    description: 'The alert routing tree (id `root`), Alertmanager-style',
  },
  {
    kind: RULE_KIND,
    path: 'rules',
    dto: RuleSpecDto,
    secretFields: RULE_SECRET_FIELDS,
    description: 'Alert rules: metric threshold, event and absence',
  },
  {
    kind: SILENCE_KIND,
    path: 'silences',
    dto: SilenceSpecDto,
    secretFields: SILENCE_SECRET_FIELDS,
    description: 'Silences: matchers and a time window',
  },
  {
    kind: INHIBIT_RULE_KIND,
    path: 'inhibit-rules',
    dto: InhibitRuleSpecDto,
    secretFields: INHIBIT_RULE_SECRET_FIELDS,
    description: 'Inhibition rules: source/target matchers and equal labels',
  },
  {
    kind: TIME_INTERVAL_KIND,
    path: 'time-intervals',
    dto: TimeIntervalSpecDto,
    secretFields: TIME_INTERVAL_SECRET_FIELDS,
    description: 'Named recurring time intervals (mute and active windows of routes)',
  },
  {
    kind: WEBHOOK_SOURCE_KIND,
    path: 'webhook-sources',
    dto: WebhookSourceSpecDto,
    secretFields: WEBHOOK_SOURCE_SECRET_FIELDS,
    description: 'Inbound webhook sources (provider, secrets, allowed CIDRs)',
  },
  {
    kind: INTEGRATION_KIND,
    path: 'integrations',
    dto: IntegrationSpecDto,
    secretFields: INTEGRATION_SECRET_FIELDS,
    description: 'Connector integration instances (family, type, schedule, settings, credentials)',
  },
];

export function configKind(kind: string): ConfigKindEntry | undefined {
  return CONFIG_KINDS.find((k) => k.kind === kind);
}
