import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertDto, CommandDto, WebhookSourceSpecDto } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { SecretBox } from '@airis/security';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, pollUntil } from '@airis/testing';
import { type Claim, type ClaimResult, DeliveryStore } from './deliveries/delivery.store';
import { webhookReceiverService } from './service';

/*
 * The receiver on the real broker and FerretDB: sources from airis.config.v1, verified
 * deliveries to airis.events.v1 / metrics / commands, refusals to airis.audit.v1, Slack's
 * response_url faked by a local server that checks the documented message shape.
 */

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

const parse = (value: string | null): Record<string, unknown> => JSON.parse(value ?? 'null') as Record<string, unknown>;

describe('webhook receiver', () => {
  let ctx: TestContext;
  let service: RunningService;
  let config: ConfigStore;
  let box: SecretBox;
  let events: TopicCollector;
  let metrics: TopicCollector;
  let commands: TopicCollector;
  let audit: TopicCollector;
  let slackServer: Server;
  let slackUrl: string;
  const slackCalls: { path: string; body: Record<string, unknown> }[] = [];
  const masterKey = randomBytes(32).toString('base64');

  const putSource = async (
    id: string,
    spec: Omit<Partial<WebhookSourceSpecDto>, 'secrets'> & { secrets: string[] },
  ): Promise<void> => {
    // pollUntil retries: a freshly created topic may still be electing its leader on a busy broker.
    await pollUntil(async () => {
      await config.put('webhook-source', id, { ...spec, secrets: spec.secrets.map((s) => box.seal(s)) });
      return true;
    });
  };

  const post = async (sourceId: string, body: string, headers: Record<string, string>): Promise<Reply> => {
    const response = await fetch(`${service.url}/webhooks/${sourceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Slack answers are empty
    }
    return { status: response.status, headers: response.headers, text, json };
  };

  const github = (secret: string, body: string, delivery: string, event = 'workflow_run'): Record<string, string> => ({
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  });

  const workflowRun = (repo: string, marker: string): string =>
    JSON.stringify({
      action: 'completed',
      workflow_run: {
        id: 42,
        name: 'train-model',
        status: 'completed',
        conclusion: 'failure',
        head_branch: 'main',
        created_at: '2026-11-20T10:00:00Z',
        updated_at: '2026-11-20T10:05:30Z',
        actor: { login: 'octocat' },
        html_url: `https://github.com/${repo}/actions/runs/42?m=${marker}`,
      },
      repository: { full_name: repo },
      sender: { login: 'octocat' },
    });

  const eventsOf = (source: string): Record<string, unknown>[] =>
    events.records.filter((r) => r.key === source).map((r) => parse(r.value));

  beforeAll(async () => {
    ctx = createTestContext('webhook-receiver');
    await ctx.createTopics();
    slackServer = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        slackCalls.push({ path: req.url ?? '', body: parse(raw) });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => slackServer.listen(0, '127.0.0.1', resolve));
    slackUrl = `http://127.0.0.1:${(slackServer.address() as AddressInfo).port}`;
    service = await startService(
      webhookReceiverService(
        ctx.serviceEnv({
          AIRIS_MASTER_KEY: masterKey,
          WEBHOOK_SLACK_RESPONSE_URL_PATTERN: '^http://127\\.0\\.0\\.1:',
        }),
      ),
    );
    config = service.app.get(ConfigStore);
    box = service.app.get(SecretBox);
    [events, metrics, commands, audit] = await Promise.all([
      ctx.collect('events'),
      ctx.collect('metrics'),
      ctx.collect('commands'),
      ctx.collect('audit'),
    ]);
  });

  afterAll(async () => {
    await service?.close();
    await new Promise((resolve) => slackServer?.close(resolve));
    await ctx?.cleanup();
  });

  it('answers 404 alike for an unknown, a disabled and a malformed source', async () => {
    await putSource('gh-off', { provider: 'github', secrets: ['s'], enabled: false });
    const unknown = await post('no-such-source', '{}', {});
    const disabled = await post('gh-off', '{}', {});
    const malformed = await post('bad%20id', '{}', {});
    expect(unknown.status).toBe(404);
    expect(disabled.status).toBe(404);
    expect(malformed.status).toBe(404);
    expect(disabled.text).toBe(unknown.text);
    expect(malformed.text).toBe(unknown.text);
  });

  it('GitHub: a completed workflow run posted twice gives one event and one workflow_duration metric', async () => {
    await putSource('gh', { provider: 'github', secrets: ['gh-secret'] });
    const body = workflowRun('acme/models', 'twice');
    const headers = github('gh-secret', body, 'delivery-twice');
    const first = await post('gh', body, headers);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ status: 'accepted', delivery_id: 'delivery-twice', events: 1, metrics: 1 });
    const second = await post('gh', body, headers);
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ status: 'duplicate' });

    await pollUntil(() => eventsOf('github-acme/models').length >= 1 && metrics.records.length >= 1);
    // A later delivery on the same key (same partition) proves nothing else is coming.
    const marker = workflowRun('acme/models', 'after');
    expect((await post('gh', marker, github('gh-secret', marker, 'delivery-after'))).status).toBe(200);
    await pollUntil(() => eventsOf('github-acme/models').length >= 2);
    const runs = eventsOf('github-acme/models');
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({
      event_type: 'github.workflow_run.completed',
      severity: 'error',
      data: { workflow: 'train-model', conclusion: 'failure', delivery_id: 'delivery-twice' },
    });
    await pollUntil(() => metrics.records.length >= 2);
    expect(metrics.records).toHaveLength(2);
    expect(parse(metrics.records[0]!.value)).toMatchObject({
      source: 'github-acme/models',
      timestamp: Date.parse('2026-11-20T10:00:00Z'),
      metrics: [
        {
          name: 'workflow_duration',
          value: 330,
          unit: 'seconds',
          tags: {
            repository: 'acme/models',
            workflow: 'train-model',
            status: 'completed',
            conclusion: 'failure',
            branch: 'main',
            actor: 'octocat',
          },
        },
      ],
    });
  });

  it('a failed verification answers 401, publishes nothing and records an audit event', async () => {
    await putSource('gh-audit', { provider: 'github', secrets: ['right'] });
    const forged = workflowRun('acme/audit', 'forged');
    const refused = await post('gh-audit', forged, github('wrong', forged, 'delivery-forged'));
    expect(refused.status).toBe(401);
    const missing = await post('gh-audit', forged, { 'x-github-event': 'workflow_run' });
    expect(missing.status).toBe(401);

    const denied = await pollUntil(() => {
      const found = audit.records.map((r) => parse(r.value)).filter((a) => a['target'] === 'webhook-source/gh-audit');
      return found.length >= 2 && found;
    });
    expect(denied.map((a) => a['reason']).sort()).toEqual(['X-Hub-Signature-256 header missing', 'signature mismatch']);
    expect(denied[0]).toMatchObject({
      actor: 'webhook-source:gh-audit',
      action: 'webhook.verify',
      outcome: 'denied',
      service: 'webhook-receiver',
      source_ip: '127.0.0.1',
    });
    const good = workflowRun('acme/audit', 'good');
    expect((await post('gh-audit', good, github('right', good, 'delivery-good'))).status).toBe(200);
    await pollUntil(() => eventsOf('github-acme/audit').length >= 1);
    expect(eventsOf('github-acme/audit')).toHaveLength(1);
    expect(JSON.stringify(eventsOf('github-acme/audit'))).not.toContain('forged');
  });

  it('follows secret rotation live: either secret during rotation, only the new one after', async () => {
    await putSource('gh-rot', { provider: 'github', secrets: ['old'] });
    const body = (n: string): string => workflowRun('acme/rot', n);
    expect((await post('gh-rot', body('1'), github('old', body('1'), 'rot-1'))).status).toBe(200);
    await putSource('gh-rot', { provider: 'github', secrets: ['new', 'old'] });
    expect((await post('gh-rot', body('2'), github('old', body('2'), 'rot-2'))).status).toBe(200);
    expect((await post('gh-rot', body('3'), github('new', body('3'), 'rot-3'))).status).toBe(200);
    await putSource('gh-rot', { provider: 'github', secrets: ['new'] });
    expect((await post('gh-rot', body('4'), github('old', body('4'), 'rot-4'))).status).toBe(401);
    expect((await post('gh-rot', body('5'), github('new', body('5'), 'rot-5'))).status).toBe(200);
  });

  it('applies the CIDR allow-list (through a trusted proxy header) and the per-source rate limit', async () => {
    const body = '{"event_type":"build","severity":"warning"}';
    const sign = (secret: string): Record<string, string> => ({
      'x-signature': createHmac('sha256', secret).update(body).digest('hex'),
    });
    await putSource('gen-cidr', { provider: 'generic-hmac', secrets: ['k'], allowed_cidrs: ['10.0.0.0/8'] });
    const direct = await post('gen-cidr', body, sign('k'));
    expect(direct.status).toBe(404);
    await putSource('gen-cidr', {
      provider: 'generic-hmac',
      secrets: ['k'],
      allowed_cidrs: ['10.0.0.0/8'],
      trusted_proxy_header: 'X-Forwarded-For',
    });
    const spoofed = await post('gen-cidr', body, { ...sign('k'), 'x-forwarded-for': '10.9.9.9, 192.0.2.7' });
    expect(spoofed.status).toBe(404);
    const proxied = await post('gen-cidr', body, { ...sign('k'), 'x-forwarded-for': '192.0.2.7, 10.1.2.3' });
    expect(proxied.status).toBe(200);

    await putSource('gen-rate', { provider: 'generic-hmac', secrets: ['k'], rate_limit_per_minute: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const b = `{"event_type":"build","n":${i}}`;
      const r = await post('gen-rate', b, { 'x-signature': createHmac('sha256', 'k').update(b).digest('hex') });
      statuses.push(r.status);
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('a verified body the provider does not document is a 400 with field errors', async () => {
    await putSource('mlf', { provider: 'mlflow', secrets: ['m'] });
    const body = '{"entity":"model_version","action":"created"}';
    const id = randomUUID();
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v1,${createHmac('sha256', 'm').update(`${id}.${ts}.${body}`).digest('base64')}`;
    const r = await post('mlf', body, {
      'x-mlflow-delivery-id': id,
      'x-mlflow-timestamp': ts,
      'x-mlflow-signature': signature,
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_payload', errors: [{ field: 'data' }] });
  });

  it('Slack Acknowledge: command at once, message updated through response_url once the alert is acknowledged', async () => {
    await putSource('slack', { provider: 'slack', secrets: ['slack-signing'] });
    const payload = {
      type: 'block_actions',
      token: 'legacy-verification-token',
      user: { id: 'U1', username: 'alice' },
      channel: { id: 'C1' },
      container: { message_ts: '1700000000.0001', channel_id: 'C1' },
      trigger_id: '123.456.abc',
      response_url: `${slackUrl}/actions/T1/1/xyz`,
      actions: [{ action_id: 'ack_alert_a-42', type: 'button', action_ts: '1700000001.0001' }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': `v0=${createHmac('sha256', 'slack-signing').update(`v0:${ts}:${body}`).digest('hex')}`,
    };
    const started = Date.now();
    const r = await post('slack', body, headers);
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(Date.now() - started).toBeLessThan(3000);

    const [command] = await pollUntil(() => {
      const found = commands.records.filter((c) => c.key === 'a-42');
      return found.length > 0 && found;
    });
    expect(parse(command!.value)).toMatchObject({
      target: 'a-42',
      action: 'acknowledge',
      issued_by: 'slack:alice',
      params: { via: 'slack', user: 'alice', channel: 'C1' },
    });
    expect(slackCalls).toHaveLength(0);

    // What the router publishes once it applied the command; delivered twice.
    const alert: AlertDto = {
      id: 'a-42',
      fingerprint: 'fp-a-42',
      name: 'GPU memory high',
      status: 'acknowledged',
      severity: 'critical',
      description: 'gpu memory above 95%',
      source: 'tf-serving',
      alert_type: 'threshold',
      labels: { model: 'resnet' },
      timestamp: Date.now() - 60_000,
      updated_at: Date.now(),
      acknowledged_by: 'slack:alice',
    };
    await ctx.produce('alerts', [
      { key: alert.fingerprint, value: JSON.stringify({ ...alert, status: 'firing' }) },
      { key: alert.fingerprint, value: JSON.stringify(alert) },
      { key: alert.fingerprint, value: JSON.stringify(alert) },
    ]);
    await pollUntil(() => slackCalls.length >= 1);
    expect(slackCalls[0]).toMatchObject({
      path: '/actions/T1/1/xyz',
      body: { replace_original: true, text: expect.stringContaining('acknowledged by slack:alice') },
    });
    // Same key: a later record on the partition shows the duplicate was handled, with no second call.
    await ctx.produce('alerts', [{ key: alert.fingerprint, value: JSON.stringify({ ...alert, id: 'other' }) }]);
    const mongo = (await ctx.mongo()).db(ctx.database).collection('slack_pending_updates');
    await pollUntil(async () => (await mongo.findOne({ alert_id: 'a-42' }))?.['state'] === 'sent');
    expect(slackCalls).toHaveLength(1);

    // The stored payload is redacted: Slack's legacy verification token is not kept.
    const key = `slack/${createHash('sha256').update(body).digest('hex')}`;
    const raw = await (await ctx.mongo()).db(ctx.database).collection<{ _id: string }>('webhook_deliveries').findOne({
      _id: key,
    });
    expect(raw).not.toBeNull();
    expect(JSON.stringify(raw)).not.toContain('legacy-verification-token');
    const stored = await service.app.get(DeliveryStore).find(key);
    expect(stored?.body).toContain('REDACTED');
    expect(stored?.body).not.toContain('legacy-verification-token');
  });

  it('PagerDuty: incident.acknowledged / resolved become commands for the alert of the dedup key, X-Webhook-Id dedups', async () => {
    await putSource('pd', { provider: 'pagerduty', secrets: ['pd-new', 'pd-old'] });
    const deliver = async (eventType: string, webhookId: string): Promise<Reply> => {
      const body = JSON.stringify({
        event: {
          id: `ev-${webhookId}`,
          event_type: eventType,
          resource_type: 'incident',
          occurred_at: '2026-11-22T03:00:00Z',
          agent: { id: 'PUSER', summary: 'Bob' },
          data: { id: 'PINC1', type: 'incident', status: 'acknowledged', incident_key: 'airis-mon-a-77', title: 't' },
        },
      });
      const sig = (s: string): string => `v1=${createHmac('sha256', s).update(body).digest('hex')}`;
      return post('pd', body, {
        'x-pagerduty-signature': `${sig('pd-old')},${sig('unrelated')}`,
        'x-webhook-id': webhookId,
      });
    };
    expect((await deliver('incident.acknowledged', 'pd-1')).status).toBe(200);
    expect((await deliver('incident.acknowledged', 'pd-1')).json).toMatchObject({ status: 'duplicate' });
    expect((await deliver('incident.resolved', 'pd-2')).status).toBe(200);
    const found = await pollUntil(() => {
      const c = commands.records.filter((r) => r.key === 'a-77');
      return c.length >= 2 && c;
    });
    expect(found.map((c) => parse(c.value) as unknown as CommandDto).map((c) => [c.action, c.issued_by])).toEqual([
      ['acknowledge', 'pagerduty:Bob'],
      ['resolve', 'pagerduty:Bob'],
    ]);
    await pollUntil(() => events.records.filter((r) => r.key === 'pd').length >= 2);
    expect(events.records.filter((r) => r.key === 'pd')).toHaveLength(2);
  });

  it('replays a stored delivery once per replay-webhook command, even when the command is delivered twice', async () => {
    await putSource('gen-replay', { provider: 'generic-hmac', secrets: ['r'], event_source: 'jenkins-ci' });
    const body = '{"event_type":"job.failed","severity":"error","api_token":"tok-123","job":"nightly"}';
    const r = await post('gen-replay', body, { 'x-signature': createHmac('sha256', 'r').update(body).digest('hex') });
    expect(r.status).toBe(200);
    const deliveryId = r.json['delivery_id'] as string;
    await pollUntil(() => eventsOf('jenkins-ci').length >= 1);

    const command: CommandDto = {
      id: randomUUID(),
      target: `gen-replay/${deliveryId}`,
      action: 'replay-webhook',
      issued_by: 'admin:carol',
      timestamp: Date.now(),
    };
    await ctx.produce('commands', [
      { key: command.target, value: JSON.stringify(command) },
      { key: command.target, value: JSON.stringify(command) },
    ]);
    await pollUntil(() => eventsOf('jenkins-ci').length >= 2);
    await pollUntil(() =>
      audit.records.some((a) => parse(a.value)['action'] === 'webhook.replay' && a.value?.includes(command.id)),
    );
    const replayed = eventsOf('jenkins-ci');
    expect(replayed).toHaveLength(2);
    expect(replayed[1]).toMatchObject({
      event_type: 'job.failed',
      severity: 'error',
      data: { payload: { job: 'nightly' } },
    });
    expect(replayed[1]!['id']).not.toBe(replayed[0]!['id']);
    // Secrets are redacted in what is kept, so also in what a replay publishes.
    expect(JSON.stringify(replayed[1])).not.toContain('tok-123');
    expect(JSON.stringify(replayed[0])).toContain('tok-123');
  });

  it('refuses bodies over the source limit (413) and over the service limit before reading them', async () => {
    await putSource('gen-small', { provider: 'generic-hmac', secrets: ['k'], max_body_bytes: 64 });
    const big = JSON.stringify({ event_type: 'x', pad: 'y'.repeat(100) });
    const r = await post('gen-small', big, { 'x-signature': createHmac('sha256', 'k').update(big).digest('hex') });
    expect(r.status).toBe(413);
    const huge = 'z'.repeat(5_242_880 + 1);
    const h = await post('gen-small', huge, { 'x-signature': 'whatever' });
    expect(h.status).toBe(413);
  });

  it('dedup survives a restart: a delivery accepted before is a duplicate after', async () => {
    await putSource('gh-restart', { provider: 'github', secrets: ['rs'] });
    const body = workflowRun('acme/restart', 'once');
    expect((await post('gh-restart', body, github('rs', body, 'restart-1'))).json).toMatchObject({
      status: 'accepted',
    });
    await service.close();
    service = await startService(
      webhookReceiverService(
        ctx.serviceEnv({ AIRIS_MASTER_KEY: masterKey, WEBHOOK_SLACK_RESPONSE_URL_PATTERN: '^http://127\\.0\\.0\\.1:' }),
      ),
    );
    config = service.app.get(ConfigStore);
    box = service.app.get(SecretBox);
    // The source comes back from airis.config.v1, the delivery record from MongoDB.
    const again = await post('gh-restart', body, github('rs', body, 'restart-1'));
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: 'duplicate', delivery_id: 'restart-1' });
    const marker = workflowRun('acme/restart', 'later');
    expect((await post('gh-restart', marker, github('rs', marker, 'restart-2'))).status).toBe(200);
    await pollUntil(() => eventsOf('github-acme/restart').length >= 2);
    expect(eventsOf('github-acme/restart')).toHaveLength(2);
  });

  it('delivery claims: concurrent retry waits, a crashed claim is taken over after its lease, expired records are swept', async () => {
    const store = service.app.get(DeliveryStore);
    const claim = (now: number, deliveryId = 'd1'): Promise<ClaimResult> =>
      store.claim({
        sourceId: 'lease',
        provider: 'github',
        deliveryId,
        headers: {},
        body: Buffer.from('{}'),
        now,
      });
    const held = (result: ClaimResult): Claim => {
      if (result.status !== 'claimed') throw new Error(`expected a claim, got ${result.status}`);
      return result.claim;
    };
    const t0 = Date.now();
    const first = held(await claim(t0));
    expect((await claim(t0 + 1000)).status).toBe('in_progress');
    const second = held(await claim(t0 + 31_000)); // lease (30 s) ran out: the first attempt crashed
    expect(second.token).not.toBe(first.token);
    // The first attempt, late, gives its claim back or accepts: neither touches the second's claim.
    await store.release(first);
    await store.accept(first);
    expect((await claim(t0 + 32_000)).status).toBe('in_progress');
    await store.accept(second);
    expect((await claim(t0 + 60_000)).status).toBe('duplicate');
    expect(await store.find('lease/d1')).toMatchObject({ state: 'accepted', source_id: 'lease', body: '{}' });
    // A failed publish gives the claim back: the sender's retry claims it again.
    await store.release(held(await claim(t0, 'd2')));
    held(await claim(t0 + 1000, 'd2'));
    // Past the retention (7 days) the record is gone for the sweeper and absent for a claim.
    const later = t0 + 8 * 24 * 3_600_000;
    expect(await store.sweep(new Date(later))).toBeGreaterThanOrEqual(1);
    expect(await store.find('lease/d1')).toBeNull();
    expect((await claim(later)).status).toBe('claimed');
  });

  it('delivery claims: of concurrent first claims exactly one wins, the others are in progress', async () => {
    const store = service.app.get(DeliveryStore);
    const claim = (deliveryId: string): Promise<ClaimResult> =>
      store.claim({
        sourceId: 'race',
        provider: 'github',
        deliveryId,
        headers: {},
        body: Buffer.from('{}'),
        now: Date.now(),
      });
    // While the first insert is in flight the others wait and go together: the six claims of
    // r1 meet inside one batch, where the unique _id must still let exactly one win.
    const [other, ...results] = await Promise.all([claim('r0'), ...Array.from({ length: 6 }, () => claim('r1'))]);
    expect(other.status).toBe('claimed');
    expect(results.map((r) => r.status).sort()).toEqual([
      'claimed',
      'in_progress',
      'in_progress',
      'in_progress',
      'in_progress',
      'in_progress',
    ]);
  });

  it('records stored before claims had tokens still dedup, are taken over after their lease and read back for replay', async () => {
    await putSource('gh-legacy', { provider: 'github', secrets: ['lg'] });
    const body = workflowRun('acme/legacy', 'old');
    const now = Date.now();
    const legacy = (
      deliveryId: string,
      state: 'processing' | 'accepted',
      leaseUntil: number,
    ): Record<string, unknown> => ({
      _id: `gh-legacy/${deliveryId}`,
      source_id: 'gh-legacy',
      provider: 'github',
      delivery_id: deliveryId,
      state,
      lease_until: new Date(leaseUntil),
      received_at: new Date(now - 60_000),
      expiresAt: new Date(now + 3_600_000),
      headers: { 'x-github-event': 'workflow_run', 'x-github-delivery': deliveryId },
      body,
      body_truncated: false,
      body_bytes: body.length,
      replays: [],
    });
    const collection = (await ctx.mongo()).db(ctx.database).collection('webhook_deliveries');
    await collection.insertMany([
      legacy('old-accepted', 'accepted', now - 30_000),
      legacy('old-crashed', 'processing', now - 1000),
    ]);
    const again = await post('gh-legacy', body, github('lg', body, 'old-accepted'));
    expect(again.json).toMatchObject({ status: 'duplicate', delivery_id: 'old-accepted' });
    expect(await service.app.get(DeliveryStore).find('gh-legacy/old-accepted')).toMatchObject({
      state: 'accepted',
      provider: 'github',
      body,
      headers: { 'x-github-delivery': 'old-accepted' },
      received_at: new Date(now - 60_000),
    });
    const retried = await post('gh-legacy', body, github('lg', body, 'old-crashed'));
    expect(retried.json).toMatchObject({ status: 'accepted', delivery_id: 'old-crashed' });
    expect((await post('gh-legacy', body, github('lg', body, 'old-crashed'))).json).toMatchObject({
      status: 'duplicate',
    });
  });
});
