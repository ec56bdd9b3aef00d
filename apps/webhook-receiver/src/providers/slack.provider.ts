import { createHmac } from 'node:crypto';
import {
  type Normalized,
  type ProviderHandler,
  type Verification,
  type WebhookRequest,
  PayloadError,
  anySecretMatches,
  asRecord,
  asString,
  checkTimestamp,
  clamp,
  dropUndefined,
  emptyNormalized,
  header,
  sha256Hex,
} from './provider';

/** Slack's documented replay window for signed requests. */
export const SLACK_TOLERANCE_SECONDS = 300;
/** The seed's Acknowledge button: `action_id` = `ack_alert_{alert id}`. */
export const ACK_ACTION_PREFIX = 'ack_alert_';

/** Reads the JSON of an interactivity request (form field `payload`) or of an Events API request. */
function readPayload(request: WebhookRequest): Record<string, unknown> {
  const text = request.body.toString('utf8');
  const contentType = header(request, 'content-type') ?? '';
  let json: string;
  if (contentType.includes('application/json')) json = text;
  else {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new PayloadError('missing_field', 'form field payload is required', 'payload');
    json = payload;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new PayloadError('invalid_json', 'payload is not valid JSON', 'payload');
  }
  const record = asRecord(parsed);
  if (!record) throw new PayloadError('invalid_json', 'payload must be a JSON object', 'payload');
  return record;
}

/**
 * Slack signed requests (v0): `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{ts}:{body}">` with
 * `X-Slack-Request-Timestamp` inside 5 minutes. The Acknowledge button becomes an acknowledge
 * command; the original message is updated through `response_url` once the alert is
 * acknowledged (see SlackAcknowledgements).
 */
export const slackProvider: ProviderHandler = {
  provider: 'slack',

  verify(request: WebhookRequest): Verification {
    const signature = header(request, 'x-slack-signature');
    if (!signature) return { ok: false, reason: 'X-Slack-Signature header missing' };
    const timestamp = header(request, 'x-slack-request-timestamp');
    const stale = checkTimestamp(timestamp, request.now, SLACK_TOLERANCE_SECONDS);
    if (stale) return { ok: false, reason: stale };
    const base = Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), request.body]);
    const ok = anySecretMatches(
      request.secrets,
      signature,
      (secret) => `v0=${createHmac('sha256', secret).update(base).digest('hex')}`,
    );
    // Slack sends no delivery id; a trigger id is unique per interaction and sits in the body.
    return ok ? { ok: true, deliveryId: sha256Hex(request.body) } : { ok: false, reason: 'signature mismatch' };
  },

  normalize(request: WebhookRequest): Normalized {
    const payload = readPayload(request);
    const type = asString(payload['type']) ?? 'unknown';
    const out = emptyNormalized();
    if (type === 'url_verification') {
      out.reply = {
        contentType: 'application/json',
        body: JSON.stringify({ challenge: asString(payload['challenge']) ?? '' }),
      };
      return out;
    }
    const user = asRecord(payload['user']);
    const userName = asString(user?.['username']) ?? asString(user?.['name']) ?? asString(user?.['id']) ?? 'unknown';
    const userId = asString(user?.['id']);
    const channel = asRecord(payload['channel']);
    const container = asRecord(payload['container']);
    const responseUrl = asString(payload['response_url']);
    const source = clamp(request.spec.event_source ?? request.sourceId);
    if (type === 'block_actions') {
      const actions = Array.isArray(payload['actions']) ? payload['actions'] : [];
      for (const raw of actions) {
        const action = asRecord(raw);
        const actionId = asString(action?.['action_id']) ?? '';
        const alertId = actionId.startsWith(ACK_ACTION_PREFIX) ? actionId.slice(ACK_ACTION_PREFIX.length) : '';
        out.events.push({
          timestamp: request.now,
          source,
          event_type: 'slack.block_action',
          severity: 'info',
          data: dropUndefined({ action_id: actionId, alert_id: alertId || undefined, user: userName, user_id: userId }),
        });
        if (!alertId) continue;
        out.commands.push({
          target: clamp(alertId, 128),
          action: 'acknowledge',
          params: dropUndefined({
            via: 'slack',
            user: userName,
            user_id: userId,
            channel: asString(channel?.['id']) ?? asString(container?.['channel_id']),
            message_ts: asString(container?.['message_ts']),
          }),
          issued_by: clamp(`slack:${userName}`),
        });
        if (responseUrl) out.slackUpdates.push({ alertId, responseUrl, user: userName });
      }
      // Slack wants an empty 200 within 3 s; the message is updated once the ack is applied.
      out.reply = { contentType: 'text/plain', body: '' };
      return out;
    }
    const inner = asRecord(payload['event']);
    out.events.push({
      timestamp: request.now,
      source,
      event_type: clamp(`slack.${asString(inner?.['type']) ?? type}`),
      severity: 'info',
      data: dropUndefined({ type, user: userName, channel: asString(channel?.['id']), event: inner }),
    });
    out.reply = { contentType: 'text/plain', body: '' };
    return out;
  },
};
