import { join } from 'node:path';
import { type ConformanceCase, describeConformance } from '@airis/connector-kit/conformance';
import { mlflowFactory } from './mlflow/factory';
import { sampleMlflowState, startFakeMlflow } from './mlflow/mlflow.test-server';

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
];

for (const c of cases) describeConformance(c);
