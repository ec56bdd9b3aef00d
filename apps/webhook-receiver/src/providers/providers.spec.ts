import { createHmac } from 'node:crypto';
import type { WebhookSourceSpecDto } from '@airis/contracts';
import { Webhook } from 'standardwebhooks';
import { PROVIDERS, type Verification, type WebhookRequest } from './index';

/*
 * Signature checks against each provider's published test vector, each with the same attack
 * table: tampered body, stale timestamp, wrong secret, missing header, and the right secret as
 * the second of two (rotation).
 */

interface Vector {
  name: string;
  provider: keyof typeof PROVIDERS;
  secret: string;
  body: string;
  headers: Record<string, string>;
  now: number;
  /** Header whose absence must fail. */
  required: string;
  /** A clock outside the window, or undefined when the scheme carries no timestamp. */
  staleNow?: number;
  spec?: Partial<WebhookSourceSpecDto>;
}

const SLACK_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

const mlflowBody = '{"entity": "model_version", "action": "created", "data": {"name": "m", "version": "1"}}';
const mlflowSig = (secret: string, id: string, ts: string, body: string): string =>
  `v1,${createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64')}`;
const pdBody = '{"event":{"id":"01","event_type":"incident.acknowledged","data":{"incident_key":"airis-mon-a1"}}}';
const hex = (secret: string, content: string): string => createHmac('sha256', secret).update(content).digest('hex');

const VECTORS: Vector[] = [
  {
    // GitHub's documented example ("Validating webhook deliveries").
    name: 'GitHub published vector',
    provider: 'github',
    secret: "It's a Secret to Everybody",
    body: 'Hello, World!',
    headers: {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      'x-github-delivery': 'd-1',
    },
    now: Date.UTC(2026, 0, 1),
    required: 'x-hub-signature-256',
  },
  {
    // Slack's documented example request ("Verifying requests from Slack").
    name: 'Slack documented request',
    provider: 'slack',
    secret: '8f742231b10e8888abcd99yyyzzz85a5',
    body: SLACK_BODY,
    headers: {
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    },
    now: (1531420618 + 30) * 1000,
    staleNow: (1531420618 + 301) * 1000,
    required: 'x-slack-signature',
  },
  {
    // The Standard Webhooks specification's test vector.
    name: 'Standard Webhooks spec vector',
    provider: 'standard-webhooks',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    body: '{"test": 2432232314}',
    headers: {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    },
    now: 1614265330 * 1000 + 10_000,
    staleNow: 1614265330 * 1000 + 301_000,
    required: 'webhook-signature',
  },
  {
    name: 'MLflow 3.x v1 signature',
    provider: 'mlflow',
    secret: 'mlflow-secret',
    body: mlflowBody,
    headers: {
      'x-mlflow-delivery-id': 'dlv-1',
      'x-mlflow-timestamp': '1700000000',
      'x-mlflow-signature': mlflowSig('mlflow-secret', 'dlv-1', '1700000000', mlflowBody),
    },
    now: 1700000000 * 1000,
    staleNow: 1700000301 * 1000,
    required: 'x-mlflow-timestamp',
  },
  {
    name: 'MLflow legacy sha256 signature',
    provider: 'mlflow',
    secret: 'mlflow-secret',
    body: mlflowBody,
    headers: { 'x-mlflow-signature': `sha256=${hex('mlflow-secret', mlflowBody)}` },
    now: 1700000000 * 1000,
    required: 'x-mlflow-signature',
  },
  {
    name: 'PagerDuty v3 (two signatures, one valid)',
    provider: 'pagerduty',
    secret: 'pd-secret',
    body: pdBody,
    headers: {
      'x-pagerduty-signature': `v1=${'0'.repeat(64)},v1=${hex('pd-secret', pdBody)}`,
      'x-webhook-id': 'wh-1',
    },
    now: 0,
    required: 'x-pagerduty-signature',
  },
  {
    name: 'Generic HMAC, base64 with timestamp',
    provider: 'generic-hmac',
    secret: 'gen-secret',
    body: '{"event_type":"build"}',
    headers: {
      'x-ts': '1700000000',
      'x-sig': `sha256=${createHmac('sha256', 'gen-secret').update('1700000000.{"event_type":"build"}').digest('base64')}`,
    },
    now: 1700000000 * 1000,
    staleNow: 1700000400 * 1000,
    required: 'x-sig',
    spec: { generic: { signature_header: 'X-Sig', encoding: 'base64', prefix: 'sha256=', timestamp_header: 'X-Ts' } },
  },
];

/** GitLab's secret token proves the sender, not the body: kept out of the tamper table. */
const GITLAB: Vector = {
  name: 'GitLab secret token',
  provider: 'gitlab',
  secret: 'gl-token',
  body: '{"object_kind":"pipeline"}',
  headers: { 'x-gitlab-token': 'gl-token', 'idempotency-key': 'idem-1' },
  now: 0,
  required: 'x-gitlab-token',
};

function request(v: Vector, changes: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    sourceId: 'src',
    spec: { provider: v.provider, secrets: [v.secret], ...v.spec },
    secrets: [v.secret],
    signingSecrets: [],
    headers: { 'content-type': 'application/json', ...v.headers },
    body: Buffer.from(v.body, 'utf8'),
    now: v.now,
    ...changes,
  };
}

async function check(v: Vector, req: WebhookRequest): Promise<Verification> {
  // The Standard Webhooks library reads the clock itself.
  const spy = jest.spyOn(Date, 'now').mockReturnValue(req.now);
  try {
    return await PROVIDERS[v.provider].verify(req);
  } finally {
    spy.mockRestore();
  }
}

