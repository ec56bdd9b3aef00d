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
    consumer: {
      topics: ['health', 'alerts', 'deliveries'],
      // Behind a topic namespace (a shared cluster, or a test) the group is namespaced too, so
      // two deployments never split each other's partitions.
      groupId: `${env['AIRIS_TOPIC_NAMESPACE'] ?? ''}airis.health-monitor`,
    },
    env,
  };
}

export const SERVICE: ServiceDefinition = healthMonitorService();
