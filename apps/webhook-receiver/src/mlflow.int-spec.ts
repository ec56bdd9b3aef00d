import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '@airis/config-store';
import { SecretBox } from '@airis/security';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, freePort, pollUntil } from '@airis/testing';
import { DeliveryStore } from './deliveries/delivery.store';
import { webhookReceiverService } from './service';
import { type ExternalProcess, startProcess, waitForHttp } from './test-support/external-process';

/*
 * A real MLflow 3.x tracking server (SQLite backend) with a webhook registered through its REST
 * API: creating a registered model and a model version produces signed deliveries
 * (X-MLflow-Signature v1) that verify and become model lifecycle events. The stored delivery
 * posted again is a duplicate: one event.
 */
describe('MLflow webhooks → webhook receiver', () => {
  let ctx: TestContext;
  let service: RunningService;
  let mlflow: ExternalProcess;
  let events: TopicCollector;
  let mlflowUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'airis-mlflow-'));
  const model = `fraud-detector-${randomBytes(3).toString('hex')}`;

  const api = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${mlflowUrl}/api/2.0/mlflow/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`MLflow ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };

  beforeAll(async () => {
    ctx = createTestContext('wh-mlflow');
    await ctx.createTopics();
    const port = await freePort();
    mlflowUrl = `http://127.0.0.1:${port}`;
    // Started first: it takes 20-40 s, the service starts meanwhile.
    mlflow = startProcess(
      'mlflow',
      [
        'server',
        '--workers',
        '1',
        '--backend-store-uri',
        `sqlite:///${join(dir, 'mlflow.db')}`,
        '--default-artifact-root',
        join(dir, 'artifacts'),
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
      ],
      {
        // Webhooks to a loopback http URL are refused by default (SSRF guard, https only).
        MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: 'true',
        MLFLOW_WEBHOOK_ALLOWED_SCHEMES: 'http,https',
        // Webhook secrets are encrypted at rest with this Fernet key.
        MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: `${randomBytes(32).toString('base64url')}=`,
      },
    );
    service = await startService(
      webhookReceiverService(ctx.serviceEnv({ AIRIS_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') })),
    );
    const box = service.app.get(SecretBox);
    // pollUntil retries: a freshly created topic may still be electing its leader on a busy broker.
    await pollUntil(async () => {
      await service.app.get(ConfigStore).put('webhook-source', 'mlflow-prod', {
        provider: 'mlflow',
        secrets: [box.seal('mlflow-webhook-secret')],
      });
      return true;
    });
    events = await ctx.collect('events');
    await waitForHttp(mlflow, `${mlflowUrl}/health`, 150_000);
  }, 180_000);

  afterAll(async () => {
    await mlflow?.stop();
    await service?.close();
    await ctx?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a model version created in MLflow arrives verified as a model lifecycle event, once', async () => {
    await api('webhooks', {
      name: 'airis-mon',
      url: `${service.url}/webhooks/mlflow-prod`,
      events: [
        { entity: 'REGISTERED_MODEL', action: 'CREATED' },
        { entity: 'MODEL_VERSION', action: 'CREATED' },
      ],
      secret: 'mlflow-webhook-secret',
    });
    await api('registered-models/create', { name: model });
    const run = (await api('runs/create', { experiment_id: '0' }))['run'] as { info: { run_id: string } };
    const runId = run.info.run_id;
    await api('model-versions/create', { name: model, source: `runs:/${runId}/model`, run_id: runId });

    const source = `mlflow-${model}`;
    const found = await pollUntil(
      () => {
        const mine = events.records
          .filter((r) => r.key === source)
          .map((r) => JSON.parse(r.value ?? '{}') as Record<string, unknown>);
        return mine.some((e) => e['event_type'] === 'model_version_status') && mine;
      },
      { timeoutMs: 60_000, description: `the model version event (mlflow output: ${mlflow.output().slice(-2000)})` },
    );
    const version = found.find((e) => e['event_type'] === 'model_version_status');
    expect(version).toMatchObject({
      source,
      severity: 'info',
      data: {
        lifecycle_event: 'model_version.created',
        model_name: model,
        version: '1',
        run_id: runId,
        status: 'CREATED',
        stage: null,
        tags: {},
        model_source: `runs:/${runId}/model`,
        delivery_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
    expect(found.find((e) => e['event_type'] === 'registered_model_created')).toMatchObject({
      data: { lifecycle_event: 'registered_model.created', model_name: model },
    });

    // The same delivery posted again (as MLflow's retry would): a duplicate, no new event.
    const deliveryId = (version!['data'] as Record<string, unknown>)['delivery_id'] as string;
    const stored = await service.app.get(DeliveryStore).find(`mlflow-prod/${deliveryId}`);
    expect(stored?.headers['x-mlflow-signature']).toMatch(/^v1,/);
    const again = await fetch(`${service.url}/webhooks/mlflow-prod`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mlflow-delivery-id': stored!.headers['x-mlflow-delivery-id']!,
        'x-mlflow-timestamp': stored!.headers['x-mlflow-timestamp']!,
        'x-mlflow-signature': stored!.headers['x-mlflow-signature']!,
      },
      body: stored!.body,
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', delivery_id: deliveryId });
    // A tampered copy of the real delivery fails verification.
    const tampered = await fetch(`${service.url}/webhooks/mlflow-prod`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mlflow-delivery-id': stored!.headers['x-mlflow-delivery-id']!,
        'x-mlflow-timestamp': stored!.headers['x-mlflow-timestamp']!,
        'x-mlflow-signature': stored!.headers['x-mlflow-signature']!,
      },
      body: stored!.body.replace('"1"', '"2"'),
    });
    expect(tampered.status).toBe(401);

    // Later records on the same key show nothing else arrived for the version.
    await api('model-versions/create', { name: model, source: `runs:/${runId}/model`, run_id: runId });
    const after = await pollUntil(() => {
      const mine = events.records
        .filter((r) => r.key === source)
        .map((r) => JSON.parse(r.value ?? '{}') as Record<string, unknown>);
      return mine.filter((e) => e['event_type'] === 'model_version_status').length >= 2 && mine;
    });
    const versions = after
      .filter((e) => e['event_type'] === 'model_version_status')
      .map((e) => (e['data'] as Record<string, unknown>)['version']);
    expect(versions).toEqual(['1', '2']);
  });
});
