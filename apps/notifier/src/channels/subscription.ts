import type { AlertDto } from '@airis/contracts';

export { WEBHOOK_SUBSCRIPTION_KIND } from '@airis/contracts';

/**
 * An outbound webhook subscription (config kind `webhook-subscription`, written by the gateway's
 * `/api/v1/integrations/webhooks`: the seed's name, url, events, headers, secret). Read loosely:
 * the gateway owns the DTO; anything unusable makes the subscription inactive, not a crash.
 */
export interface WebhookSubscription {
  id: string;
  name: string;
  url: string;
  events: string[];
  headers: Record<string, string>;
  secret?: unknown;
  enabled: boolean;
  ssrfAllow: string[];
}

export function parseSubscription(id: string, spec: Record<string, unknown>): WebhookSubscription | string {
  const url = spec['url'];
  if (typeof url !== 'string') return 'url missing';
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'url must be http(s)';
  } catch {
    return 'url invalid';
  }
  const events = Array.isArray(spec['events']) ? spec['events'].filter((e): e is string => typeof e === 'string') : [];
  const headers: Record<string, string> = {};
  const rawHeaders = spec['headers'];
  if (rawHeaders && typeof rawHeaders === 'object' && !Array.isArray(rawHeaders)) {
    for (const [k, v] of Object.entries(rawHeaders as Record<string, unknown>))
      if (typeof v === 'string') headers[k] = v;
  }
  const allow = spec['ssrf_allow'];
  return {
    id,
    name: typeof spec['name'] === 'string' ? spec['name'] : id,
    url,
    events,
    headers,
    ...(spec['secret'] !== undefined && spec['secret'] !== null ? { secret: spec['secret'] } : {}),
    enabled: spec['enabled'] !== false,
    ssrfAllow: Array.isArray(allow) ? allow.filter((a): a is string => typeof a === 'string') : [],
  };
}

/** The event type of an alert state change on an outbound webhook: `alert.<status>`. */
export function alertEventType(alert: AlertDto): string {
  return `alert.${alert.status}`;
}

/**
 * Whether a subscription wants this alert change. Patterns: `*`, `alert.*`, `alert.firing`, a
 * bare status (`firing`), an alert type (`model_drift`) or `<alert type>.<status>`; an empty
 * list means everything.
 */
export function subscriptionMatches(sub: WebhookSubscription, alert: AlertDto): boolean {
  if (!sub.enabled) return false;
  if (sub.events.length === 0) return true;
  const type = alertEventType(alert);
  const wanted = new Set(['*', 'alert.*', type, alert.status, alert.alert_type, `${alert.alert_type}.${alert.status}`]);
  return sub.events.some((e) => wanted.has(e));
}

/** The body of an outbound webhook: Standard Webhooks' recommended `{type, timestamp, data}`. */
export function renderSubscriptionEvent(alert: AlertDto, at: Date): Record<string, unknown> {
  return { type: alertEventType(alert), timestamp: at.toISOString(), data: alert };
}