describe.each(VECTORS)('$name', (v) => {
  it('accepts the vector', async () => {
    expect(await check(v, request(v))).toMatchObject({ ok: true });
  });

  it('refuses a tampered body', async () => {
    const tampered = Buffer.from(`${v.body} `, 'utf8');
    expect(await check(v, request(v, { body: tampered }))).toMatchObject({ ok: false });
    const flipped = Buffer.from(v.body, 'utf8');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(await check(v, request(v, { body: flipped }))).toMatchObject({ ok: false });
  });

  it('refuses a stale timestamp (when the scheme has one)', async () => {
    if (v.staleNow === undefined) {
      // No timestamp in the scheme: replays are stopped by delivery-id dedup instead.
      expect(v.headers['x-slack-request-timestamp'] ?? v.headers['webhook-timestamp']).toBeUndefined();
      return;
    }
    const result = await check(v, request(v, { now: v.staleNow }));
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.reason).toMatch(/timestamp|window/i);
    // A clock far behind the timestamp (a delivery "from the future") fails too.
    const behind = v.now - 2 * (v.staleNow - v.now);
    expect(await check(v, request(v, { now: behind }))).toMatchObject({ ok: false });
  });

  it('refuses a wrong secret', async () => {
    const wrong = v.provider === 'standard-webhooks' ? 'whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA==' : `${v.secret}x`;
    expect(await check(v, request(v, { secrets: [wrong] }))).toMatchObject({ ok: false });
  });

  it('refuses a request without its signature header', async () => {
    const headers = { ...v.headers };
    delete headers[v.required];
    expect(await check(v, request(v, { headers }))).toMatchObject({ ok: false });
  });

  it('accepts the right secret as the second of two (rotation)', async () => {
    const other = v.provider === 'standard-webhooks' ? 'whsec_b2xkIHNlY3JldCBiZWluZyByb3RhdGVkIG91dA==' : 'old-secret';
    expect(await check(v, request(v, { secrets: [other, v.secret] }))).toMatchObject({ ok: true });
  });
});

describe('delivery ids', () => {
  it('come from the provider headers', async () => {
    const gh = VECTORS[0]!;
    expect(await check(gh, request(gh))).toEqual({ ok: true, deliveryId: 'd-1' });
    const sw = VECTORS[2]!;
    expect(await check(sw, request(sw))).toEqual({ ok: true, deliveryId: 'msg_p5jXN8AQM9LWM0D4loKWxJek' });
    const pd = VECTORS[5]!;
    expect(await check(pd, request(pd))).toEqual({ ok: true, deliveryId: 'wh-1' });
  });

  it('GitLab signed deliveries verify with the Standard Webhooks scheme and keep the token check', async () => {
    const signing = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"object_kind":"job"}';
    const now = Date.now();
    const signature = new Webhook(signing).sign('gl-msg-1', new Date(now), body);
    const v = GITLAB;
    const headers = {
      'webhook-id': 'gl-msg-1',
      'webhook-timestamp': String(Math.floor(now / 1000)),
      'webhook-signature': signature,
    };
    const base = { body: Buffer.from(body), signingSecrets: [signing], now };
    expect(await check(v, request(v, { ...base, headers }))).toEqual({ ok: true, deliveryId: 'gl-msg-1' });
    expect(await check(v, request(v, { ...base, headers: { ...headers, 'x-gitlab-token': 'wrong' } }))).toMatchObject({
      ok: false,
    });
    expect(await check(v, request(v, { ...base, headers: { 'x-gitlab-token': 'gl-token' } }))).toMatchObject({
      ok: false,
    });
  });
});

describe('GitLab secret token', () => {
  it.each([
    [{ 'x-gitlab-token': 'gl-token', 'idempotency-key': 'idem-1' }, ['gl-token'], { ok: true, deliveryId: 'idem-1' }],
    [
      { 'x-gitlab-token': 'gl-token', 'x-gitlab-event-uuid': 'uuid-1' },
      ['old', 'gl-token'],
      { ok: true, deliveryId: 'uuid-1' },
    ],
    [{ 'x-gitlab-token': 'gl-tokenx' }, ['gl-token'], { ok: false }],
    [{ 'x-gitlab-token': 'gl-toke' }, ['gl-token'], { ok: false }],
    [{}, ['gl-token'], { ok: false }],
  ])('%j with %j', async (headers, secrets, expected) => {
    expect(await check(GITLAB, request(GITLAB, { headers, secrets }))).toMatchObject(expected);
  });
});

describe('Alertmanager authorization', () => {
  const body = Buffer.from('{"version":"4","alerts":[]}');
  const base = (auth: 'bearer' | 'basic', authorization: string | undefined, secrets: string[]): WebhookRequest => ({
    sourceId: 'am',
    spec: { provider: 'alertmanager', secrets, alertmanager: { auth } },
    secrets,
    signingSecrets: [],
    headers: authorization === undefined ? {} : { authorization },
    body,
    now: 0,
  });
  it.each([
    ['bearer', 'Bearer tok-1', ['tok-1'], true],
    ['bearer', 'Bearer tok-1', ['old', 'tok-1'], true],
    ['bearer', 'Bearer tok-2', ['tok-1'], false],
    ['bearer', 'Basic dG9rLTE=', ['tok-1'], false],
    ['bearer', undefined, ['tok-1'], false],
    ['basic', `Basic ${Buffer.from('am:pw').toString('base64')}`, ['am:pw'], true],
    ['basic', `Basic ${Buffer.from('am:bad').toString('base64')}`, ['am:pw'], false],
  ] as const)('%s %s → %s', (auth, header, secrets, ok) => {
    expect(PROVIDERS.alertmanager.verify(base(auth, header, [...secrets]))).toMatchObject({ ok });
  });
});
