import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import { FakeProvider } from './testing/fake-provider';
import { LOOPBACK, NotifierHarness, testAlert, testNotification } from './testing/harness';

/*
 * Disabling an endpoint that keeps failing (NOTIFIER_DISABLE_AFTER_MS, 5 days by default; 2 s
 * here): failing without one success for the whole window disables it with a
 * `notification_endpoint_disabled` event and an audit record; a success inside the window
 * starts the window again.
 */

const WINDOW_MS = 2000;
// Long enough that a delivery keeps failing well past the window on its own.
const SCHEDULE = Array.from({ length: 20 }, () => 250);

interface EventRecord {
  event_type: string;
  severity: string;
  data: Record<string, string>;
}
interface AuditRecord {
  action: string;
  outcome: string;
  target: string;
  reason?: string;
}

describe('notifier: an endpoint failing for the whole disable window', () => {
  let ctx: TestContext;
  let fake: FakeProvider;
  let h: NotifierHarness;

  const disabledEvent = (receiver: string) =>
    h
      .parsed<EventRecord>(h.events)
      .find((e) => e.event_type === 'notification_endpoint_disabled' && e.data['receiver'] === receiver);

  beforeAll(async () => {
    ctx = createTestContext('notifier-disable');
    fake = await new FakeProvider().start();
    h = await new NotifierHarness(ctx, pollUntil).start({ NOTIFIER_DISABLE_AFTER_MS: String(WINDOW_MS) });
  });

  afterAll(async () => {
    await h?.close();
    await fake?.stop();
    await ctx.cleanup();
  });

  it('is disabled with an event and an audit record, and later deliveries are dead-lettered unsent', async () => {
    fake.route('/down/', () => ({ status: 503, body: 'upstream unavailable' }));
    await h.putReceiver('always-down', {
      webhook: { url: `${fake.url}/down/x` },
      retry_schedule_ms: SCHEDULE,
      ssrf_allow: LOOPBACK,
    });
    const n = testNotification('always-down', [testAlert()]);
    await h.notify(n);
    const event = await pollUntil(() => disabledEvent('always-down'), { description: 'endpoint-disabled event' });
    expect(event).toMatchObject({
      severity: 'error',
      data: { endpoint: 'always-down/webhook', receiver: 'always-down', channel: 'webhook' },
    });
    expect(event.data['reason']).toMatch(/without a success \(last: HTTP 503\)/);
    const audit = await pollUntil(
      () =>
        h
          .parsed<AuditRecord>(h.audit)
          .find((e) => e.action === 'outbound.endpoint_disabled' && e.target === 'always-down/webhook'),
      { description: 'endpoint-disabled audit record' },
    );
    expect(audit.outcome).toBe('failure');
    expect(audit.reason).toBe(event.data['reason']);

    // Disabled only once the whole window had passed since the first failure.
    const state = await h.endpointDoc('always-down/webhook');
    expect(state).toMatchObject({ disabled: true, receiver: 'always-down', channel: 'webhook' });
    const failingSince = (state?.['failing_since'] as Date).getTime();
    expect((state?.['disabled_at'] as Date).getTime() - failingSince).toBeGreaterThanOrEqual(WINDOW_MS);
    const attempts = h.attempts(n.id);
    // …counted from the first failure: failing_since was set by attempt 1, not a later one.
    expect(attempts[0]?.outcome).toBe('retry_scheduled');
    expect(failingSince).toBeGreaterThanOrEqual(attempts[0]!.timestamp);
    expect(failingSince).toBeLessThan(attempts[1]!.timestamp);

    // The pending delivery stops there; a new one is dead-lettered without a request.
    const log = await h.waitAttempts(n.id, (x) => x.some((a) => a.outcome === 'dead_lettered'), 'first delivery dead');
    expect(log.at(-1)).toMatchObject({ outcome: 'dead_lettered', error: 'endpoint_disabled' });
    const sent = fake.on('/down/').length;
    const later = testNotification('always-down', [testAlert()]);
    await h.notify(later);
    const [a] = await h.waitAttempts(later.id, (x) => x.length >= 1, 'later delivery');
    expect(a).toMatchObject({ outcome: 'dead_lettered', error: 'endpoint_disabled', attempt: 1 });
    expect(fake.on('/down/')).toHaveLength(sent);
  });

  it('starts the window again after a success: failing longer than the window in total is not enough', async () => {
    let up = false;
    fake.route('/flappy/', () => (up ? { status: 200 } : { status: 503 }));
    await h.putReceiver('flappy', {
      webhook: { url: `${fake.url}/flappy/x` },
      retry_schedule_ms: SCHEDULE,
      ssrf_allow: LOOPBACK,
    });

    // Phase A: failing for most of a window, then one success.
    const first = testNotification('flappy', [testAlert()]);
    await h.notify(first);
    const failing = await h.waitAttempts(
      first.id,
      (x) => x.length >= 2 && x.at(-1)!.timestamp - x[0]!.timestamp >= WINDOW_MS * 0.6,
      'failing for 60 % of the window',
    );
    const firstFailure = failing[0]!.timestamp;
    up = true;
    await h.waitAttempts(first.id, (x) => x.some((a) => a.outcome === 'delivered'), 'the success');
    expect((await h.endpointDoc('flappy/webhook'))?.['failing_since']).toBeNull();

    // Phase B: failing again, past the window counted from phase A's first failure.
    up = false;
    const phaseB = Date.now();
    const second = testNotification('flappy', [testAlert()]);
    await h.notify(second);
    await h.waitAttempts(
      second.id,
      (x) =>
        x.filter((a) => a.outcome === 'retry_scheduled' && a.timestamp >= firstFailure + WINDOW_MS + 200).length >= 1,
      'a failure past the window of the first failure',
    );
    // Each attempt's endpoint bookkeeping is done before its log record: had the success not
    // reset the window, this failure would have disabled the endpoint.
    const state = await h.endpointDoc('flappy/webhook');
    expect(state?.['disabled']).toBe(false);
    expect((state?.['failing_since'] as Date).getTime()).toBeGreaterThanOrEqual(phaseB - 50);
    expect(disabledEvent('flappy')).toBeUndefined();

    // Failing on, for a whole window of its own, it is disabled after all.
    const event = await pollUntil(() => disabledEvent('flappy'), { description: 'flappy disabled' });
    expect(event.data['endpoint']).toBe('flappy/webhook');
    const disabled = await h.endpointDoc('flappy/webhook');
    expect(disabled?.['disabled']).toBe(true);
    expect((disabled?.['disabled_at'] as Date).getTime() - phaseB).toBeGreaterThanOrEqual(WINDOW_MS - 50);
  });
});
