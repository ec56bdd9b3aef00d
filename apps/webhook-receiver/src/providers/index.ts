import type { WebhookProvider } from '@airis/contracts';
import { alertmanagerProvider } from './alertmanager.provider';
import { genericHmacProvider } from './generic-hmac.provider';
import { githubProvider } from './github.provider';
import { gitlabProvider } from './gitlab.provider';
import { mlflowProvider } from './mlflow.provider';
import { pagerdutyProvider } from './pagerduty.provider';
import type { ProviderHandler } from './provider';
import { slackProvider } from './slack.provider';
import { standardWebhooksProvider } from './standard-webhooks.provider';

export * from './provider';

/** Every provider by name; the `satisfies` keeps the map complete when a provider is added. */
export const PROVIDERS = {
  github: githubProvider,
  gitlab: gitlabProvider,
  mlflow: mlflowProvider,
  alertmanager: alertmanagerProvider,
  slack: slackProvider,
  pagerduty: pagerdutyProvider,
  'generic-hmac': genericHmacProvider,
  'standard-webhooks': standardWebhooksProvider,
} satisfies Record<WebhookProvider, ProviderHandler>;
