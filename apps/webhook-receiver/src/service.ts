import { SERVICE_PORTS, ServiceEnv, loadConfig, processEnvironment } from '@airis/config';
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
  // The consumer group follows the topic namespace, so instances on different namespaces of one
  // cluster (parallel test files, shared clusters) never join one group.
  const namespace = loadConfig(ServiceEnv, env).AIRIS_TOPIC_NAMESPACE;
  return {
    name: 'webhook-receiver',
    defaultPort: SERVICE_PORTS['webhook-receiver'],
    imports: [WebhookReceiverModule.forRoot(settings)],
    consumer: { topics: ['alerts', 'commands'], groupId: `${namespace}airis.webhook-receiver` },
    bodyLimit: settings.WEBHOOK_BODY_LIMIT_BYTES,
    env,
  };
}
