import { randomBytes } from 'node:crypto';
import type { EventDto, HealthReportDto, MetricBatchDto } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { SecretBox } from '@airis/security';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, freePort, pollUntil } from '@airis/testing';
import { mlopsService } from '../../service';
import { type MlflowProcess, startMlflow } from '../../testing/mlflow-process';

/*
 * Acceptance: a real MLflow 3.x tracking server (SQLite backend, started here), the real broker
 * and FerretDB. Registering a model, adding versions, moving an alias and changing a stage give
 * the right events once each; a restarted connector re-emits nothing (checkpoints in MongoDB).
 */
jest.setTimeout(600_000);

const MASTER_KEY = randomBytes(32).toString('base64');

describe('connector-mlops against a real MLflow tracking server', () => {
  let ctx: TestContext;
  let mlflow: MlflowProcess;
  let service: RunningService | undefined;
  let events: TopicCollector;
  let health: TopicCollector;
  let metrics: TopicCollector;

  const start = async (): Promise<RunningService> =>
    startService(
      mlopsService(
        ctx.serviceEnv({
          AIRIS_MASTER_KEY: MASTER_KEY,
          CONNECTOR_SESSION_TIMEOUT_MS: '6000',
          CONNECTOR_HEARTBEAT_INTERVAL_MS: '500',
          CONNECTOR_HTTP_TIMEOUT_MS: '30000',
        }),
      ),
    );

  const parsed = (): EventDto[] => events.records.map((r) => JSON.parse(r.value ?? 'null') as EventDto);
  const reports = (): HealthReportDto[] =>
    health.records.map((r) => JSON.parse(r.value ?? 'null') as HealthReportDto).filter((h) => h.kind === 'integration');

  beforeAll(async () => {
    ctx = createTestContext('mlflow');
    await ctx.createTopics();
    mlflow = await startMlflow(await freePort());
    events = await ctx.collect('events');
    health = await ctx.collect('health');
    metrics = await ctx.collect('metrics');
  });

  afterAll(async () => {
    await service?.close();
    await mlflow?.stop();
    await ctx?.cleanup();
  });

  it('emits registry changes once each and nothing again after a restart', async () => {
    await mlflow.call('POST', 'registered-models/create', { name: 'fraud.detector' });
    await mlflow.call('POST', 'model-versions/create', {
      name: 'fraud.detector',
      source: 's3://models/fraud/1',
      run_id: '',
    });
    await mlflow.call('POST', 'model-versions/create', { name: 'fraud.detector', source: 's3://models/fraud/2' });
    await mlflow.call('POST', 'registered-models/alias', { name: 'fraud.detector', alias: 'champion', version: '1' });
    const { experiment_id } = await mlflow.call<{ experiment_id: string }>('POST', 'experiments/create', {
      name: 'churn-training',
    });
    const finishedRun = async (name: string, accuracy: number): Promise<string> => {
      const { run } = await mlflow.call<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {
        experiment_id,
        run_name: name,
        start_time: Date.now() - 60_000,
      });
      const runId = run.info.run_id;
      await mlflow.call('POST', 'runs/log-batch', {
        run_id: runId,
        metrics: [
          { key: 'accuracy', value: accuracy, timestamp: Date.now(), step: 1 },
          { key: 'loss', value: 1 - accuracy, timestamp: Date.now(), step: 1 },
        ],
      });
      await mlflow.call('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
      return runId;
    };
    const run1 = await finishedRun('baseline', 0.91);

    service = await start();
    const box = SecretBox.fromBase64(MASTER_KEY);
    await service.app.get(ConfigStore).put('integration', 'mlflow-main', {
      family: 'mlops',
      type: 'mlflow',
      // A busy CI machine can slow MLflow down: short backoff so a slow spell does not outlast the test.
      schedule: { interval_ms: 1000, jitter: 0, max_backoff_ms: 2000, timeout_ms: 60_000 },
      // MLflow without auth ignores the header; the sealed token proves the reveal path.
      settings: { tracking_uri: mlflow.url, auth: 'bearer', experiments: ['churn-training'] },
      credentials: { token: box.seal('mlflow-token') },
    });

    const ofType = (type: string) => parsed().filter((e) => e.event_type === type);
    await pollUntil(() => ofType('model_version_status').length >= 2 && ofType('model_alias_changed').length >= 1, {
      timeoutMs: 150_000,
      description: 'initial registry events',
    }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; last health: ${JSON.stringify(reports().at(-1))}`);
    });

    // Live changes: a third version, the alias moves to 2, version 2 goes to Staging.
    await mlflow.call('POST', 'model-versions/create', { name: 'fraud.detector', source: 's3://models/fraud/3' });
    await mlflow.call('POST', 'registered-models/alias', { name: 'fraud.detector', alias: 'champion', version: '2' });
    await mlflow.call('POST', 'model-versions/transition-stage', {
      name: 'fraud.detector',
      version: '2',
      stage: 'Staging',
      archive_existing_versions: false,
    });
    await pollUntil(() => ofType('model_version_status').length >= 4 && ofType('model_alias_changed').length >= 2, {
      timeoutMs: 120_000,
      description: 'live registry events',
    });
    // Several more polls happen with nothing new.
    const healthyRuns = () => reports().filter((h) => h.component === 'mlflow-main' && h.status === 'healthy').length;
    const runsNow = healthyRuns();
    await pollUntil(() => healthyRuns() >= runsNow + 3, { timeoutMs: 120_000, description: 'three more runs' });

    const all = parsed();
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(ofType('registered_model_created').map((e) => e.data?.['model_name'])).toEqual(['fraud.detector']);
    const versions = ofType('model_version_status').map((e) => e.data ?? {});
    expect(versions.map((v) => [v['version'], v['stage']])).toEqual([
      ['1', 'None'],
      ['2', 'None'],
      ['3', 'None'],
      ['2', 'Staging'],
    ]);
    // The seed's fields.
    for (const v of versions) {
      expect(Object.keys(v)).toEqual(
        expect.arrayContaining([
          'model_name',
          'version',
          'stage',
          'status',
          'creation_timestamp',
          'last_updated_timestamp',
          'run_id',
          'tags',
        ]),
      );
      expect(v['status']).toBe('READY');
    }
    expect(ofType('model_version_status')[0]?.source).toBe('mlflow-fraud.detector');
    expect(
      ofType('model_alias_changed').map((e) => [e.data?.['alias'], e.data?.['previous_version'], e.data?.['version']]),
    ).toEqual([
      ['champion', null, '1'],
      ['champion', '1', '2'],
    ]);
    const lastHealthy = reports()
      .filter((h) => h.status === 'healthy')
      .at(-1);
    expect(lastHealthy).toMatchObject({ component: 'mlflow-main', kind: 'integration', items: 0 });
    expect(lastHealthy?.latency_ms).toBeGreaterThan(0);

    // Metrics of the finished run, once.
    const runBatches = () =>
      metrics.records
        .map((r) => JSON.parse(r.value ?? 'null') as MetricBatchDto)
        .filter((b) => b.source === 'mlflow-experiment-churn-training');
    expect(runBatches()).toHaveLength(1);
    expect(runBatches()[0]?.metrics.map((m) => [m.name, m.tags?.['run_id']])).toEqual([
      ['accuracy', run1],
      ['loss', run1],
      ['run_duration', run1],
    ]);
    expect(runBatches()[0]?.metrics[0]?.value).toBe(0.91);

    // Restart: the new process continues from the MongoDB checkpoint and re-emits nothing.
    const before = events.records.length;
    await service.close();
    service = await start();
    const instance = service.app.get(ConfigStore).get('integration', 'mlflow-main');
    expect(instance?.revision).toBe(1);
    const reportsBefore = reports().length;
    await pollUntil(
      () =>
        reports()
          .slice(reportsBefore)
          .filter((h) => h.status === 'healthy').length >= 3,
      {
        timeoutMs: 120_000,
        description: 'three runs after the restart',
      },
    );
    expect(events.records.length).toBe(before);
    expect(runBatches()).toHaveLength(1);

    // And a change after the restart is picked up exactly once.
    await mlflow.call('POST', 'model-versions/create', { name: 'fraud.detector', source: 's3://models/fraud/4' });
    await pollUntil(() => ofType('model_version_status').some((e) => e.data?.['version'] === '4'), {
      timeoutMs: 120_000,
      description: 'version 4',
    });
    const afterRuns = reports().length;
    await pollUntil(
      () =>
        reports()
          .slice(afterRuns)
          .filter((h) => h.status === 'healthy').length >= 2,
      {
        timeoutMs: 120_000,
        description: 'two more runs',
      },
    );
    expect(ofType('model_version_status').filter((e) => e.data?.['version'] === '4')).toHaveLength(1);

    // A run finished after the restart: one more batch, for that run only.
    const run2 = await finishedRun('tuned', 0.94);
    await pollUntil(() => runBatches().length >= 2, { timeoutMs: 120_000, description: 'second run batch' });
    const runsNow2 = reports().length;
    await pollUntil(
      () =>
        reports()
          .slice(runsNow2)
          .filter((h) => h.status === 'healthy').length >= 2,
      {
        timeoutMs: 120_000,
        description: 'two more runs',
      },
    );
    expect(runBatches().map((b) => b.metrics[0]?.tags?.['run_id'])).toEqual([run1, run2]);
  });
});
