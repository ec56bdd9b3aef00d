import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { type TestContext, createTestContext, freePort, pollUntil } from '@airis/testing';
import PostalMime from 'postal-mime';
import { LOOPBACK, NotifierHarness, testAlert, testNotification } from './testing/harness';
import { type MotoProcess, startMoto } from './testing/moto-process';

/*
 * Email through nodemailer's SES transport (AWS SDK v3 SESv2 client) to a real local moto
 * server standing in for SES: the message is read back from moto's inspection API and parsed.
 * The receiver's `ses_endpoint` goes through the SSRF guard like any outbound address.
 */

const ACCESS_KEY_ID = 'AKIAAIRISTEST0000001';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYAIRISTESTKEY';
const FROM = 'alerts@airis.example.com';

interface AuditRecord {
  action: string;
  outcome: string;
  details?: Record<string, string>;
}

describe('notifier: email through SES (moto)', () => {
  let ctx: TestContext;
  let moto: MotoProcess;
  let h: NotifierHarness;

  const sesSpec = (over: Record<string, unknown> = {}) => ({
    email: {
      transport: 'ses',
      ses_region: 'eu-west-1',
      ses_endpoint: moto.url,
      ses_access_key_id: ACCESS_KEY_ID,
      ses_secret_access_key: h.box.seal(SECRET_ACCESS_KEY),
      from: FROM,
      to: ['oncall@example.com', 'ml@example.com'],
      ...over,
    },
  });

  beforeAll(async () => {
    ctx = createTestContext('notifier-ses');
    moto = await startMoto(await freePort());
    // SES sends only from verified identities: verify the sender as an admin would.
    const admin = new SESv2Client({
      region: 'eu-west-1',
      endpoint: moto.url,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    });
    await admin.send(new CreateEmailIdentityCommand({ EmailIdentity: FROM }));
    admin.destroy();
    h = await new NotifierHarness(ctx, pollUntil).start();
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await moto?.stop();
    await ctx.cleanup();
  });

  it('sends the notification as a raw MIME message through SES, with text and HTML parts', async () => {
    await h.putReceiver('ses-team', { ...sesSpec(), ssrf_allow: LOOPBACK });
    const a = testAlert({ name: 'GPU memory <high>', severity: 'error' });
    const n = testNotification('ses-team', [a]);
    await h.notify(n);
    const [att] = await h.waitAttempts(n.id, (x) => x.length >= 1, 'SES attempt');
    expect(att).toMatchObject({ channel: 'email', outcome: 'delivered', attempt: 1 });
    expect(att!.target).toBe('ses → oncall@example.com, ml@example.com');

    const sent = await pollUntil(
      async () => (await moto.sentRawMessages()).find((m) => m.id === att!.response_snippet),
      { description: 'the message in moto' },
    );
    expect(sent.source).toBe(FROM);
    expect(sent.destinations).toEqual(expect.arrayContaining(['oncall@example.com', 'ml@example.com']));
    const mail = await PostalMime.parse(sent.raw_data);
    expect(mail.subject).toBe('[AIRIS-MON] [FIRING:1] GPU memory <high> (team=ml)');
    expect(mail.from?.address).toBe(FROM);
    expect(mail.to?.map((t) => t.address)).toEqual(['oncall@example.com', 'ml@example.com']);
    // The delivery id is the Message-ID, the same on every retry.
    const doc = await h.deliveryDoc(n.id);
    expect(mail.messageId).toBe(`<${String(doc?.['_id']).replace(/[^\w.-]/g, '.')}@airis-mon>`);
    expect(mail.text).toContain('Severity: error');
    expect(mail.text).toContain(`https://airis.example.com/dashboard?alert=${a.id}`);
    expect(mail.html).toContain('GPU memory &lt;high&gt;');
  });

  it('dead-letters what SES rejects (an unverified sender) without retrying', async () => {
    await h.putReceiver('ses-unverified', {
      ...sesSpec({ from: 'someone@unverified.example.org' }),
      retry_schedule_ms: [20, 20, 20],
      ssrf_allow: LOOPBACK,
    });
    const n = testNotification('ses-unverified', [testAlert()]);
    await h.notify(n);
    const [att] = await h.waitAttempts(n.id, (x) => x.length >= 1, 'SES rejection');
    expect(att).toMatchObject({ outcome: 'dead_lettered', attempt: 1 });
    expect(att!.error).toMatch(/^ses_rejected: SES 400 MessageRejected/);
    expect(await h.deliveryDoc(n.id)).toMatchObject({ status: 'dead', attempts: 1 });
  });

  it('retries while the SES endpoint cannot be reached', async () => {
    const closed = await freePort();
    await h.putReceiver('ses-down', {
      ...sesSpec({ ses_endpoint: `http://127.0.0.1:${closed}` }),
      retry_schedule_ms: [20, 20],
      ssrf_allow: LOOPBACK,
    });
    const n = testNotification('ses-down', [testAlert()]);
    await h.notify(n);
    const log = await h.waitAttempts(n.id, (x) => x.length >= 3, 'three attempts');
    expect(log.map((x) => x.outcome)).toEqual(['retry_scheduled', 'retry_scheduled', 'dead_lettered']);
    expect(log[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it.each([
    ['127.0.0.1', (port: string) => `http://127.0.0.1:${port}`],
    ['localhost', (port: string) => `http://localhost:${port}`],
  ])('refuses an SES endpoint on %s without an allow-list, with an audit event', async (what, endpoint) => {
    const before = (await moto.sentRawMessages()).length;
    const id = `ses-ssrf-${what}`;
    await h.putReceiver(id, sesSpec({ ses_endpoint: endpoint(new URL(moto.url).port) }));
    const n = testNotification(id, [testAlert()]);
    await h.notify(n);
    const [att] = await h.waitAttempts(n.id, (x) => x.length >= 1, `${what} refused`);
    expect(att).toMatchObject({ outcome: 'refused', attempt: 1 });
    expect(att!.error).toMatch(/^SSRF guard: (127\.0\.0\.1|::1) is loopback/);
    const event = await pollUntil(
      () =>
        h
          .parsed<AuditRecord>(h.audit)
          .find((e) => e.action === 'outbound.ssrf_refused' && e.details?.['receiver'] === id),
      { description: 'audit event' },
    );
    expect(event.outcome).toBe('denied');
    expect(await moto.sentRawMessages()).toHaveLength(before);
  });
});
