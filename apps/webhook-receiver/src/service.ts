import { SERVICE_PORTS, loadConfig, processEnvironment } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';
import { WebhookReceiverModule } from './webhook-receiver.module';
import { WebhookReceiverEnv } from './webhook-receiver.env';

/**
 * Inbound webhooks: per-provider signature check, replay window, dedup, normalisation to events.
 * Consumes airis.alerts.v1 (Slack message updates after an acknowledgement) and
 * airis.commands.v1 (`replay-webhook`).
 */
export function webhookReceiverService(
  env: Record<string, string | undefined> = processEnvironment(),
): ServiceDefinition {
  const settings = loadConfig(WebhookReceiverEnv, env);
  return {
    name: 'webhook-receiver',
    defaultPort: SERVICE_PORTS['webhook-receiver'],
    imports: [WebhookReceiverModule.forRoot(settings)],
    // libs/service names the group `<namespace>airis.webhook-receiver`.
    consumer: { topics: ['alerts', 'commands'] },
    bodyLimit: settings.WEBHOOK_BODY_LIMIT_BYTES,
    env,
  };
}
