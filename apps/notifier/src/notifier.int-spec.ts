import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { DeliveryAttemptDto, NotificationRequestDto } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { DLQ_HEADER, KafkaProducer } from '@airis/kafka';
import { SecretBox } from '@airis/security';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, pollUntil } from '@airis/testing';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { notifierService } from './service';
import { FakeProvider, pagerDutyHandler, slackHandler, teamsHandler } from './testing/fake-provider';
import { LOOPBACK, testAlert as alert, testNotification as notification } from './testing/harness';

/*
 * The notifier end to end on the real broker and FerretDB, with local HTTP servers standing in
 * for Slack, PagerDuty, Teams and webhook consumers (checking each documented format and
 * answering as the provider does) and a real SMTP server.
 */

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde'.slice(0, 32);

describe('notifier: channels, durability and the delivery log', () => {
  let ctx: TestContext;
  let service: RunningService;
  let fake: FakeProvider;
  let deliveries: TopicCollector;
  let audit: TopicCollector;
  let events: TopicCollector;
  let box: SecretBox;
  let config: ConfigStore;
  let smtp: SMTPServer;
  let smtpPort = 0;
  const logins: string[] = [];
  const mails: { raw: string; envelope: { from: string; to: string[] } }[] = [];

  const attempts = (notificationId: string): DeliveryAttemptDto[] =>
    deliveries.records
      .map((r) => JSON.parse(r.value ?? '{}') as DeliveryAttemptDto)
      .filter((a) => a.notification_id === notificationId);
  const waitAttempts = (notificationId: string, predicate: (a: DeliveryAttemptDto[]) => boolean, what: string) =>
    pollUntil(() => predicate(attempts(notificationId)) && attempts(notificationId), {
      timeoutMs: 30_000,
      description: what,
    });
  const putReceiver = (id: string, spec: Record<string, unknown>) => config.put('receiver', id, { name: id, ...spec });
  const notify = async (n: NotificationRequestDto): Promise<void> => {
    await service.app.get(KafkaProducer).publish('notifications', n.group_key, n, { id: n.id });
  };

  beforeAll(async () => {
    ctx = createTestContext('notifier');
    fake = await new FakeProvider().start();
    smtp = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        logins.push(`${auth.username}:${auth.password ?? ''}`);
        callback(null, { user: auth.username });
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            raw: Buffer.concat(chunks).toString('utf8'),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;

    const env = ctx.serviceEnv({
      AIRIS_MASTER_KEY: randomBytes(32).toString('base64'),
      AIRIS_DASHBOARD_URL: 'https://airis.example.com',
      NOTIFIER_RETRY_SCHEDULE: '150ms,150ms,150ms',
      NOTIFIER_POLL_INTERVAL_MS: '50',
      NOTIFIER_BREAKER_RESET_MS: '300',
      NOTIFIER_HTTP_TIMEOUT_MS: '3000',
      NOTIFIER_LEASE_MS: '5000',
    });
    // Topics exist (leaders elected) before the config store reads airis.config.v1's end offset.
    await ctx.createTopics();
    service = await startService(notifierService(env));
    box = service.app.get(SecretBox);
    config = service.app.get(ConfigStore);
    deliveries = await ctx.collect('deliveries');
    audit = await ctx.collect('audit');
    events = await ctx.collect('events');
  });

  afterAll(async () => {
    await service?.close();
    await fake?.stop();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await ctx.cleanup();
  });

  it('posts the seed Block Kit message to Slack, logs the attempt, and keeps 1 message/s per webhook', async () => {
    fake.route('/slack/services/T1/B1/', slackHandler);
    await putReceiver('slack-team', {
      slack: { webhook_url: box.seal(`${fake.url}/slack/services/T1/B1/secret`), channel: '#ml-alerts' },
      ssrf_allow: LOOPBACK,
    });
    const a = alert({ severity: 'warning' });
    const first = notification('slack-team', [a]);
    const second = notification('slack-team', [alert()], 'resolved');
    await notify(first);
    await notify(second);
    const [m1, m2] = await pollUntil(() => fake.on('/slack/').length >= 2 && fake.on('/slack/'), {
      description: 'two Slack messages',
    });
    const msg = m1!.json as { channel: string; blocks: Record<string, unknown>[] };
    expect(msg.channel).toBe('#ml-alerts');
    expect(msg.blocks.map((b) => b['type'])).toEqual(['header', 'section', 'section', 'context', 'actions']);
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🚨 WARNING Alert' } });
    expect(JSON.stringify(msg.blocks[4])).toContain(`"action_id":"ack_alert_${a.id}"`);
    expect(JSON.stringify(msg.blocks[4])).toContain(`https://airis.example.com/dashboard?alert=${a.id}`);
    expect(JSON.stringify(m2!.json)).toContain('RESOLVED');
    // Slack's one message per second per webhook.
    expect(m2!.at - m1!.at).toBeGreaterThanOrEqual(900);

    const [attempt] = await waitAttempts(first.id, (x) => x.length >= 1, 'attempt on airis.deliveries.v1');
    expect(attempt).toMatchObject({
      channel: 'slack',
      outcome: 'delivered',
      attempt: 1,
      http_status: 200,
      response_snippet: 'ok',
    });
    // The target is logged without the secret path of the webhook URL.
    expect(attempt!.target).not.toContain('secret');
  });

  it('pages PagerDuty for critical/high only, then resolves with the same dedup key', async () => {
    fake.route('/pd/v2/enqueue', pagerDutyHandler);
    await putReceiver('pd-team', {
      pagerduty: { routing_key: box.seal(ROUTING_KEY), events_url: `${fake.url}/pd/v2/enqueue` },
      ssrf_allow: LOOPBACK,
    });
    const critical = alert({ severity: 'critical' });
    const high = alert({ severity: 'error' });
    const warning = alert({ severity: 'warning' });
    const firing = notification('pd-team', [critical, high, warning]);
    await notify(firing);
    await waitAttempts(firing.id, (x) => x.filter((a) => a.outcome === 'delivered').length === 2, 'two PD triggers');
    const triggers = fake.on('/pd/').map((r) => r.json as Record<string, unknown>);
    expect(triggers.map((t) => t['dedup_key']).sort()).toEqual(
      [`airis-mon-${critical.id}`, `airis-mon-${high.id}`].sort(),
    );
    const t = triggers.find((x) => x['dedup_key'] === `airis-mon-${critical.id}`) as {
      payload: Record<string, unknown>;
    };
    expect(t.payload).toMatchObject({
      summary: `AIRIS-MON Alert: ${critical.name}`,
      source: 'torchserve',
      severity: 'critical',
      component: 'fraud-v3',
      group: 'production',
      class: 'latency',
      custom_details: {
        alert_id: critical.id,
        threshold: 500,
        current_value: 812,
        duration: '5m',
        dashboard_url: `https://airis.example.com/dashboard?alert=${critical.id}`,
      },
    });
    expect(attempts(firing.id).every((a) => a.http_status === 202)).toBe(true);

    const resolved = notification('pd-team', [{ ...critical, status: 'resolved' }], 'resolved');
    await notify(resolved);
    await waitAttempts(resolved.id, (x) => x.some((a) => a.outcome === 'delivered'), 'PD resolve');
    expect(fake.on('/pd/').at(-1)?.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: `airis-mon-${critical.id}`,
    });
  });

  it('does not retry a PagerDuty 400 (invalid event): dead-lettered after one attempt', async () => {
    await putReceiver('pd-bad', {
      pagerduty: { routing_key: 'too-short', events_url: `${fake.url}/pd/v2/enqueue` },
      ssrf_allow: LOOPBACK,
    });
    const n = notification('pd-bad', [alert()]);
    await notify(n);
    const [a] = await waitAttempts(n.id, (x) => x.length >= 1, 'PD 400 attempt');
    expect(a).toMatchObject({ outcome: 'dead_lettered', http_status: 400, attempt: 1 });
    expect(a!.response_snippet).toContain('invalid event');
    const doc = await (
      await ctx.mongo()
    )
      .db(ctx.database)
      .collection('notifier_deliveries')
      .findOne({ notification_id: n.id });
    expect(doc).toMatchObject({ status: 'dead', attempts: 1 });
  });

  it('posts an Adaptive Card to a Teams Workflows webhook (202)', async () => {
    fake.route('/teams/workflows/', teamsHandler);
    await putReceiver('teams-team', {
      teams: { workflow_url: box.seal(`${fake.url}/teams/workflows/abc/triggers/manual/paths/invoke?sig=s3cret`) },
      ssrf_allow: LOOPBACK,
    });
    const n = notification('teams-team', [alert(), alert()]);
    await notify(n);
    const [a] = await waitAttempts(n.id, (x) => x.length >= 1, 'Teams attempt');
    expect(a).toMatchObject({ outcome: 'delivered', http_status: 202 });
    const card = (fake.on('/teams/')[0]?.json as { attachments: { content: { body: unknown[] } }[] }).attachments[0];
    expect(JSON.stringify(card)).toContain('2 CRITICAL Alerts');
  });

  it('sends email over SMTP with text and HTML parts', async () => {
    await putReceiver('mail-team', {
      email: {
        smtp: { host: '127.0.0.1', port: smtpPort, secure: false, username: 'airis', password: box.seal('pw') },
        from: 'airis@example.com',
        to: ['oncall@example.com', 'ml@example.com'],
      },
      ssrf_allow: LOOPBACK,
    });
    const a = alert({ name: 'GPU memory <high>' });
    const n = notification('mail-team', [a]);
    await notify(n);
    await waitAttempts(n.id, (x) => x.some((y) => y.outcome === 'delivered'), 'email delivered');
    const mail = mails.at(-1)!;
    expect(logins).toContain('airis:pw'); // the sealed password, revealed
    expect(mail.envelope).toEqual({ from: 'airis@example.com', to: ['oncall@example.com', 'ml@example.com'] });
    const parsed = await PostalMime.parse(mail.raw);
    expect(parsed.subject).toBe('[AIRIS-MON] [FIRING:1] GPU memory <high> (team=ml)');
    expect(parsed.text).toContain('Severity: critical');
    expect(parsed.text).toContain(`https://airis.example.com/dashboard?alert=${a.id}`);
    expect(parsed.html).toContain('GPU memory &lt;high&gt;');
    expect(parsed.messageId).toContain('@airis-mon');
  });

  it('signs generic webhooks and outbound subscriptions with Standard Webhooks', async () => {
    fake.route('/hook/', (req) => {
      try {
        new Webhook(WEBHOOK_SECRET).verify(req.body, req.headers);
      } catch {
        return { status: 401, body: 'bad signature' };
      }
      return { status: 204 };
    });
    await putReceiver('hook-team', {
      webhook: { url: `${fake.url}/hook/receiver`, headers: { 'X-Team': 'ml' }, secret: box.seal(WEBHOOK_SECRET) },
      ssrf_allow: LOOPBACK,
    });
    // As the gateway writes it from POST /api/v1/integrations/webhooks.
    await config.put('webhook-subscription', 'sub-1', {
      name: 'ops-bus',
      url: `${fake.url}/hook/subscription`,
      events: ['alert.resolved'],
      headers: { Authorization: 'Bearer opaque' },
      secret: box.seal(WEBHOOK_SECRET),
      ssrf_allow: LOOPBACK,
    });
    const n = notification('hook-team', [alert()]);
    await notify(n);
    await waitAttempts(n.id, (x) => x.some((y) => y.outcome === 'delivered'), 'webhook delivered');
    const req = fake.on('/hook/receiver')[0]!;
    expect(req.headers['x-team']).toBe('ml');
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(req.json).toMatchObject({ version: '1', id: n.id, receiver: 'hook-team', status: 'firing' });

    const producer = service.app.get(KafkaProducer);
    const firing = alert();
    await producer.publish('alerts', firing.fingerprint, firing, { id: `chg-${firing.id}-1` });
    await producer.publish(
      'alerts',
      firing.fingerprint,
      { ...firing, status: 'resolved' },
      { id: `chg-${firing.id}-2` },
    );
    const resolved = { ...firing, status: 'resolved' as const };
    // The same change delivered twice (same id, same key): one effect.
    await producer.publish('alerts', firing.fingerprint, resolved, { id: `chg-${firing.id}-2` });
    const marker = { ...alert(), status: 'resolved' as const };
    await producer.publish('alerts', firing.fingerprint, marker, { id: `chg-${marker.id}` });
    await waitAttempts(`chg-${marker.id}`, (x) => x.length >= 1, 'marker change delivered');
    const [sub] = await waitAttempts(`chg-${firing.id}-2`, (x) => x.length >= 1, 'subscription delivered');
    expect(sub).toMatchObject({ channel: 'subscription', outcome: 'delivered', http_status: 204 });
    expect(attempts(`chg-${firing.id}-2`)).toHaveLength(1);
    const got = fake.on('/hook/subscription').filter((r) => (r.json as { data: { id: string } }).data.id === firing.id);
    expect(got).toHaveLength(1); // alert.firing is not subscribed; the duplicate had no effect
    expect(got[0]!.headers['authorization']).toBe('Bearer opaque');
    expect(got[0]!.headers['webhook-id']).toBe(`chg-${firing.id}-2/subscription/sub-1`);
    expect(got[0]!.json).toMatchObject({ type: 'alert.resolved', data: { id: firing.id, status: 'resolved' } });
  });

  it('retries 503 with Retry-After until delivered, logging every attempt', async () => {
    let calls = 0;
    fake.route('/flaky/', () => (++calls <= 2 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 }));
    await putReceiver('flaky', { webhook: { url: `${fake.url}/flaky/x` }, ssrf_allow: LOOPBACK });
    const n = notification('flaky', [alert()]);
    await notify(n);
    const log = await waitAttempts(n.id, (x) => x.some((y) => y.outcome === 'delivered'), 'delivered after 503s');
    expect(log.map((a) => [a.attempt, a.outcome, a.http_status])).toEqual([
      [1, 'retry_scheduled', 503],
      [2, 'retry_scheduled', 503],
      [3, 'delivered', 200],
    ]);
    // One webhook-id across the retries: the consumer can drop duplicates.
    expect(new Set(fake.on('/flaky/').map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('treats a redirect as a failure and dead-letters after the schedule; replay by alert delivers it', async () => {
    let redirect = true;
    fake.route('/moved/', () =>
      redirect ? { status: 301, headers: { location: 'http://169.254.169.254/' } } : { status: 200 },
    );
    await putReceiver('moved', { webhook: { url: `${fake.url}/moved/x` }, ssrf_allow: LOOPBACK });
    const a = alert();
    const n = notification('moved', [a]);
    await notify(n);
    const log = await waitAttempts(n.id, (x) => x.some((y) => y.outcome === 'dead_lettered'), 'dead after retries');
    expect(log.map((x) => x.outcome)).toEqual([
      'retry_scheduled',
      'retry_scheduled',
      'retry_scheduled',
      'dead_lettered',
    ]);
    expect(log.at(-1)?.error).toMatch(/retries exhausted: HTTP 301/);

    redirect = false;
    await ctx.produce('commands', [
      {
        key: 'notifier',
        value: JSON.stringify({
          id: `cmd-${randomUUID()}`,
          target: 'notifier',
          action: 'replay-delivery',
          params: { alert_id: a.id },
          issued_by: 'admin@example.com',
          timestamp: Date.now(),
        }),
      },
    ]);
    await waitAttempts(n.id, (x) => x.some((y) => y.outcome === 'delivered'), 'delivered after replay');
    expect(fake.on('/moved/').at(-1)?.headers['webhook-id']).toBe(fake.on('/moved/')[0]?.headers['webhook-id']);
  });

  it('disables an endpoint that answers 410, with an event, and sends nothing more to it', async () => {
    fake.route('/gone/', () => ({ status: 410, body: 'channel_is_archived' }));
    await putReceiver('gone', { webhook: { url: `${fake.url}/gone/x` }, ssrf_allow: LOOPBACK });
    const n1 = notification('gone', [alert()]);
    await notify(n1);
    await waitAttempts(n1.id, (x) => x.length >= 1, '410 attempt');
    const disabled = await pollUntil(
      () =>
        events.records
          .map((r) => JSON.parse(r.value ?? '{}') as { event_type: string; data: Record<string, string> })
          .find((e) => e.event_type === 'notification_endpoint_disabled' && e.data['receiver'] === 'gone'),
      { description: 'endpoint-disabled event' },
    );
    expect(disabled.data['reason']).toContain('410');
    const n2 = notification('gone', [alert()]);
    await notify(n2);
    const [a2] = await waitAttempts(n2.id, (x) => x.length >= 1, 'second delivery dead');
    expect(a2).toMatchObject({ outcome: 'dead_lettered', error: 'endpoint_disabled' });
    expect(fake.on('/gone/')).toHaveLength(1);
  });

  it('has one effect when the same notification is delivered twice', async () => {
    fake.route('/dup/', () => ({ status: 200 }));
    await putReceiver('dup', { webhook: { url: `${fake.url}/dup/x` }, ssrf_allow: LOOPBACK });
    const n = notification('dup', [alert()]);
    await notify(n);
    await notify(n);
    // Same key → same partition: once the marker is delivered, both copies were consumed.
    const marker = { ...notification('dup', [alert()]), group_key: n.group_key };
    await notify(marker);
    await waitAttempts(marker.id, (x) => x.some((y) => y.outcome === 'delivered'), 'marker delivered');
    await waitAttempts(n.id, (x) => x.some((y) => y.outcome === 'delivered'), 'first delivered');
    expect(fake.on('/dup/').filter((r) => (r.json as { id: string }).id === n.id)).toHaveLength(1);
    expect(attempts(n.id)).toHaveLength(1);
  });

  it('dead-letters a notification for an unknown receiver to the DLQ with the reason', async () => {
    const dlq = await ctx.collect(ctx.topics.dlqOf('notifications'));
    const n = notification('nobody', [alert()]);
    await notify(n);
    await ctx.produce('notifications', [{ key: 'bad', value: JSON.stringify({ id: 'x', receiver: 'r' }) }]);
    const dead = await dlq.waitFor(2);
    const codes = dead.map((r) => r.headers[DLQ_HEADER.code]);
    expect(codes).toContain('receiver_unknown');
    expect(codes).toContain('SCHEMA_VIOLATION');
  });

  it.each([
    ['127.0.0.1', (port: string) => `http://127.0.0.1:${port}/ssrf/a`],
    ['10.0.0.1', () => 'http://10.0.0.1:8080/ssrf/b'],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
    ['localhost', (port: string) => `http://localhost:${port}/ssrf/d`],
  ])('refuses %s without an allow-list, with an audit event', async (what, url) => {
    fake.route('/ssrf/', () => ({ status: 200 }));
    const port = new URL(fake.url).port;
    const id = `ssrf-${what.replace(/\W/g, '-')}`;
    await putReceiver(id, { webhook: { url: url(port) } });
    const n = notification(id, [alert()]);
    await notify(n);
    const [a] = await waitAttempts(n.id, (x) => x.length >= 1, `${what} refused`);
    expect(a).toMatchObject({ outcome: 'refused', attempt: 1 });
    expect(a!.error).toMatch(/SSRF guard/);
    const event = await pollUntil(
      () =>
        audit.records
          .map(
            (r) => JSON.parse(r.value ?? '{}') as { action: string; outcome: string; details?: Record<string, string> },
          )
          .find((e) => e.action === 'outbound.ssrf_refused' && e.details?.['receiver'] === id),
      { description: 'audit event' },
    );
    expect(event.outcome).toBe('denied');
    expect(fake.on('/ssrf/')).toHaveLength(0);
  });
});
