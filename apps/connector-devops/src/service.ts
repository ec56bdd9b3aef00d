import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Pull connector: GitHub, GitLab, Jenkins, Argo CD. */
export const SERVICE: ServiceDefinition = {
  name: 'connector-devops',
  defaultPort: SERVICE_PORTS['connector-devops'],
};
