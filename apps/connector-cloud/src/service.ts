import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Pull connector: AWS, GCP, Azure, Kubernetes. */
export const SERVICE: ServiceDefinition = {
  name: 'connector-cloud',
  defaultPort: SERVICE_PORTS['connector-cloud'],
};
