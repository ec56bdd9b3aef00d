import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Inbound webhooks: per-provider signature check, replay window, dedup, normalisation to events. */
export const SERVICE: ServiceDefinition = {
  name: 'webhook-receiver',
  defaultPort: SERVICE_PORTS['webhook-receiver'],
};
