import { SERVICE_PORTS } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';

/** Pull connector: TensorFlow Serving, TorchServe/KServe, MLflow, Kubeflow Pipelines. */
export const SERVICE: ServiceDefinition = {
  name: 'connector-mlops',
  defaultPort: SERVICE_PORTS['connector-mlops'],
};
