import type { AnyConnectorFactory } from '@airis/connector-kit';
import { mlflowFactory } from './mlflow/factory';
import { kserveFactory, tritonFactory } from './kserve/factory';
import { kubeflowFactory } from './kubeflow/factory';
import { tfServingFactory } from './tfserving/factory';
import { torchServeFactory } from './torchserve/factory';

/** Every connector type connector-mlops offers. */
export const MLOPS_FACTORIES: readonly AnyConnectorFactory[] = [
  mlflowFactory,
  tfServingFactory,
  torchServeFactory,
  kserveFactory,
  tritonFactory,
  kubeflowFactory,
];
