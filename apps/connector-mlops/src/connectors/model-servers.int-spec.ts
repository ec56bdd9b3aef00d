import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventDto, HealthReportDto, MetricBatchDto } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { ConnectorRuntime } from '@airis/connector-kit';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, pollUntil } from '@airis/testing';
import { mlopsService } from '../service';
import { type FakeOip, startFakeOip } from './kserve/kserve.test-server';
import { type FakeKfp, sampleKfpRuns, startFakeKfp } from './kubeflow/kubeflow.test-server';
import { type FakeTfServing, startFakeTfServing } from './tfserving/tfserving.test-server';
import { type FakeTorchServe, startFakeTorchServe } from './torchserve/torchserve.test-server';

/*
 * connector-mlops end to end (real Kafka and FerretDB) against local servers that answer as the
 * platforms' REST references document them:
 *  - TensorFlow Serving 2.x RESTful API — https://www.tensorflow.org/tfx/serving/api_rest
 *  - TorchServe 0.12 Inference/Management APIs — https://pytorch.org/serve/inference_api.html,
 *    https://pytorch.org/serve/management_api.html, token auth: https://pytorch.org/serve/token_authorization_api.html
 *  - KServe 0.14 Open Inference Protocol v2 — https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 *  - Kubeflow Pipelines 2.x API v2beta1 — https://www.kubeflow.org/docs/components/pipelines/reference/api/kubeflow-pipeline-api-spec/
 * (the response shapes live in each connector's *.test-server.ts). Integrations are added,
 * changed and removed live; wrong credentials and timeouts give degraded health with a clear
 * message; commands test-connection / sync-now answer with events, once per command id.
 */
jest.setTimeout(600_000);

