import type { AlertDto, NotificationRequestDto } from '@airis/contracts';
import { Webhook } from 'standardwebhooks';
import { renderDiscord, renderEmail, renderTeams, renderTelegram, DISCORD_LIMITS } from './chat.render';
import { pagerDutyAction, renderPagerDuty } from './pagerduty.render';
import { SLACK_LIMITS, renderSlack } from './slack.render';
import { standardWebhookHeaders } from './standard-webhooks';
import { parseSubscription, subscriptionMatches } from './subscription';

const alert = (i: number, over: Partial<AlertDto> = {}): AlertDto => ({
  id: `a-${i}`,
  fingerprint: `fp-${i}`,
  name: `Model drift ${i}`,
  status: 'firing',
  severity: 'critical',
  description: `Drift score above threshold on model ${i}`,
  source: 'mlflow',
  alert_type: 'model_drift',
  model_id: `model-${i}`,
  environment: 'production',
  threshold: 0.3,
  current_value: 0.42,
  duration: '5m',
  labels: {},
  timestamp: Date.UTC(2026, 10, 22, 3, 58, 7),
  updated_at: Date.UTC(2026, 10, 22, 3, 58, 7),
  ...over,
});

const notification = (alerts: AlertDto[], status: 'firing' | 'resolved' = 'firing'): NotificationRequestDto => ({
  id: 'n-1',
  receiver: 'oncall',
  group_key: '{}:{alertname="drift"}',
  status,
  group_labels: { alertname: 'drift' },
  alerts,
  timestamp: Date.UTC(2026, 10, 22, 4, 0, 0),
});

const DASH = 'https://airis.example.com';

