import { type AnyConnectorFactory, type ConnectorDeps, createHttpClient } from '@airis/connector-kit';
import { EventDto, MetricBatchDto, validateContract } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import { kserveFactory } from './kserve/factory';
import { kubeflowFactory } from './kubeflow/factory';
import { mlflowFactory } from './mlflow/factory';
import { type JsonRoute, startJsonServer } from './shared/json-server';
import { tfServingFactory } from './tfserving/factory';
import { torchServeFactory } from './torchserve/factory';

/*
 * Bad-input table for the vendor-answer parsers: whatever a platform (or a proxy in front of it)
 * answers — HTML, wrong shapes, nulls, missing fields — a collection either returns valid
 * contract records or fails with a translated AppError; never a TypeError, never an invalid record.
 */
const answers: [string, JsonRoute][] = [
  ['an HTML login page', () => ({ status: 200, body: '<html><body>Sign in</body></html>' })],
  ['an empty object', () => ({ status: 200, body: {} })],
  ['an array', () => ({ status: 200, body: [] })],
  ['null', () => ({ status: 200, body: 'null' })],
  [
    'nulls in every list',
    () => ({
      status: 200,
      body: {
        registered_models: null,
        model_versions: null,
        model_version_status: null,
        models: null,
        runs: null,
        experiments: null,
        outputs: null,
      },
    }),
  ],
  [
    'items without fields',
    () => ({
      status: 200,
      body: {
        registered_models: [{}],
        model_versions: [{}],
        model_version_status: [{}],
        models: [{}],
        runs: [{}],
        experiments: [{}],
      },
    }),
  ],
  ['a proxy error', () => ({ status: 502, body: '<html>Bad Gateway</html>' })],
];

const settingsFor = (type: string, url: string): unknown => {
  switch (type) {
    case 'mlflow':
      return { tracking_uri: url, experiments: ['e'] };
    case 'tfserving':
      return { base_url: url, models: [{ name: 'm', probe: { instances: [1] } }] };
    case 'torchserve':
      return { inference_url: url, management_url: url };
    case 'kserve':
      return {
        base_url: url,
        models: [{ name: 'm', probe: { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] } }],
      };
    default:
      return { pipeline_endpoint: url, authentication: { type: 'none' } };
  }
};

const factories: AnyConnectorFactory[] = [
  mlflowFactory,
  tfServingFactory,
  torchServeFactory,
  kserveFactory,
  kubeflowFactory,
];
const deps: ConnectorDeps = { http: createHttpClient({ timeoutMs: 2000 }), now: () => 1_700_000_000_000 };

describe.each(factories.map((f) => [f.type, f] as const))('%s with bad answers', (_type, factory) => {
  it.each(answers)('%s: valid records or a translated error', async (_label, route) => {
    const server = await startJsonServer(route);
    try {
      const settings = factory.validate(
        { ...factory.defaultConfig(), ...(settingsFor(factory.type, server.url) as object) },
        {},
      );
      if (!settings.ok) throw new Error(settings.errors.join('; '));
      const connector = factory.create({ id: 'bad', settings: settings.value as unknown, credentials: {} }, deps);
      const outcome = await connector.collect(undefined).then(
        (r) => r,
        (e: unknown) => e,
      );
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(AppError);
        return;
      }
      const result = outcome as { events: EventDto[]; metrics: MetricBatchDto[] };
      for (const e of result.events) expect(validateContract(EventDto, e)).toMatchObject({ ok: true });
      for (const m of result.metrics) expect(validateContract(MetricBatchDto, m)).toMatchObject({ ok: true });
    } finally {
      await server.close();
    }
  });
});

describe('items without identifiers are skipped, not reported as junk', () => {
  it.each(factories.map((f) => [f.type, f] as const))('%s', async (_type, factory) => {
    const server = await startJsonServer(answers[5]![1]);
    try {
      const settings = factory.validate(
        { ...factory.defaultConfig(), ...(settingsFor(factory.type, server.url) as object) },
        {},
      );
      if (!settings.ok) throw new Error(settings.errors.join('; '));
      const connector = factory.create({ id: 'bad', settings: settings.value as unknown, credentials: {} }, deps);
      const result = await connector.collect(undefined).catch((e: unknown) => e);
      if (result instanceof Error) return expect(result).toBeInstanceOf(AppError);
      const { events } = result as { events: EventDto[] };
      for (const e of events) expect(JSON.stringify(e)).not.toContain('undefined');
    } finally {
      await server.close();
    }
  });
});
