import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import {
  type Normalized,
  type ProviderHandler,
  type Verification,
  type WebhookRequest,
  asString,
  clamp,
  emptyNormalized,
  header,
  parseJsonObject,
  severityOf,
  timeMs,
} from './provider';

/**
 * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), verified by the
 * `standardwebhooks` reference library: its 5-minute window, its space-separated signature
 * list, `whsec_` secrets. The message id is the dedup key.
 */
export function verifyStandardWebhook(secrets: string[], request: WebhookRequest): Verification {
  const id = header(request, 'webhook-id');
  const timestamp = header(request, 'webhook-timestamp');
  const signature = header(request, 'webhook-signature');
  if (!id || !timestamp || !signature) {
    return { ok: false, reason: 'webhook-id, webhook-timestamp and webhook-signature headers are required' };
  }
  const headers = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
  let reason = 'signature mismatch';
  let matched = false;
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(request.body, headers, { jsonParse: false });
      matched = true;
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        if (/timestamp/i.test(error.message)) reason = `timestamp outside the window: ${error.message}`;
      } else {
        reason = `secret unusable: ${(error as Error).message}`;
      }
    }
  }
  return matched ? { ok: true, deliveryId: id } : { ok: false, reason };
}

export const standardWebhooksProvider: ProviderHandler = {
  provider: 'standard-webhooks',

  verify(request: WebhookRequest): Verification {
    return verifyStandardWebhook(request.secrets, request);
  },

  normalize(request: WebhookRequest): Normalized {
    // The spec's payload: {type, timestamp, data}.
    const body = parseJsonObject(request.body);
    const out = emptyNormalized();
    const type = asString(body['type']) ?? 'webhook';
    const data = body['data'];
    out.events.push({
      timestamp: timeMs(body['timestamp']) ?? request.now,
      source: clamp(request.spec.event_source ?? request.sourceId),
      event_type: clamp(type),
      severity: severityOf(
        data && typeof data === 'object' ? (data as Record<string, unknown>)['severity'] : undefined,
      ),
      data: { webhook_id: header(request, 'webhook-id'), payload: body },
    });
    return out;
  },
};