describe('Slack Block Kit (the seed SlackIntegration)', () => {
  it('builds exactly the seed blocks for one alert', () => {
    const msg = renderSlack(notification([alert(1, { severity: 'warning' })]), { dashboardUrl: DASH, channel: '#ml' });
    expect(msg).toMatchObject({ channel: '#ml', username: 'AIRIS-MON', icon_emoji: ':warning:' });
    expect(msg['blocks']).toEqual([
      { type: 'header', text: { type: 'plain_text', text: '🚨 WARNING Alert' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Alert:*\nModel drift 1' },
          { type: 'mrkdwn', text: '*Severity:*\nwarning' },
          { type: 'mrkdwn', text: '*Model:*\nmodel-1' },
          { type: 'mrkdwn', text: '*Environment:*\nproduction' },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: '*Description:*\nDrift score above threshold on model 1' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Triggered at 2026-11-22 03:58:07 UTC' }] },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'View Dashboard' }, url: `${DASH}/dashboard?alert=a-1` },
          { type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, action_id: 'ack_alert_a-1' },
        ],
      },
    ]);
  });

  it('says N/A for a missing model and environment, and :rotating_light: for critical', () => {
    const msg = renderSlack(notification([alert(1, { model_id: undefined, environment: undefined })]), {
      dashboardUrl: DASH,
    });
    expect(msg['icon_emoji']).toBe(':rotating_light:');
    expect(JSON.stringify(msg)).toContain('*Model:*\\nN/A');
    expect(JSON.stringify(msg)).toContain('*Environment:*\\nN/A');
  });

  it('says so when resolved and drops the Acknowledge button', () => {
    const msg = renderSlack(notification([alert(1)], 'resolved'), { dashboardUrl: DASH });
    const blocks = msg['blocks'] as { type: string; text?: { text: string } }[];
    expect(blocks[0]?.text?.text).toBe('✅ RESOLVED: CRITICAL Alert');
    expect(JSON.stringify(msg)).not.toContain('ack_alert_');
    expect(JSON.stringify(msg)).toContain('Resolved at');
  });

  it('keeps a group of 120 alerts inside Slack limits with a "+N more" line', () => {
    const alerts = Array.from({ length: 120 }, (_, i) => alert(i, { description: 'x'.repeat(5000) }));
    const msg = renderSlack(notification(alerts), { dashboardUrl: DASH });
    const blocks = msg['blocks'] as Record<string, unknown>[];
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const sections = blocks.filter((b) => b['type'] === 'section');
    expect(sections).toHaveLength(46);
    for (const s of sections) {
      expect((s['text'] as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect((s['fields'] as unknown[]).length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      expect((s['accessory'] as { action_id: string }).action_id).toMatch(/^ack_alert_a-\d+$/);
    }
    expect(JSON.stringify(blocks)).toContain('+74 more');
    expect((blocks[0]?.['text'] as { text: string }).text).toBe('🚨 120 CRITICAL Alerts');
  });
});

describe('PagerDuty Events API v2 (the seed PagerDutyIntegration)', () => {
  it('triggers with the seed payload', () => {
    const event = renderPagerDuty('trigger', alert(7), { routingKey: 'R'.repeat(32), dashboardUrl: DASH });
    expect(event).toEqual({
      routing_key: 'R'.repeat(32),
      event_action: 'trigger',
      dedup_key: 'airis-mon-a-7',
      client: 'AIRIS-MON',
      client_url: `${DASH}/dashboard?alert=a-7`,
      payload: {
        summary: 'AIRIS-MON Alert: Model drift 7',
        source: 'mlflow',
        severity: 'critical',
        timestamp: '2026-11-22T03:58:07.000Z',
        component: 'model-7',
        group: 'production',
        class: 'model_drift',
        custom_details: {
          alert_id: 'a-7',
          model_id: 'model-7',
          environment: 'production',
          threshold: 0.3,
          current_value: 0.42,
          duration: '5m',
          dashboard_url: `${DASH}/dashboard?alert=a-7`,
        },
      },
    });
  });

  it('uses the seed defaults and caps the summary at 1024 characters', () => {
    const a = alert(1, { name: 'n'.repeat(2000), model_id: undefined, environment: undefined, alert_type: '' });
    const p = renderPagerDuty('trigger', a, { routingKey: 'k', dashboardUrl: DASH })['payload'] as Record<
      string,
      string
    >;
    expect(p['summary']?.length).toBe(1024);
    expect(p).toMatchObject({ component: 'unknown', group: 'production', class: 'monitoring' });
  });

  it('acknowledges and resolves with the same dedup key only', () => {
    expect(pagerDutyAction('resolved', alert(1))).toBe('resolve');
    expect(pagerDutyAction('firing', alert(1, { status: 'acknowledged' }))).toBe('acknowledge');
    expect(pagerDutyAction('firing', alert(1))).toBe('trigger');
    expect(renderPagerDuty('resolve', alert(3), { routingKey: 'k', dashboardUrl: DASH })).toEqual({
      routing_key: 'k',
      event_action: 'resolve',
      dedup_key: 'airis-mon-a-3',
    });
  });
});

describe('Teams, Discord, Telegram, email', () => {
  it('Teams: a Workflows message with one Adaptive Card', () => {
    const msg = renderTeams(notification([alert(1), alert(2)]), { dashboardUrl: DASH });
    const attachments = msg['attachments'] as { contentType: string; content: Record<string, unknown> }[];
    expect(msg['type']).toBe('message');
    expect(attachments).toHaveLength(1);
    expect(attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachments[0]?.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(JSON.stringify(msg)).toContain('"title":"Alert","value":"Model drift 2"');
  });

  it('Discord: at most 10 embeds within the 6000-character total', () => {
    const alerts = Array.from({ length: 14 }, (_, i) => alert(i, { description: 'd'.repeat(5000) }));
    const msg = renderDiscord(notification(alerts), { dashboardUrl: DASH });
    const embeds = msg['embeds'] as { title: string; description: string; fields: { name: string; value: string }[] }[];
    expect(embeds).toHaveLength(DISCORD_LIMITS.embeds);
    // Discord counts titles, descriptions, field names and values of all embeds.
    const total = embeds.reduce(
      (n, e) =>
        n + e.title.length + e.description.length + e.fields.reduce((m, f) => m + f.name.length + f.value.length, 0),
      0,
    );
    expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    expect(msg['content']).toContain('+4 more');
  });

  it('Discord: long titles and fields leave the descriptions what remains of the 6000 total', () => {
    const alerts = Array.from({ length: 12 }, (_, i) =>
      alert(i, {
        name: 'n'.repeat(256),
        description: i === 0 ? 'short' : 'd'.repeat(4096),
        model_id: 'm'.repeat(256),
        environment: '',
      }),
    );
    const msg = renderDiscord(notification(alerts), { dashboardUrl: DASH });
    const embeds = msg['embeds'] as {
      title: string;
      description?: string;
      fields: { name: string; value: string }[];
    }[];
    const total = embeds.reduce(
      (n, e) =>
        n +
        e.title.length +
        (e.description ?? '').length +
        e.fields.reduce((m, f) => m + f.name.length + f.value.length, 0),
      0,
    );
    expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    expect(total).toBeGreaterThan(DISCORD_LIMITS.total - 20); // the room is used, not wasted
    expect(embeds[0]?.description).toBe('short');
    expect(embeds.every((e) => e.fields.every((f) => f.value.length > 0))).toBe(true); // empty → N/A
  });

  it('Telegram: escaped HTML within 4096 characters', () => {
    const alerts = Array.from({ length: 40 }, (_, i) => alert(i, { name: `<b>&${i}` }));
    const msg = renderTelegram(notification(alerts), { dashboardUrl: DASH, chatId: '-100' });
    expect((msg['text'] as string).length).toBeLessThanOrEqual(4096);
    expect(msg['text']).toContain('&lt;b&gt;&amp;0');
    expect(msg['text']).toMatch(/\+\d+ more/);
    expect(msg).toMatchObject({ chat_id: '-100', parse_mode: 'HTML' });
  });

  it('email: subject with status and count, text and HTML parts', () => {
    const mail = renderEmail(notification([alert(1, { name: '<script>' })]), { dashboardUrl: DASH });
    expect(mail.subject).toBe('[AIRIS-MON] [FIRING:1] <script> (alertname=drift)');
    expect(mail.text).toContain('Severity: critical');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).not.toContain('<script>');
  });
});

describe('Standard Webhooks signer', () => {
  it('produces the specification test vector', () => {
    const headers = standardWebhookHeaders(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      new Date(1614265330 * 1000),
      '{"test": 2432232314}',
    );
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('is verified by the reference verifier, and a tampered body is not', () => {
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const body = JSON.stringify({ type: 'alert.firing' });
    const headers = standardWebhookHeaders(secret, 'd-1', new Date(), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'alert.firing' });
    expect(() => new Webhook(secret).verify(body.replace('firing', 'resolved'), headers)).toThrow();
  });
});

describe('webhook subscriptions', () => {
  it.each([
    [{}, 'url missing'],
    [{ url: 'ftp://x' }, 'url must be http(s)'],
    [{ url: 'not a url' }, 'url invalid'],
    [{ url: 42 }, 'url missing'],
  ])('refuses %j', (spec, why) => {
    expect(parseSubscription('s', spec)).toBe(why);
  });

  it('reads the seed fields loosely and matches event patterns', () => {
    const sub = parseSubscription('s1', {
      name: 'ops',
      url: 'https://hooks.example.com/x',
      events: ['alert.resolved', 7],
      headers: { 'X-Team': 'ml', bad: 1 },
      secret: 'whsec_abc',
    });
    if (typeof sub === 'string') throw new Error(sub);
    expect(sub).toMatchObject({ name: 'ops', events: ['alert.resolved'], headers: { 'X-Team': 'ml' }, enabled: true });
    expect(subscriptionMatches(sub, alert(1))).toBe(false);
    expect(subscriptionMatches(sub, alert(1, { status: 'resolved' }))).toBe(true);
    expect(subscriptionMatches({ ...sub, events: ['model_drift'] }, alert(1))).toBe(true);
    expect(subscriptionMatches({ ...sub, events: [] }, alert(1))).toBe(true);
    expect(subscriptionMatches({ ...sub, events: ['*'], enabled: false }, alert(1))).toBe(false);
  });
});
