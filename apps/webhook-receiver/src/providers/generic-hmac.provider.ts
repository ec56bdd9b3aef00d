import { createHmac } from 'node:crypto';
import {
  type Normalized,
  type ProviderHandler,
  type Verification,
  type WebhookRequest,
  anySecretMatches,
  asString,
  checkTimestamp,
  clamp,
  emptyNormalized,
  header,
  parseJsonObject,
  severityOf,
  sha256Hex,
  timeMs,
  toleranceOf,
} from './provider';

/**
 * Any sender that signs with HMAC-SHA256 (Jenkins plugins, Argo CD notifications, in-house
 * tools): header, encoding and prefix are configurable; with a timestamp header the signed
 * content is `"{timestamp}.{body}"` and the timestamp must be inside the replay window.
 */
export const genericHmacProvider: ProviderHandler = {
  provider: 'generic-hmac',

  verify(request: WebhookRequest): Verification {
    const options = request.spec.generic ?? {};
    const headerName = options.signature_header ?? 'x-signature';
    const signature = header(request, headerName);
    if (!signature) return { ok: false, reason: `${headerName} header missing` };
    let content: Buffer = request.body;
    if (options.timestamp_header) {
      const timestamp = header(request, options.timestamp_header);
      const stale = checkTimestamp(timestamp, request.now, toleranceOf(request));
      if (stale) return { ok: false, reason: stale };
      content = Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), request.body]);
    }
    const prefix = options.prefix ?? '';
    const encoding = options.encoding ?? 'hex';
    const presented = encoding === 'hex' ? signature.toLowerCase() : signature;
    const ok = anySecretMatches(
      request.secrets,
      presented,
      (secret) =>
        `${encoding === 'hex' ? prefix.toLowerCase() : prefix}${createHmac('sha256', secret).update(content).digest(encoding)}`,
    );
    if (!ok) return { ok: false, reason: 'signature mismatch' };
    const deliveryId = options.delivery_id_header ? header(request, options.delivery_id_header) : undefined;
    return { ok: true, deliveryId: deliveryId ?? sha256Hex(content) };
  },

  normalize(request: WebhookRequest): Normalized {
    const body = parseJsonObject(request.body);
    const options = request.spec.generic ?? {};
    const fromHeader = options.event_type_header ? header(request, options.event_type_header) : undefined;
    const eventType = fromHeader ?? asString(body['event_type']) ?? asString(body['type']) ?? 'webhook';
    const out = emptyNormalized();
    out.events.push({
      timestamp: timeMs(body['timestamp']) ?? (typeof body['timestamp'] === 'number' ? body['timestamp'] : request.now),
      source: clamp(asString(body['source']) ?? request.spec.event_source ?? request.sourceId),
      event_type: clamp(eventType),
      severity: severityOf(body['severity']),
      data: { payload: body },
    });
    return out;
  },
};