describe('connector-mlops with model servers and pipelines', () => {
  let ctx: TestContext;
  let service: RunningService;
  let store: ConfigStore;
  let tfs: FakeTfServing;
  let tfsSecured: FakeTfServing;
  let torch: FakeTorchServe;
  let oip: FakeOip;
  let oipSlow: FakeOip;
  let kfp: FakeKfp;
  let tokenDir: string;
  let metrics: TopicCollector;
  let events: TopicCollector;
  let health: TopicCollector;

  const batches = () => metrics.records.map((r) => JSON.parse(r.value ?? 'null') as MetricBatchDto);
  const samples = (name: string) =>
    batches().flatMap((b) => b.metrics.filter((m) => m.name === name).map((m) => ({ ...m, source: b.source })));
  const evts = () => events.records.map((r) => JSON.parse(r.value ?? 'null') as EventDto);
  const reports = (id: string) =>
    health.records
      .map((r) => JSON.parse(r.value ?? 'null') as HealthReportDto)
      .filter((h) => h.kind === 'integration' && h.component === id);
  const fast = { interval_ms: 1000, jitter: 0.1 };

  beforeAll(async () => {
    ctx = createTestContext('mlops-servers');
    await ctx.createTopics();
    tokenDir = mkdtempSync(join(tmpdir(), 'airis-sa-'));
    writeFileSync(join(tokenDir, 'token'), 'sa-token-1\n');
    [tfs, tfsSecured, torch, oip, oipSlow, kfp] = await Promise.all([
      startFakeTfServing(),
      startFakeTfServing({ token: 'right' }),
      startFakeTorchServe({ inferenceKey: 'inf-key', managementKey: 'mgmt-key' }),
      startFakeOip(),
      startFakeOip({ delayMs: 3000 }),
      startFakeKfp(sampleKfpRuns(), { token: 'sa-token-1' }),
    ]);
    metrics = await ctx.collect('metrics');
    events = await ctx.collect('events');
    health = await ctx.collect('health');
    service = await startService(
      mlopsService(ctx.serviceEnv({ CONNECTOR_SESSION_TIMEOUT_MS: '6000', CONNECTOR_HEARTBEAT_INTERVAL_MS: '500' })),
    );
    store = service.app.get(ConfigStore);
  });

  afterAll(async () => {
    await service?.close();
    await Promise.allSettled([tfs, tfsSecured, oip, oipSlow, kfp].map((s) => s?.close()));
    await torch?.close();
    rmSync(tokenDir, { recursive: true, force: true });
    await ctx?.cleanup();
  });

  it('collects from every platform: the seed metrics, status events, healthy reports', async () => {
    const probe = { inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP32', data: [6.8, 2.8, 4.8, 1.4] }] };
    await store.put('integration', 'tfs', {
      family: 'mlops',
      type: 'tfserving',
      schedule: fast,
      settings: {
        base_url: tfs.url,
        models: [{ name: 'half_plus_two', version: '2', probe: { instances: [1.0, 2.0, 5.0] } }],
      },
    });
    await store.put('integration', 'torch', {
      family: 'mlops',
      type: 'torchserve',
      schedule: fast,
      settings: {
        inference_url: torch.inference.url,
        management_url: torch.management.url,
        auth: 'token',
        models: [{ name: 'squeezenet1_1', probe: { data: 'aGk=' } }],
      },
      credentials: { inference_key: 'inf-key', management_key: 'mgmt-key' },
    });
    await store.put('integration', 'iris', {
      family: 'mlops',
      type: 'kserve',
      schedule: fast,
      settings: { base_url: oip.url, models: [{ name: 'iris', probe }] },
    });
    await store.put('integration', 'kfp', {
      family: 'mlops',
      type: 'kubeflow',
      schedule: fast,
      settings: {
        pipeline_endpoint: kfp.url,
        namespace: 'kubeflow-pipelines',
        authentication: { type: 'service_account', token_path: join(tokenDir, 'token') },
      },
    });

    for (const id of ['tfs', 'torch', 'iris', 'kfp']) {
      await pollUntil(() => reports(id).filter((h) => h.status === 'healthy').length >= 2, {
        timeoutMs: 120_000,
        description: `${id} healthy twice`,
      });
    }
    // The seed's inference_latency with its tags, from each model server.
    const latency = samples('inference_latency');
    expect(latency.find((m) => m.tags?.['framework'] === 'tensorflow')).toMatchObject({
      unit: 'milliseconds',
      source: 'tensorflow-serving-half_plus_two',
      tags: { model_name: 'half_plus_two', model_version: '2', framework: 'tensorflow' },
    });
    expect(latency.find((m) => m.tags?.['framework'] === 'pytorch')?.tags).toMatchObject({
      model_name: 'squeezenet1_1',
    });
    expect(latency.find((m) => m.tags?.['framework'] === 'onnxruntime_onnx')?.tags).toMatchObject({
      model_name: 'iris',
    });
    for (const m of latency) expect(m.value).toBeGreaterThan(0);

    // Kubeflow: durations, success rate and the seed's run metrics; RUNNING run not reported.
    expect(samples('pipeline_duration').map((m) => [m.tags?.['run_id'], m.value])).toEqual([
      ['run-1', 750],
      ['run-2', 180],
    ]);
    expect(samples('step_duration').map((m) => m.tags?.['step'])).toEqual(['preprocess', 'train', 'preprocess']);
    expect(samples('success_rate').at(-1)?.value).toBe(0.5);
    expect(['accuracy', 'loss', 'f1_score'].map((n) => samples(n).map((m) => m.value))).toEqual([
      [0.93],
      [0.18],
      [0.9],
    ]);
    expect(samples('debug_metric')).toEqual([]);
    const finished = evts().filter((e) => e.event_type === 'pipeline_run_finished');
    expect(finished.map((e) => [e.data?.['run_id'], e.data?.['state'], e.severity])).toEqual([
      ['run-1', 'SUCCEEDED', 'info'],
      ['run-2', 'FAILED', 'error'],
    ]);
    // The service-account token went out as a bearer token.
    expect(
      kfp.requests
        .filter((r) => r.path === '/apis/v2beta1/runs')
        .every((r) => r.headers.authorization === 'Bearer sa-token-1'),
    ).toBe(true);

    // Model status: one event per state, then a change is one more.
    const status = () => evts().filter((e) => e.event_type === 'model_status_changed');
    expect(
      status()
        .filter((e) => e.source === 'tensorflow-serving-half_plus_two')
        .map((e) => [e.data?.['model_version'], e.data?.['state']]),
    ).toEqual([['2', 'AVAILABLE']]);
    torch.setWorkerStatus('STOPPED');
    oip.setModelReady(false);
    await pollUntil(
      () =>
        status().filter((e) => e.data?.['state'] === 'UNAVAILABLE' || e.data?.['state'] === 'NOT_READY').length >= 2,
      {
        timeoutMs: 90_000,
        description: 'not-ready events',
      },
    );
    // Not ready is news (an event), not a failed run: no probe is sent to a model without workers.
    const probesBefore = torch.inference.requests.filter((r) => r.path.startsWith('/predictions/')).length;
    const torchRuns = reports('torch').length;
    await pollUntil(() => reports('torch').length >= torchRuns + 2, {
      timeoutMs: 90_000,
      description: 'two more torch runs',
    });
    expect(reports('torch').at(-1)?.status).toBe('healthy');
    expect(torch.inference.requests.filter((r) => r.path.startsWith('/predictions/')).length).toBeLessThanOrEqual(
      probesBefore + 1,
    );
    const all = evts();
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  });

  it('wrong credentials and timeouts: degraded health with a clear message', async () => {
    await store.put('integration', 'tfs-badauth', {
      family: 'mlops',
      type: 'tfserving',
      schedule: fast,
      settings: { base_url: tfsSecured.url, auth: 'bearer', models: [{ name: 'half_plus_two' }] },
      credentials: { token: 'wrong' },
    });
    await store.put('integration', 'torch-badkey', {
      family: 'mlops',
      type: 'torchserve',
      schedule: fast,
      settings: { inference_url: torch.inference.url, management_url: torch.management.url, auth: 'token' },
      credentials: { inference_key: 'inf-key', management_key: 'nope' },
    });
    await store.put('integration', 'iris-slow', {
      family: 'mlops',
      type: 'kserve',
      schedule: { interval_ms: 1000, jitter: 0, timeout_ms: 500 },
      settings: { base_url: oipSlow.url, models: [{ name: 'iris' }] },
    });
    const kfpBad = join(tokenDir, 'stale-token');
    writeFileSync(kfpBad, 'expired');
    await store.put('integration', 'kfp-badtoken', {
      family: 'mlops',
      type: 'kubeflow',
      // Recovers without a config change (the token file is fixed): a short backoff ceiling.
      schedule: { ...fast, max_backoff_ms: 2000 },
      settings: { pipeline_endpoint: kfp.url, authentication: { type: 'service_account', token_path: kfpBad } },
    });
    const degraded = (id: string, pattern: RegExp) =>
      pollUntil(() => reports(id).find((h) => h.status === 'degraded' && pattern.test(h.message ?? '')), {
        timeoutMs: 90_000,
        description: `${id} degraded with ${pattern}`,
      });
    await degraded(
      'tfs-badauth',
      /^auth_failed: authentication rejected by GET http:\/\/127\.0\.0\.1:\d+\/v1\/models\/half_plus_two \(HTTP 401\)/,
    );
    await degraded('torch-badkey', /^auth_failed: TorchServe management API rejected the management key/);
    await degraded(
      'iris-slow',
      /^timeout: GET http:\/\/127\.0\.0\.1:\d+\/v2\/health\/live did not answer within 450 ms/,
    );
    await degraded('kfp-badtoken', /^auth_failed: .*\(HTTP 401\).*Unauthenticated/);

    // Invalid resources: reported once per revision, never polled; other families ignored.
    await store.put('integration', 'bad-type', { family: 'mlops', type: 'sagemaker', settings: {} });
    await store.put('integration', 'bad-settings', {
      family: 'mlops',
      type: 'tfserving',
      settings: { base_url: 'nope', models: [] },
    });
    await store.put('integration', 'other-family', { family: 'cloud', type: 'cloudwatch', settings: {} });
    await degraded(
      'bad-type',
      /^invalid_config: unknown connector type "sagemaker" \(this service offers kserve, kubeflow, mlflow, tfserving, torchserve, triton\)/,
    );
    await degraded('bad-settings', /^invalid_config: settings\.base_url: .*settings\.models: /);
    expect(reports('bad-type')).toHaveLength(1);
    expect(reports('other-family')).toHaveLength(0);

    // Fixed live (no restart): the next runs are healthy.
    writeFileSync(kfpBad, 'sa-token-1');
    await store.put('integration', 'tfs-badauth', {
      family: 'mlops',
      type: 'tfserving',
      schedule: fast,
      settings: { base_url: tfsSecured.url, auth: 'bearer', models: [{ name: 'half_plus_two' }] },
      credentials: { token: 'right' },
    });
    for (const id of ['tfs-badauth', 'kfp-badtoken']) {
      await pollUntil(() => reports(id).at(-1)?.status === 'healthy', {
        timeoutMs: 120_000,
        description: `${id} healthy again`,
      }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; last: ${JSON.stringify(reports(id).at(-1))}`);
      });
    }
    // Removed live: no longer polled.
    await store.delete('integration', 'iris-slow');
    const runtime = service.app.get(ConnectorRuntime);
    await pollUntil(() => !runtime.ownedIntegrations().includes('iris-slow'), {
      timeoutMs: 10_000,
      description: 'iris-slow stopped',
    });
  });

  it('answers test-connection and sync-now commands, once per command id', async () => {
    const command = (id: string, target: string, action: string) => ({
      key: target,
      value: JSON.stringify({ id, target, action, issued_by: 'cli:ops', timestamp: Date.now() }),
    });
    const results = (id: string) =>
      evts().filter((e) => e.event_type === 'integration.command_result' && e.data?.['command_id'] === id);
    await store.put('integration', 'tfs-disabled', {
      family: 'mlops',
      type: 'tfserving',
      enabled: false,
      settings: { base_url: tfs.url, models: [{ name: 'half_plus_two' }] },
    });
    await ctx.produce('commands', [
      command('cmd-test-1', 'torch-badkey', 'test-connection'),
      command('cmd-test-disabled', 'tfs-disabled', 'test-connection'),
      command('cmd-sync-disabled', 'tfs-disabled', 'sync-now'),
    ]);
    await ctx.produce('commands', [command('cmd-sync-1', 'tfs', 'sync-now'), command('cmd-sync-1', 'tfs', 'sync-now')]);
    await ctx.produce('commands', [command('cmd-other', 'some-alert', 'acknowledge')]);
    await pollUntil(() => results('cmd-test-1').length >= 1 && results('cmd-sync-1').length >= 2, {
      timeoutMs: 120_000,
      description: 'command results',
    }).catch((error: unknown) => {
      const got = evts()
        .filter((e) => e.event_type === 'integration.command_result')
        .map((e) => e.id);
      throw new Error(`${(error as Error).message}; results so far: ${got.join(', ')}`);
    });
    expect(results('cmd-test-1')[0]?.data).toMatchObject({
      action: 'test-connection',
      integration_id: 'torch-badkey',
      outcome: 'failure',
      status: 'degraded',
    });
    expect(String(results('cmd-test-1')[0]?.data?.['message'])).toMatch(/rejected the management key/);
    // Delivered twice: one sync, the second delivery only repeats the stored result (same id).
    const sync = results('cmd-sync-1');
    expect(new Set(sync.map((e) => e.id))).toEqual(new Set(['cmd-sync-1.result']));
    expect(sync[0]?.data).toMatchObject({ action: 'sync-now', outcome: 'success', status: 'healthy' });
    const done = await (
      await ctx.mongo()
    )
      .db(ctx.database)
      .collection('connector_commands')
      .countDocuments({ _id: 'cmd-sync-1' as never });
    expect(done).toBe(1);
    expect(evts().filter((e) => e.data?.['command_id'] === 'cmd-other')).toEqual([]);
    // A disabled integration is not polled, but can be tested; syncing it says why not.
    await pollUntil(() => results('cmd-test-disabled').length >= 1 && results('cmd-sync-disabled').length >= 1, {
      timeoutMs: 120_000,
      description: 'results for the disabled integration',
    }).catch((error: unknown) => {
      const got = evts()
        .filter((e) => e.event_type === 'integration.command_result')
        .map((e) => e.id);
      throw new Error(`${(error as Error).message}; results so far: ${got.join(', ')}`);
    });
    expect(results('cmd-test-disabled')[0]?.data).toMatchObject({ outcome: 'success', status: 'healthy' });
    expect(String(results('cmd-test-disabled')[0]?.data?.['message'])).toMatch(
      /TensorFlow Serving serves half_plus_two/,
    );
    expect(results('cmd-sync-disabled')[0]?.data).toMatchObject({
      outcome: 'failure',
      message: 'not synced: the integration is disabled',
    });
    expect(reports('tfs-disabled')).toEqual([]);
    expect(service.app.get(ConnectorRuntime).ownedIntegrations()).not.toContain('tfs-disabled');
  });
});
