/** Every service and its default port (DESIGN.md §8); `<NAME>_PORT` overrides each. */
export const SERVICE_PORTS = {
  'ingest-gateway': 8080,
  'webhook-receiver': 8081,
  'health-monitor': 8082,
  'event-router': 8083,
  notifier: 8084,
  'connector-mlops': 8090,
  'connector-cloud': 8091,
  'connector-devops': 8092,
  'connector-enterprise': 8093,
  'connector-observability': 8094,
  'connector-ai-providers': 8095,
} as const;

export type ServiceName = keyof typeof SERVICE_PORTS;

export const SERVICE_NAMES = Object.keys(SERVICE_PORTS) as ServiceName[];
