import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, pollUntil } from '@airis/testing';
import { gatewayService } from '../service';

/*
 * The admin API on the real broker: webhook subscriptions exactly as the seed, the generic
 * config CRUD, API keys seen by a second replica, a rate limit shared by two replicas, and the
 * committed OpenAPI document.
 */

const ADMIN = `test-admin-${randomBytes(12).toString('hex')}`;
const MASTER_KEY = randomBytes(32).toString('base64');
let ctx: TestContext;
let a: RunningService;
let b: RunningService;
let config: TopicCollector;

async function call(url: string, method: string, body?: unknown, key = ADMIN) {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

beforeAll(async () => {
  ctx = createTestContext('gateway-admin');
  await ctx.createTopics();
  const env = ctx.serviceEnv({ AIRIS_BOOTSTRAP_ADMIN_KEY: ADMIN, AIRIS_MASTER_KEY: MASTER_KEY });
  a = await startService(gatewayService(env));
  b = await startService(gatewayService(env));
  config = await ctx.collect('config');
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await config?.stop();
  await ctx?.cleanup();
});

describe('/api/v1/integrations/webhooks (seed)', () => {
  const seedBody = {
    name: 'ops-bridge',
    url: 'https://hooks.example.com/airis',
    events: ['alert.firing', 'alert.resolved'],
    headers: { 'X-Team': 'ml-platform' },
    secret: 'whsec_super-secret-value',
  };

  it('POST → 201; the secret is sealed on the topic and never returned in clear; GET, PUT, DELETE', async () => {
    const created = await call(`${a.url}/api/v1/integrations/webhooks`, 'POST', seedBody);
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    expect(created.body['spec']).toMatchObject({ ...seedBody, secret: '********' });
    expect(JSON.stringify(created.body)).not.toContain('super-secret');

    const record = await pollUntil(() => config.records.find((r) => r.key === `webhook-subscription/${id}`));
    expect(record.value).not.toContain('super-secret');
    expect(JSON.parse(record.value ?? '{}')).toMatchObject({ spec: { secret: { $sealed: 'aes-256-gcm' } } });

    // The other replica serves it too.
    const fromB = await pollUntil(async () => {
      const r = await call(`${b.url}/api/v1/integrations/webhooks/${id}`, 'GET');
      return r.status === 200 && r;
    });
    expect(fromB.body['spec']).toMatchObject({ name: 'ops-bridge', secret: '********' });
    const list = await call(`${a.url}/api/v1/integrations/webhooks`, 'GET');
    expect((list.body['items'] as { id: string }[]).map((i) => i.id)).toContain(id);

    // Round trip with the redacted secret keeps the stored one.
    const put = await call(`${a.url}/api/v1/integrations/webhooks/${id}`, 'PUT', {
      ...seedBody,
      secret: '********',
      events: ['alert.firing'],
    });
    expect(put.status).toBe(200);
    expect(put.body['revision']).toBe(2);
    const latest = await pollUntil(() => {
      const all = config.records.filter((r) => r.key === `webhook-subscription/${id}`);
      return all.length === 2 && all[1];
    });
    expect(JSON.parse(latest.value ?? '{}')).toMatchObject({
      spec: { events: ['alert.firing'], secret: { $sealed: 'aes-256-gcm' } },
    });

    expect((await call(`${a.url}/api/v1/integrations/webhooks/${id}`, 'DELETE')).status).toBe(204);
    expect((await call(`${a.url}/api/v1/integrations/webhooks/${id}`, 'GET')).status).toBe(404);
  });

  it.each([
    ['no url', { ...seedBody, url: undefined }, 'url'],
    ['bad url', { ...seedBody, url: 'not a url' }, 'url'],
    ['events not an array', { ...seedBody, events: 'alert.firing' }, 'events'],
    ['header values not strings', { ...seedBody, headers: { a: 1 } }, 'headers'],
    ['ssrf_allow entry not a CIDR', { ...seedBody, ssrf_allow: ['10.0.0.1'] }, 'ssrf_allow'],
    ['unknown field', { ...seedBody, colour: 'red' }, 'colour'],
  ])('POST with %s → 400 naming the field', async (_label, body, field) => {
    const r = await call(`${a.url}/api/v1/integrations/webhooks`, 'POST', body);
    expect(r.status).toBe(400);
    expect(((r.body['error'] as { fields: { field: string }[] }).fields ?? []).map((f) => f.field)).toContain(field);
  });

  it('needs the admin scope to write and read to list', async () => {
    const made = await call(`${a.url}/api/v1/api-keys`, 'POST', { name: 'reader', scopes: ['read'] });
    const reader = made.body['key'] as string;
    expect((await call(`${a.url}/api/v1/integrations/webhooks`, 'POST', seedBody, reader)).status).toBe(403);
    expect((await call(`${a.url}/api/v1/integrations/webhooks`, 'GET', undefined, reader)).status).toBe(200);
  });
});

describe('generic config CRUD', () => {
  it('stores a receiver validated by its DTO, with the channel secrets sealed', async () => {
    const hook = 'https://hooks.slack.com/services/T000/B000/XXXXSECRET';
    const r = await call(`${a.url}/api/v1/receivers/oncall`, 'PUT', { name: 'oncall', slack: { webhook_url: hook } });
    expect(r.status).toBe(200);
    expect(r.body['spec']).toEqual({ name: 'oncall', slack: { webhook_url: '********' } });
    const record = await pollUntil(() => config.records.find((x) => x.key === 'receiver/oncall'));
    expect(record.value).not.toContain('XXXXSECRET');
    const bad = await call(`${a.url}/api/v1/receivers/broken`, 'PUT', { name: 'broken', slack: { channel: '#x' } });
    expect(bad.status).toBe(400);
    for (const path of [
      'routes',
      'rules',
      'silences',
      'webhook-sources',
      'integrations',
      'inhibit-rules',
      'time-intervals',
    ]) {
      expect((await call(`${a.url}/api/v1/${path}`, 'GET')).status).toBe(200);
    }
    expect((await call(`${a.url}/api/v1/rules`, 'POST', [1, 2])).status).toBe(400);
  });
});

describe('/api/v1/integrations (connector instances)', () => {
  it('validates with the integration DTO and seals every credential, whatever its name', async () => {
    const body = {
      family: 'mlops',
      type: 'mlflow',
      settings: { tracking_uri: 'https://mlflow.example.com', auth: 'bearer' },
      credentials: { token: 'dapi-abc', client_cert_pem: 'PEM-BODY' },
    };
    const r = await call(`${a.url}/api/v1/integrations/mlflow-prod`, 'PUT', body);
    expect(r.status).toBe(200);
    expect(r.body['spec']).toMatchObject({ credentials: { token: '********', client_cert_pem: '********' } });
    const record = await pollUntil(() => config.records.find((x) => x.key === 'integration/mlflow-prod'));
    expect(record.value).not.toContain('dapi-abc');
    expect(record.value).not.toContain('PEM-BODY');
    const bad = await call(`${a.url}/api/v1/integrations/broken`, 'PUT', { type: 'mlflow', settings: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/family/);
  });

  it('refuses the id "webhooks", which the webhook subscriptions API would shadow', async () => {
    const body = { family: 'mlops', type: 'mlflow', settings: { tracking_uri: 'https://mlflow.example.com' } };
    const r = await call(`${a.url}/api/v1/integrations/webhooks`, 'PUT', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      error: {
        code: 'validation_failed',
        fields: [{ field: 'id', messages: [expect.stringMatching(/"webhooks" is reserved/)] }],
      },
    });
    expect(config.records.some((x) => x.key === 'integration/webhooks')).toBe(false);
  });
});

describe('API keys across replicas', () => {
  it('a key created on one replica works on the other; the key is never listed', async () => {
    const made = await call(`${a.url}/api/v1/api-keys`, 'POST', { name: 'svc', scopes: ['ingest'] });
    expect(made.status).toBe(201);
    const key = made.body['key'] as string;
    const list = await call(`${b.url}/api/v1/api-keys`, 'GET');
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(JSON.stringify(list.body)).not.toContain('"hash"');
    const ok = await pollUntil(async () => {
      const r = await call(
        `${b.url}/api/v1/metrics/ingest`,
        'POST',
        { source: 's', metrics: [{ name: 'x', value: 1 }] },
        key,
      );
      return r.status === 200 && r;
    });
    expect(ok.status).toBe(200);
    expect((await call(`${a.url}/api/v1/api-keys`, 'POST', { name: 'bad', scopes: ['root'] })).status).toBe(400);
  });

  it('the token bucket of a key holds across two replicas', async () => {
    const made = await call(`${a.url}/api/v1/api-keys`, 'POST', {
      name: 'limited',
      scopes: ['ingest'],
      rate_limit: { per_second: 2, burst: 4 },
    });
    const key = made.body['key'] as string;
    await pollUntil(
      async () => (await call(`${b.url}/api/v1/api-keys/${made.body['id'] as string}`, 'GET')).status === 200,
    );
    const started = Date.now();
    let allowed = 0;
    let limited = 0;
    // Waves of concurrent requests to both replicas: their claims race in MongoDB.
    for (let wave = 0; wave < 4; wave++) {
      const replies = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          call(
            `${(i % 2 === 0 ? a : b).url}/api/v1/metrics/ingest`,
            'POST',
            { source: 'rl', metrics: [{ name: 'x', value: i }] },
            key,
          ),
        ),
      );
      for (const r of replies) {
        if (r.status === 200) allowed++;
        if (r.status === 429) {
          limited++;
          expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        }
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    // burst + rate × elapsed, summed over both replicas — not twice that.
    expect(allowed).toBeLessThanOrEqual(4 + Math.ceil(2 * elapsed));
    expect(limited).toBeGreaterThan(0);
  });
});

describe('OpenAPI', () => {
  it('serves /api/docs and matches the committed docs/openapi.json', async () => {
    const page = await fetch(`${a.url}/api/docs`);
    expect(page.status).toBe(200);
    const doc = (await (await fetch(`${a.url}/api/docs/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/metrics/ingest',
        '/api/v1/events/ingest',
        '/api/v1/integrations/webhooks',
        '/v1/metrics',
      ]),
    );
    const committed = JSON.parse(
      await readFile(join(__dirname, '../../../../docs/openapi.json'), 'utf8').catch(() => '{}'),
    ) as unknown;
    if (JSON.stringify(committed) !== JSON.stringify(doc)) {
      // Regenerate: copy test-output/openapi.json over docs/openapi.json (then prettier).
      await mkdir(join(__dirname, '../../../../test-output'), { recursive: true });
      await writeFile(join(__dirname, '../../../../test-output/openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
    }
    expect(committed).toEqual(doc);
  });
});
