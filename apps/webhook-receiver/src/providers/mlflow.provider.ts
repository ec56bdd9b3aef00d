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
  parseJsonObject,
  requireString,
  stringMap,
  timeMs,
  toleranceOf,
} from './provider';

/**
 * MLflow 3.x webhooks: `X-MLflow-Signature: v1,<base64 HMAC-SHA256 of
 * "{delivery_id}.{timestamp}.{payload}">` with `X-MLflow-Delivery-Id` and `X-MLflow-Timestamp`
 * (Unix seconds, replay window). Older senders sign `sha256=<hex HMAC of the body>`.
 */
export const mlflowProvider: ProviderHandler = {
  provider: 'mlflow',

  verify(request: WebhookRequest): Verification {
    const signature = header(request, 'x-mlflow-signature');
    if (!signature) return { ok: false, reason: 'X-MLflow-Signature header missing' };
    const deliveryId = header(request, 'x-mlflow-delivery-id');
    if (signature.startsWith('v1,')) {
      if (!deliveryId) return { ok: false, reason: 'X-MLflow-Delivery-Id header missing' };
      const timestamp = header(request, 'x-mlflow-timestamp');
      const stale = checkTimestamp(timestamp, request.now, toleranceOf(request));
      if (stale) return { ok: false, reason: stale };
      const signed = Buffer.concat([Buffer.from(`${deliveryId}.${timestamp}.`, 'utf8'), request.body]);
      const ok = anySecretMatches(
        request.secrets,
        signature,
        (secret) => `v1,${createHmac('sha256', secret).update(signed).digest('base64')}`,
      );
      return ok ? { ok: true, deliveryId } : { ok: false, reason: 'signature mismatch' };
    }
    if (signature.startsWith('sha256=')) {
      const ok = anySecretMatches(
        request.secrets,
        signature.toLowerCase(),
        (secret) => `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`,
      );
      if (!ok) return { ok: false, reason: 'signature mismatch' };
      return deliveryId ? { ok: true, deliveryId } : { ok: true };
    }
    return { ok: false, reason: 'X-MLflow-Signature has an unknown scheme' };
  },

  normalize(request: WebhookRequest): Normalized {
    const body = parseJsonObject(request.body);
    const entity = requireString(body, 'entity');
    const action = requireString(body, 'action');
    const payload = asRecord(body['data']);
    if (!payload) throw new PayloadError('missing_field', 'data is required', 'data');
    const modelName = requireString(payload, 'name', 'data.name');
    const change = `${entity}.${action}`;
    const timestamp = timeMs(body['timestamp']) ?? request.now;
    const base = {
      lifecycle_event: change,
      model_name: modelName,
      delivery_id: header(request, 'x-mlflow-delivery-id'),
      ...(asString(body['workspace']) ? { workspace: asString(body['workspace']) } : {}),
    };
    let eventType: string;
    let data: Record<string, unknown>;
    if (entity === 'registered_model' || entity === 'prompt') {
      eventType = `${entity}_${action}`;
      data = { ...base, tags: stringMap(payload['tags']), description: asString(payload['description']) };
    } else {
      // The seed's model_version_status fields; what a webhook does not carry (stage, status,
      // timestamps of the version) stays null rather than being guessed.
      eventType = 'model_version_status';
      data = {
        ...base,
        version: asString(payload['version']) ?? null,
        stage: asString(payload['current_stage']) ?? null,
        status: asString(payload['status']) ?? (change === 'model_version.created' ? 'CREATED' : null),
        creation_timestamp: change === 'model_version.created' ? timestamp : null,
        last_updated_timestamp: timestamp,
        run_id: asString(payload['run_id']) ?? null,
        tags: stringMap(payload['tags']),
        model_source: asString(payload['source']),
        alias: asString(payload['alias']),
        tag_key: asString(payload['key']),
        tag_value: asString(payload['value']),
        description: asString(payload['description']),
      };
    }
    const out = emptyNormalized();
    out.events.push({
      timestamp,
      source: clamp(`mlflow-${modelName}`),
      event_type: eventType,
      severity: 'info',
      data: dropUndefined(data),
    });
    return out;
  },
};
