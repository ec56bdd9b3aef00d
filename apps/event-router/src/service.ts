import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';
import { EventRouterModule } from './event-router.module';

/** Validation of the ingest topics, alert rules, alert lifecycle, routing, grouping, silences, inhibition. */
export function routerService(env?: Record<string, string | undefined>): ServiceDefinition {
  return {
    name: 'event-router',
    defaultPort: SERVICE_PORTS['event-router'],
    imports: [EventRouterModule.forRoot(env)],
    consumer: { topics: ['metrics', 'events', 'commands'] },
    ...(env ? { env } : {}),
  };
}

export const SERVICE: ServiceDefinition = routerService();
