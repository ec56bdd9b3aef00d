import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';
import { NotifierModule } from './notifier.module';

/** The notifier's service definition; `env` overrides the process environment (tests). */
export function notifierService(env?: Record<string, string | undefined>): ServiceDefinition {
  return {
    name: 'notifier',
    defaultPort: SERVICE_PORTS['notifier'],
    imports: [NotifierModule.forRoot(env)],
    consumer: { topics: ['notifications', 'alerts', 'commands'], partitionsConsumedConcurrently: 6 },
    // An attempt record per delivery: kafkajs's encoding runs beside the sends, not among them.
    producerThread: true,
    ...(env ? { env } : {}),
  };
}

/** Durable delivery to every channel, retries, circuit breakers, delivery log. */
export const SERVICE: ServiceDefinition = notifierService();
