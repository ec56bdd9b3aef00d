import type { AlertDto, EmailChannelDto, NotificationRequestDto } from '@airis/contracts';
import type { SecretBox } from '@airis/security';
import { AppError } from '@airis/resilience';
import { renderDiscord, renderEmail, renderTeams, renderTelegram, renderWebhook } from '../channels/chat.render';
import type { EmailMessage } from '../channels/email.sender';
import { PAGERDUTY_EVENTS_URL, pagerDutyAction, renderPagerDuty } from '../channels/pagerduty.render';
import { renderSlack } from '../channels/slack.render';
import { standardWebhookHeaders, unsignedWebhookHeaders } from '../channels/standard-webhooks';
import { renderSubscriptionEvent } from '../channels/subscription';
import type { OutboundRequest } from '../http/http-sender';
import type { ReceiverRegistry } from '../receiver.registry';
import type { DeliveryDoc } from './delivery.store';

/** What one attempt will do, built from the stored delivery and the live configuration. */
export type Prepared =
  | {
      kind: 'http';
      endpoint: string;
      receiver: string;
      target: string;
      request: OutboundRequest;
      allow: string[];
      /** Minimum gap between messages to this endpoint (Slack: 1/s). */
      minIntervalMs: number;
    }
  | {
      kind: 'email';
      endpoint: string;
      receiver: string;
      target: string;
      message: EmailMessage;
      allow: string[];
      channel: EmailChannelDto;
      password: string | undefined;
      minIntervalMs: number;
    };

export const TELEGRAM_API = 'https://api.telegram.org';
const JSON_HEADERS = { 'content-type': 'application/json', 'user-agent': 'AIRIS-MON-Notifier/1' };

const redacted = new Map<string, string>();

/** Payloads of fresh deliveries as consumed, by delivery: their first try needs no JSON.parse. */
const consumed = new WeakMap<DeliveryDoc, unknown>();

/** Remembers the consumed value a fresh delivery's `payload` was serialised from. */
export function rememberPayload(doc: DeliveryDoc, value: unknown): void {
  consumed.set(doc, value);
}

function payloadOf<T>(doc: DeliveryDoc): T {
  return (consumed.get(doc) ?? JSON.parse(doc.payload)) as T;
}

/** Host and path with secrets (Slack/Discord/Teams tokens live in the path) cut off, for logs. */
export function redactUrl(url: string): string {
  let r = redacted.get(url);
  if (r === undefined) {
    try {
      const u = new URL(url);
      r = `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : '/'}`;
    } catch {
      r = 'invalid-url';
    }
    // Receivers' URLs are few; a bounded cache spares a URL parse per delivery.
    if (redacted.size >= 10_000) redacted.clear();
    redacted.set(url, r);
  }
  return r;
}

function reveal(box: SecretBox, value: unknown, what: string): string {
  const v = box.reveal(value);
  if (!v) throw AppError.permanent('secret_missing', `${what} is empty`);
  return v;
}

/**
 * Builds the request of a delivery. Throws a permanent AppError when it cannot be sent (receiver
 * gone, channel removed, secret that cannot be opened): the delivery is dead-lettered with it.
 */
