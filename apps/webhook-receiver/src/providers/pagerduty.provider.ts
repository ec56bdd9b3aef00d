import { createHmac } from 'node:crypto';
import { safeEqual } from '@airis/security';
import {
  type Normalized,
  type ProviderHandler,
  type Verification,
  type WebhookRequest,
  PayloadError,
  asRecord,
  asString,
  clamp,
  dropUndefined,
  emptyNormalized,
  header,
  parseJsonObject,
  requireString,
  severityOf,
  timeMs,
} from './provider';

/** Dedup keys the notifier gives PagerDuty incidents (the seed's `airis-mon-{alert id}`). */
export const PAGERDUTY_DEDUP_PREFIX = 'airis-mon-';

const COMMAND_OF: Record<string, 'acknowledge' | 'resolve'> = {
  'incident.acknowledged': 'acknowledge',
  'incident.resolved': 'resolve',
};

/**
 * PagerDuty webhooks v3: `X-PagerDuty-Signature` lists one or more `v1=<hex HMAC-SHA256 of the
 * body>` (several while a secret rotates; any match is enough). `X-Webhook-Id` is the dedup key.
 * incident.acknowledged / incident.resolved of an incident opened by AIRIS-MON become
 * acknowledge / resolve commands for its alert.
 */
export const pagerdutyProvider: ProviderHandler = {
  provider: 'pagerduty',

  verify(request: WebhookRequest): Verification {
    const raw = header(request, 'x-pagerduty-signature');
    if (!raw) return { ok: false, reason: 'X-PagerDuty-Signature header missing' };
    const presented = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('v1='));
    if (presented.length === 0) return { ok: false, reason: 'X-PagerDuty-Signature has no v1 signature' };
    let matched = false;
    for (const secret of request.secrets) {
      const expected = `v1=${createHmac('sha256', secret).update(request.body).digest('hex')}`;
      for (const candidate of presented) if (safeEqual(expected, candidate.toLowerCase())) matched = true;
    }
    if (!matched) return { ok: false, reason: 'signature mismatch' };
    const id = header(request, 'x-webhook-id');
    return id ? { ok: true, deliveryId: id } : { ok: true };
  },

  normalize(request: WebhookRequest): Normalized {
    const body = parseJsonObject(request.body);
    const event = asRecord(body['event']);
    if (!event) throw new PayloadError('missing_field', 'event is required', 'event');
    const eventType = requireString(event, 'event_type', 'event.event_type');
    const data = asRecord(event['data']) ?? {};
    const agent = asRecord(event['agent']);
    const incidentKey = asString(data['incident_key']);
    const alertId = incidentKey?.startsWith(PAGERDUTY_DEDUP_PREFIX)
      ? incidentKey.slice(PAGERDUTY_DEDUP_PREFIX.length)
      : undefined;
    const out = emptyNormalized();
    const who = asString(agent?.['summary']) ?? asString(agent?.['id']) ?? 'pagerduty';
    out.events.push({
      timestamp: timeMs(event['occurred_at']) ?? request.now,
      source: clamp(request.spec.event_source ?? request.sourceId),
      event_type: clamp(`pagerduty.${eventType}`),
      severity:
        eventType === 'incident.triggered' ? severityOf(data['urgency'] === 'high' ? 'error' : 'warning') : 'info',
      data: dropUndefined({
        pagerduty_event_id: asString(event['id']),
        incident_id: asString(data['id']),
        incident_number: data['number'],
        title: asString(data['title']),
        status: asString(data['status']),
        urgency: asString(data['urgency']),
        incident_key: incidentKey,
        alert_id: alertId,
        html_url: asString(data['html_url']),
        service: asString(asRecord(data['service'])?.['summary']),
        agent: who,
      }),
    });
    const action = COMMAND_OF[eventType];
    if (action && alertId) {
      out.commands.push({
        target: alertId,
        action,
        params: dropUndefined({
          via: 'pagerduty',
          incident_id: asString(data['id']),
          incident_url: asString(data['html_url']),
          agent: who,
        }),
        issued_by: clamp(`pagerduty:${who}`),
      });
    }
    return out;
  },
};
