import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import {
  DISCORD,
  type DiscordMessage,
  type TelegramSendMessage,
  discordEmbedChars,
  discordHandler,
  discordRateLimited,
  parseTelegramHtml,
  telegramHandler,
  telegramRateLimited,
} from './testing/chat-providers';
import { FakeProvider } from './testing/fake-provider';
import { LOOPBACK, NotifierHarness, testAlert, testNotification } from './testing/harness';

/*
 * Discord (execute webhook) and Telegram (Bot API sendMessage) end to end: the notifier on the
 * real broker and FerretDB posts to local servers that check each provider's documented format
 * and limits and answer as the provider does — success bodies, 429 with `retry_after`, 400.
 */

const BOT_TOKEN = '7012345678:AAH3kq9Zt0xVbYw4cD5eF6gH7iJ8kL9mN0o';
const CHAT = '-1001234567890';

describe('notifier: Discord and Telegram', () => {
  let ctx: TestContext;
  let fake: FakeProvider;
  let h: NotifierHarness;

  beforeAll(async () => {
    ctx = createTestContext('notifier-chat');
    fake = await new FakeProvider().start();
    h = await new NotifierHarness(ctx, pollUntil).start();
  });

  afterAll(async () => {
    await h?.close();
    await fake?.stop();
    await ctx.cleanup();
  });

  describe('Discord execute webhook', () => {
    it('posts one embed carrying the alert; 200 with the message for ?wait=true, 204 without', async () => {
      fake.route('/discord/api/webhooks/', discordHandler);
      await h.putReceiver('dc-wait', {
        discord: { webhook_url: h.box.seal(`${fake.url}/discord/api/webhooks/111/tokA?wait=true`) },
        ssrf_allow: LOOPBACK,
      });
      await h.putReceiver('dc-nowait', {
        discord: { webhook_url: h.box.seal(`${fake.url}/discord/api/webhooks/222/tokB`), username: 'AIRIS alerts' },
        ssrf_allow: LOOPBACK,
      });
      const a = testAlert({ severity: 'error', name: 'Feature drift on <income>' });
      const waited = testNotification('dc-wait', [a]);
      const plain = testNotification('dc-nowait', [testAlert()]);
      await h.notify(waited);
      await h.notify(plain);
      const [w] = await h.waitAttempts(waited.id, (x) => x.length >= 1, 'Discord ?wait=true attempt');
      const [p] = await h.waitAttempts(plain.id, (x) => x.length >= 1, 'Discord attempt');
      expect(w).toMatchObject({ channel: 'discord', outcome: 'delivered', http_status: 200, attempt: 1 });
      expect(JSON.parse(w!.response_snippet ?? '{}')).toMatchObject({ type: 0, webhook_id: '111' });
      expect(p).toMatchObject({ channel: 'discord', outcome: 'delivered', http_status: 204, attempt: 1 });
      // The webhook token is in the path: the logged target does not carry it.
      expect(w!.target).not.toContain('tokA');

      const body = fake.on('/discord/api/webhooks/111/')[0]!.json as DiscordMessage;
      expect(body.content).toBe('**🚨 ERROR Alert**');
      expect(body.allowed_mentions).toEqual({ parse: [] });
      expect(body.embeds).toHaveLength(1);
      expect(body.embeds![0]).toMatchObject({
        title: a.name,
        description: a.description,
        url: `https://airis.example.com/dashboard?alert=${a.id}`,
        color: 0xf57c00,
        timestamp: new Date(a.timestamp).toISOString(),
        fields: [
          { name: 'Severity', value: 'error', inline: true },
          { name: 'Model', value: 'fraud-v3', inline: true },
          { name: 'Environment', value: 'production', inline: true },
        ],
      });
      expect((fake.on('/discord/api/webhooks/222/')[0]!.json as DiscordMessage).username).toBe('AIRIS alerts');
    });

    it('waits out a 429 for the retry_after Discord gives, then delivers', async () => {
      let calls = 0;
      fake.route('/discord/api/webhooks/333/', (req) => (++calls === 1 ? discordRateLimited(1) : discordHandler(req)));
      await h.putReceiver('dc-limited', {
        discord: { webhook_url: h.box.seal(`${fake.url}/discord/api/webhooks/333/tokC`) },
        // Far shorter than the server's wait: the retry can only come that late because of it.
        retry_schedule_ms: [20, 20, 20],
        ssrf_allow: LOOPBACK,
      });
      const n = testNotification('dc-limited', [testAlert()]);
      await h.notify(n);
      const log = await h.waitAttempts(n.id, (x) => x.some((a) => a.outcome === 'delivered'), 'delivered after 429');
      expect(log.map((a) => [a.attempt, a.outcome, a.http_status])).toEqual([
        [1, 'retry_scheduled', 429],
        [2, 'delivered', 204],
      ]);
      expect(log[0]!.response_snippet).toContain('"retry_after":1');
      const [first, second] = fake.on('/discord/api/webhooks/333/');
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
      expect(second!.json).toEqual(first!.json);
    });

    it('dead-letters a 400 Invalid Form Body at once, without retrying', async () => {
      fake.route('/discord/api/webhooks/444/', discordHandler);
      await h.putReceiver('dc-invalid', {
        // Discord refuses usernames containing "discord": a message it will never accept.
        discord: { webhook_url: h.box.seal(`${fake.url}/discord/api/webhooks/444/tokD`), username: 'discord-alerts' },
        retry_schedule_ms: [20, 20, 20],
        ssrf_allow: LOOPBACK,
      });
      const n = testNotification('dc-invalid', [testAlert()]);
      await h.notify(n);
      const [a] = await h.waitAttempts(n.id, (x) => x.length >= 1, 'Discord 400 attempt');
      expect(a).toMatchObject({ outcome: 'dead_lettered', http_status: 400, attempt: 1, error: 'HTTP 400' });
      expect(JSON.parse(a!.response_snippet ?? '{}')).toMatchObject({
        code: 50035,
        message: 'Invalid Form Body',
        errors: { username: { _errors: [{ code: 'USERNAME_INVALID_CONTAINS' }] } },
      });
      expect(await h.deliveryDoc(n.id)).toMatchObject({ status: 'dead', attempts: 1 });
      expect(fake.on('/discord/api/webhooks/444/')).toHaveLength(1);
    });

    it('keeps a large group inside every Discord limit: 10 embeds, 6000 characters, "+N more"', async () => {
      fake.route('/discord/api/webhooks/555/', discordHandler);
      await h.putReceiver('dc-group', {
        discord: { webhook_url: h.box.seal(`${fake.url}/discord/api/webhooks/555/tokE`) },
        ssrf_allow: LOOPBACK,
      });
      // Longest names and descriptions the alert contract allows, models/environments too.
      const alerts = Array.from({ length: 15 }, (_, i) =>
        testAlert({
          name: `${i} ${'N'.repeat(250)}`,
          description: 'D'.repeat(4096),
          model_id: 'm'.repeat(256),
          environment: 'e'.repeat(256),
          severity: i === 3 ? 'critical' : 'warning',
        }),
      );
      const n = testNotification('dc-group', alerts);
      await h.notify(n);
      const [a] = await h.waitAttempts(n.id, (x) => x.length >= 1, 'grouped Discord attempt');
      expect(a).toMatchObject({ outcome: 'delivered', http_status: 204 });
      const body = fake.on('/discord/api/webhooks/555/')[0]!.json as DiscordMessage;
      expect(body.embeds).toHaveLength(DISCORD.embeds);
      expect(discordEmbedChars(body.embeds!)).toBeLessThanOrEqual(DISCORD.total);
      expect(body.content).toBe('**🚨 15 CRITICAL Alerts** (+5 more)');
      // Every shown alert is there, in order, each with its own link.
      expect(body.embeds!.map((e) => e.url)).toEqual(
        alerts.slice(0, 10).map((x) => `https://airis.example.com/dashboard?alert=${x.id}`),
      );
      for (const e of body.embeds!) expect(e.description!.length).toBeGreaterThan(50);
    });
  });

  describe('Telegram Bot API sendMessage', () => {
    const telegram = telegramHandler([CHAT]);

    it('sends the alert as HTML that the Bot API parses, and reads its {ok:true,result}', async () => {
      fake.route('/tg/bot', telegram);
      await h.putReceiver('tg-team', {
        telegram: { bot_token: h.box.seal(BOT_TOKEN), chat_id: CHAT, api_base: `${fake.url}/tg` },
        ssrf_allow: LOOPBACK,
      });
      const a = testAlert({ name: 'GPU <mem> & "swap" high', description: 'used > 95% on <node-7>' });
      const n = testNotification('tg-team', [a]);
      await h.notify(n);
      const [att] = await h.waitAttempts(n.id, (x) => x.length >= 1, 'Telegram attempt');
      expect(att).toMatchObject({ channel: 'telegram', outcome: 'delivered', http_status: 200, attempt: 1 });
      expect(att!.target).toBe(`http://127.0.0.1:${new URL(fake.url).port}/… chat ${CHAT}`);
      expect(att!.target).not.toContain(BOT_TOKEN.split(':')[1]);
      const reply = JSON.parse(att!.response_snippet ?? '{}') as { ok: boolean; result: { message_id: number } };
      expect(reply.ok).toBe(true);
      expect(reply.result.message_id).toBeGreaterThan(0);

      const req = fake.on('/tg/bot')[0]!;
      expect(req.path).toBe(`/tg/bot${BOT_TOKEN}/sendMessage`);
      const body = req.json as TelegramSendMessage;
      expect(body).toMatchObject({ chat_id: CHAT, parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
      const parsed = parseTelegramHtml(body.text ?? '');
      if ('error' in parsed) throw new Error(parsed.error);
      // What the chat shows: the alert's own text, unescaped, and its details.
      expect(parsed.text).toContain('🚨 CRITICAL Alert');
      expect(parsed.text).toContain('GPU <mem> & "swap" high (critical)');
      expect(parsed.text).toContain('Model: fraud-v3 · Environment: production');
      expect(parsed.text).toContain('used > 95% on <node-7>');
      expect(body.text).toContain(`<a href="https://airis.example.com/dashboard?alert=${a.id}">View Dashboard</a>`);
    });

    it('honours a 429 parameters.retry_after (no Retry-After header), then delivers', async () => {
      let calls = 0;
      fake.route('/tg429/bot', (req) => (++calls === 1 ? telegramRateLimited(1) : telegram(req)));
      await h.putReceiver('tg-flood', {
        telegram: { bot_token: h.box.seal(BOT_TOKEN), chat_id: CHAT, api_base: `${fake.url}/tg429` },
        retry_schedule_ms: [20, 20, 20],
        ssrf_allow: LOOPBACK,
      });
      const n = testNotification('tg-flood', [testAlert()]);
      await h.notify(n);
      const log = await h.waitAttempts(n.id, (x) => x.some((a) => a.outcome === 'delivered'), 'delivered after 429');
      expect(log.map((a) => [a.attempt, a.outcome, a.http_status])).toEqual([
        [1, 'retry_scheduled', 429],
        [2, 'delivered', 200],
      ]);
      const [first, second] = fake.on('/tg429/bot');
      expect(first!.headers['retry-after']).toBeUndefined();
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    });

    it('dead-letters a 400 (chat not found) without retrying', async () => {
      fake.route('/tg400/bot', telegram);
      await h.putReceiver('tg-nochat', {
        telegram: { bot_token: h.box.seal(BOT_TOKEN), chat_id: '-100999', api_base: `${fake.url}/tg400` },
        retry_schedule_ms: [20, 20, 20],
        ssrf_allow: LOOPBACK,
      });
      const n = testNotification('tg-nochat', [testAlert()]);
      await h.notify(n);
      const [a] = await h.waitAttempts(n.id, (x) => x.length >= 1, 'Telegram 400 attempt');
      expect(a).toMatchObject({ outcome: 'dead_lettered', http_status: 400, attempt: 1 });
      expect(JSON.parse(a!.response_snippet ?? '{}')).toEqual({
        ok: false,
        error_code: 400,
        description: 'Bad Request: chat not found',
      });
      expect(await h.deliveryDoc(n.id)).toMatchObject({ status: 'dead', attempts: 1 });
      expect(fake.on('/tg400/bot')).toHaveLength(1);
    });

    it('fits a large group into one message of at most 4096 characters with "+N more"', async () => {
      fake.route('/tgbig/bot', telegram);
      await h.putReceiver('tg-group', {
        telegram: { bot_token: h.box.seal(BOT_TOKEN), chat_id: CHAT, api_base: `${fake.url}/tgbig` },
        ssrf_allow: LOOPBACK,
      });
      const alerts = Array.from({ length: 40 }, (_, i) =>
        testAlert({ name: `a${i}z <&> ${'n'.repeat(200)}`, description: '<&>'.repeat(1300) }),
      );
      const n = testNotification('tg-group', alerts);
      await h.notify(n);
      const [a] = await h.waitAttempts(n.id, (x) => x.length >= 1, 'grouped Telegram attempt');
      expect(a).toMatchObject({ outcome: 'delivered', http_status: 200 });
      const body = fake.on('/tgbig/bot')[0]!.json as TelegramSendMessage;
      const parsed = parseTelegramHtml(body.text ?? '');
      if ('error' in parsed) throw new Error(parsed.error);
      expect(parsed.text.length).toBeLessThanOrEqual(4096);
      const shown = alerts.filter((x) => parsed.text.includes(x.name)).length;
      expect(shown).toBeGreaterThan(0);
      expect(parsed.text).toContain(`+${alerts.length - shown} more`);
      expect(parsed.text).toContain('View Dashboard');
    });
  });
});
