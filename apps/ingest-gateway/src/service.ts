import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** The public REST API: metric and event ingest, admin and query API. */
export const SERVICE: ServiceDefinition = {
  name: 'ingest-gateway',
  defaultPort: SERVICE_PORTS['ingest-gateway'],
};
