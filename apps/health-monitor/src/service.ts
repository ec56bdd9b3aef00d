import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Heartbeats and integration checks, overall status, health API and dashboard. */
export const SERVICE: ServiceDefinition = {
  name: 'health-monitor',
  defaultPort: SERVICE_PORTS['health-monitor'],
};