export function prepareRequest(
  doc: DeliveryDoc,
  registry: ReceiverRegistry,
  box: SecretBox,
  opts: { dashboardUrl: string; slackMinIntervalMs: number; now: Date },
): Prepared {
  if (doc.channel === 'subscription') {
    const sub = registry.subscription(doc.receiver);
    if (!sub) throw AppError.permanent('subscription_missing', `webhook subscription ${doc.receiver} no longer exists`);
    if (!sub.enabled)
      throw AppError.permanent('subscription_disabled', `webhook subscription ${doc.receiver} is disabled`);
    const alert = payloadOf<AlertDto>(doc);
    const body = JSON.stringify(renderSubscriptionEvent(alert, new Date(alert.updated_at || doc.created_at.getTime())));
    const secret = box.reveal(sub.secret);
    const signing = secret
      ? standardWebhookHeaders(secret, doc._id, opts.now, body)
      : unsignedWebhookHeaders(doc._id, opts.now);
    return {
      kind: 'http',
      endpoint: `subscription/${sub.id}`,
      receiver: sub.id,
      target: redactUrl(sub.url),
      request: { url: sub.url, headers: { ...sub.headers, ...JSON_HEADERS, ...signing }, body },
      allow: sub.ssrfAllow,
      minIntervalMs: 0,
    };
  }
  const receiver = registry.receiver(doc.receiver);
  if (!receiver) throw AppError.permanent('receiver_missing', `receiver ${doc.receiver} no longer exists`);
  if (receiver.spec.enabled === false)
    throw AppError.permanent('receiver_disabled', `receiver ${doc.receiver} is disabled`);
  const spec = receiver.spec;
  const n = payloadOf<NotificationRequestDto>(doc);
  const dashboardUrl = (spec.dashboard_url ?? opts.dashboardUrl).replace(/\/+$/, '');
  const allow = spec.ssrf_allow ?? [];
  const endpoint = `${receiver.id}/${doc.channel}`;
  const http = (url: string, payload: unknown, headers: Record<string, string> = {}, minIntervalMs = 0): Prepared => ({
    kind: 'http',
    endpoint,
    receiver: receiver.id,
    target: redactUrl(url),
    request: { url, headers: { ...headers, ...JSON_HEADERS }, body: JSON.stringify(payload) },
    allow,
    minIntervalMs,
  });
  const missing = (): never => {
    throw AppError.permanent('channel_missing', `receiver ${receiver.id} has no ${doc.channel} channel any more`);
  };
  switch (doc.channel) {
    case 'slack': {
      const c = spec.slack ?? missing();
      return http(
        reveal(box, c.webhook_url, 'slack.webhook_url'),
        renderSlack(n, {
          dashboardUrl,
          ...(c.channel ? { channel: c.channel } : {}),
          ...(c.username ? { username: c.username } : {}),
        }),
        {},
        opts.slackMinIntervalMs,
      );
    }
    case 'pagerduty': {
      const c = spec.pagerduty ?? missing();
      const alert = n.alerts.find((a) => a.id === doc.alert_id);
      if (!alert) throw AppError.permanent('alert_missing', `alert ${doc.alert_id ?? '?'} not in the notification`);
      const routingKey = reveal(box, c.routing_key, 'pagerduty.routing_key');
      return http(
        c.events_url ?? PAGERDUTY_EVENTS_URL,
        renderPagerDuty(pagerDutyAction(n.status, alert), alert, { routingKey, dashboardUrl }),
      );
    }
    case 'teams': {
      const c = spec.teams ?? missing();
      return http(reveal(box, c.workflow_url, 'teams.workflow_url'), renderTeams(n, { dashboardUrl }));
    }
    case 'discord': {
      const c = spec.discord ?? missing();
      return http(
        reveal(box, c.webhook_url, 'discord.webhook_url'),
        renderDiscord(n, { dashboardUrl, ...(c.username ? { username: c.username } : {}) }),
      );
    }
    case 'telegram': {
      const c = spec.telegram ?? missing();
      const token = reveal(box, c.bot_token, 'telegram.bot_token');
      const base = (c.api_base ?? TELEGRAM_API).replace(/\/+$/, '');
      const prepared = http(`${base}/bot${token}/sendMessage`, renderTelegram(n, { dashboardUrl, chatId: c.chat_id }));
      return { ...prepared, target: `${redactUrl(base)} chat ${c.chat_id}` };
    }
    case 'email': {
      const c = spec.email ?? missing();
      return {
        kind: 'email',
        endpoint,
        receiver: receiver.id,
        target: `${c.transport === 'ses' ? 'ses' : `smtp://${c.smtp?.host ?? '?'}:${c.smtp?.port ?? '?'}`} → ${c.to.join(', ')}`,
        message: { ...renderEmail(n, { dashboardUrl }), messageId: `<${doc._id.replace(/[^\w.-]/g, '.')}@airis-mon>` },
        allow,
        channel: c,
        password: box.reveal(c.transport === 'ses' ? c.ses_secret_access_key : c.smtp?.password),
        minIntervalMs: 0,
      };
    }
    case 'webhook': {
      const c = spec.webhook ?? missing();
      const body = JSON.stringify(renderWebhook(n));
      const secret = box.reveal(c.secret);
      const signing = secret
        ? standardWebhookHeaders(secret, doc._id, opts.now, body)
        : unsignedWebhookHeaders(doc._id, opts.now);
      return {
        kind: 'http',
        endpoint,
        receiver: receiver.id,
        target: redactUrl(c.url),
        request: { url: c.url, headers: { ...(c.headers ?? {}), ...JSON_HEADERS, ...signing }, body },
        allow,
        minIntervalMs: 0,
      };
    }
  }
}
