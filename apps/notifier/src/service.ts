import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Durable delivery to every channel, retries, circuit breakers, delivery log. */
export const SERVICE: ServiceDefinition = {
  name: 'notifier',
  defaultPort: SERVICE_PORTS['notifier'],
};
