import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigStore } from '@airis/config-store';
import { SecretBox } from '@airis/security';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, freePort, pollUntil } from '@airis/testing';
import { webhookReceiverService } from './service';
import { type ExternalProcess, startProcess, waitForHttp } from './test-support/external-process';

/*
 * A real Prometheus Alertmanager 0.25 (Debian package) on loopback, its webhook receiver
 * pointing at the service with a bearer token: a firing alert and then its resolution arrive
 * as events on airis.events.v1.
 */
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

describe('Alertmanager → webhook receiver', () => {
  let ctx: TestContext;
  let service: RunningService;
  let alertmanager: ExternalProcess;
  let events: TopicCollector;
  let amUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'airis-am-'));

  beforeAll(async () => {
    ctx = createTestContext('wh-alertmanager');
    await ctx.createTopics();
    service = await startService(
      webhookReceiverService(ctx.serviceEnv({ AIRIS_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') })),
    );
    const box = service.app.get(SecretBox);
    // pollUntil retries: a freshly created topic may still be electing its leader on a busy broker.
    await pollUntil(async () => {
      await service.app.get(ConfigStore).put('webhook-source', 'am', {
        provider: 'alertmanager',
        secrets: [box.seal('am-bearer-token')],
        alertmanager: { auth: 'bearer' },
        event_source: 'prometheus-prod',
      });
      return true;
    });
    events = await ctx.collect('events');

    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: airis',
        "  group_by: ['alertname']",
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: airis',
        '    webhook_configs:',
        `      - url: ${service.url}/webhooks/am`,
        '        send_resolved: true',
        '        http_config:',
        '          authorization:',
        '            type: Bearer',
        '            credentials: am-bearer-token',
        '',
      ].join('\n'),
    );
    alertmanager = startProcess(ALERTMANAGER, [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    await waitForHttp(alertmanager, `${amUrl}/-/ready`, 30_000);
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await service?.close();
    await ctx?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const postAlerts = async (alerts: unknown[]): Promise<void> => {
    const response = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    expect(response.status).toBe(200);
  };

  it('delivers a firing and then a resolved alert as events', async () => {
    const startsAt = new Date(Date.now() - 10_000).toISOString();
    const alert = {
      labels: { alertname: 'ModelLatencyHigh', severity: 'critical', model: 'resnet50', job: 'tf-serving' },
      annotations: { summary: 'p99 latency above 500 ms', runbook_url: 'https://runbooks.example.test/latency' },
      startsAt,
      generatorURL: 'http://prometheus.example.test/graph',
    };
    await postAlerts([alert]);
    const firing = await pollUntil(
      () => {
        const found = events.records.map((r) => JSON.parse(r.value ?? '{}') as Record<string, unknown>);
        return found.length >= 1 && found;
      },
      { timeoutMs: 60_000, description: `the firing event (alertmanager output: ${alertmanager.output()})` },
    );
    expect(firing[0]).toMatchObject({
      source: 'prometheus-prod',
      event_type: 'alertmanager.alert',
      severity: 'critical',
      data: {
        status: 'firing',
        alertname: 'ModelLatencyHigh',
        labels: alert.labels,
        annotations: alert.annotations,
        receiver: 'airis',
        starts_at: expect.stringMatching(/^\d{4}-/),
      },
    });
    const fingerprint = (firing[0]!['data'] as Record<string, unknown>)['fingerprint'];
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);

    // Resolving: the same alert with endsAt in the past.
    await postAlerts([{ ...alert, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    const all = await pollUntil(
      () => {
        const found = events.records.map((r) => JSON.parse(r.value ?? '{}') as Record<string, unknown>);
        return found.some((e) => (e['data'] as Record<string, unknown>)['status'] === 'resolved') && found;
      },
      { timeoutMs: 60_000, description: 'the resolved event' },
    );
    const resolved = all.find((e) => (e['data'] as Record<string, unknown>)['status'] === 'resolved');
    expect(resolved).toMatchObject({
      event_type: 'alertmanager.alert',
      severity: 'info',
      data: { status: 'resolved', fingerprint, alertname: 'ModelLatencyHigh' },
    });
    // Every firing notification for this alert is one event; duplicates would share an id.
    const ids = all.map((e) => e['id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses a sender without the bearer token', async () => {
    const response = await fetch(`${service.url}/webhooks/am`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' },
      body: '{"version":"4","alerts":[]}',
    });
    expect(response.status).toBe(401);
  });
});
