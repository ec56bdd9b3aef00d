import { SERVICE_PORTS, processEnvironment } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';
import { HealthMonitorModule } from './health-monitor.module';

/** Heartbeats and integration checks, overall status, health API and dashboard. */
export function healthMonitorService(
  env: Record<string, string | undefined> = processEnvironment(),
): ServiceDefinition {
  return {
    name: 'health-monitor',
    defaultPort: SERVICE_PORTS['health-monitor'],
    imports: [HealthMonitorModule.forRoot(env)],
    // libs/service names the group `<namespace>airis.health-monitor`.
    consumer: { topics: ['health', 'alerts', 'deliveries'] },
    env,
  };
}

export const SERVICE: ServiceDefinition = healthMonitorService();
