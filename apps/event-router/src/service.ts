import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Validation of the ingest topics, alert rules, alert lifecycle, routing, grouping, silences, inhibition. */
export const SERVICE: ServiceDefinition = {
  name: 'event-router',
  defaultPort: SERVICE_PORTS['event-router'],
};
