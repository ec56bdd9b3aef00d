import { join } from 'node:path';
import { type ConformanceCase, describeConformance } from '@airis/connector-kit/conformance';
import { mlflowFactory } from './mlflow/factory';
import { sampleMlflowState, startFakeMlflow } from './mlflow/mlflow.test-server';
import { kserveFactory, tritonFactory } from './kserve/factory';
import { startFakeOip } from './kserve/kserve.test-server';
import { kubeflowFactory } from './kubeflow/factory';
import { sampleKfpRuns, startFakeKfp } from './kubeflow/kubeflow.test-server';
import { torchServeFactory } from './torchserve/factory';
import { startFakeTorchServe } from './torchserve/torchserve.test-server';
import { tfServingFactory } from './tfserving/factory';
import { startFakeTfServing } from './tfserving/tfserving.test-server';

/* Every connector type of connector-mlops through the shared conformance contract (DESIGN.md §7). */
const cases: ConformanceCase[] = [
  {
    factory: mlflowFactory,
    testdataDir: join(__dirname, 'mlflow/testdata'),
    live: async () => {
      const server = await startFakeMlflow(sampleMlflowState(), { token: 't0k' });
      return {
        settings: { tracking_uri: server.url, auth: 'bearer', experiments: ['churn-training'] },
        credentials: { token: 't0k' },
        close: () => server.close(),
      };
    },
    dead: (base) => ({ settings: { tracking_uri: base } }),
  },
  {
    factory: tfServingFactory,
    testdataDir: join(__dirname, 'tfserving/testdata'),
    live: async () => {
      const server = await startFakeTfServing();
      return {
        settings: { base_url: server.url, models: [{ name: 'half_plus_two', probe: { instances: [1, 2, 5] } }] },
        close: () => server.close(),
      };
    },
    dead: (base) => ({ settings: { base_url: base, models: [{ name: 'half_plus_two' }] } }),
  },
  {
    factory: torchServeFactory,
    testdataDir: join(__dirname, 'torchserve/testdata'),
    live: async () => {
      const ts = await startFakeTorchServe({ inferenceKey: 'inf', managementKey: 'mgmt' });
      return {
        settings: {
          inference_url: ts.inference.url,
          management_url: ts.management.url,
          auth: 'token',
          models: [{ name: 'squeezenet1_1', probe: { data: 'aGVsbG8=' } }],
        },
        credentials: { inference_key: 'inf', management_key: 'mgmt' },
        close: () => ts.close(),
      };
    },
    dead: (base) => ({ settings: { inference_url: base, management_url: base } }),
  },
  ...[kserveFactory, tritonFactory].map((factory): ConformanceCase => ({
    factory,
    testdataDir: join(__dirname, 'kserve/testdata'),
    live: async () => {
      const server = await startFakeOip({ token: 'jwt' });
      const probe = { inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP32', data: [6.8, 2.8, 4.8, 1.4] }] };
      return {
        settings: { base_url: server.url, auth: 'bearer', models: [{ name: 'iris', probe }] },
        credentials: { token: 'jwt' },
        close: () => server.close(),
      };
    },
    dead: (base) => ({ settings: { base_url: base, models: [{ name: 'iris' }] } }),
  })),
  {
    factory: kubeflowFactory,
    testdataDir: join(__dirname, 'kubeflow/testdata'),
    live: async () => {
      const server = await startFakeKfp(sampleKfpRuns(), { token: 'sa-token' });
      return {
        settings: { pipeline_endpoint: server.url, page_size: 1, authentication: { type: 'bearer' } },
        credentials: { token: 'sa-token' },
        close: () => server.close(),
      };
    },
    dead: (base) => ({ settings: { pipeline_endpoint: base, authentication: { type: 'none' } } }),
  },
];

for (const c of cases) describeConformance(c);
