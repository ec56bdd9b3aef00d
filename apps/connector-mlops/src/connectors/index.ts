import type { AnyConnectorFactory } from '@airis/connector-kit';
import { mlflowFactory } from './mlflow/factory';

/** Every connector type connector-mlops offers. */
export const MLOPS_FACTORIES: readonly AnyConnectorFactory[] = [mlflowFactory];
