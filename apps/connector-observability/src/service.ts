import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Pull connector: Prometheus, Datadog, New Relic, Grafana. */
export const SERVICE: ServiceDefinition = {
  name: 'connector-observability',
  defaultPort: SERVICE_PORTS['connector-observability'],
};
