import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature `v1,<base64>`)
 * for a body, signed with a `whsec_` secret by the reference `standardwebhooks` library.
 * The id is the delivery's dedup key: receivers use it to drop retried duplicates.
 */
export function standardWebhookHeaders(secret: string, msgId: string, at: Date, body: string): Record<string, string> {
  const signature = new Webhook(secret).sign(msgId, at, body);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

/** Unsigned deliveries still carry the id and timestamp, so receivers can dedup. */
export function unsignedWebhookHeaders(msgId: string, at: Date): Record<string, string> {
  return { 'webhook-id': msgId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)) };
}
