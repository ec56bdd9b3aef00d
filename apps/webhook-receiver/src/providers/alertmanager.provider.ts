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
  emptyNormalized,
  header,
  parseJsonObject,
  severityOf,
  sha256Hex,
  stringMap,
  timeMs,
} from './provider';

/**
 * Prometheus Alertmanager webhook (payload version 4), authenticated by the receiver's
 * `http_config`: `authorization` (Bearer token) or `basic_auth`. Alertmanager sends no delivery
 * id, so the dedup key is the SHA-256 of the body: an identical retry is one delivery, a
 * change of status or of the alert set is a new one.
 */
export const alertmanagerProvider: ProviderHandler = {
  provider: 'alertmanager',

  verify(request: WebhookRequest): Verification {
    const authorization = header(request, 'authorization');
    if (!authorization) return { ok: false, reason: 'Authorization header missing' };
    const scheme = request.spec.alertmanager?.auth ?? 'bearer';
    const [word, credentials = ''] = authorization.split(/\s+/, 2);
    let presented: string;
    if (scheme === 'bearer') {
      if (word?.toLowerCase() !== 'bearer') return { ok: false, reason: 'expected Bearer authorization' };
      presented = credentials;
    } else {
      if (word?.toLowerCase() !== 'basic') return { ok: false, reason: 'expected Basic authorization' };
      presented = Buffer.from(credentials, 'base64').toString('utf8');
    }
    let matched = false;
    for (const secret of request.secrets) if (safeEqual(secret, presented)) matched = true;
    return matched ? { ok: true, deliveryId: sha256Hex(request.body) } : { ok: false, reason: 'credentials mismatch' };
  },

  normalize(request: WebhookRequest): Normalized {
    const body = parseJsonObject(request.body);
    const version = asString(body['version']);
    if (version !== '4') throw new PayloadError('unsupported_version', 'version must be "4"', 'version');
    const alerts = body['alerts'];
    if (!Array.isArray(alerts)) throw new PayloadError('missing_field', 'alerts must be an array', 'alerts');
    const out = emptyNormalized();
    const commonLabels = stringMap(body['commonLabels']);
    alerts.forEach((raw, i) => {
      const alert = asRecord(raw);
      if (!alert) throw new PayloadError('invalid_field', `alerts[${i}] must be an object`, `alerts[${i}]`);
      const status = asString(alert['status']);
      if (status !== 'firing' && status !== 'resolved') {
        throw new PayloadError(
          'invalid_field',
          `alerts[${i}].status must be firing or resolved`,
          `alerts[${i}].status`,
        );
      }
      const labels = stringMap(alert['labels']);
      const annotations = stringMap(alert['annotations']);
      const fingerprint = asString(alert['fingerprint']);
      const startsAt = timeMs(alert['startsAt']);
      const endsAt = timeMs(alert['endsAt']);
      out.events.push({
        timestamp: (status === 'resolved' ? endsAt : startsAt) ?? request.now,
        source: clamp(request.spec.event_source ?? labels['job'] ?? commonLabels['job'] ?? request.sourceId),
        event_type: 'alertmanager.alert',
        severity: status === 'resolved' ? 'info' : severityOf(labels['severity'], 'warning'),
        data: {
          status,
          alertname: labels['alertname'],
          fingerprint,
          labels,
          annotations,
          starts_at: asString(alert['startsAt']),
          ends_at: asString(alert['endsAt']),
          generator_url: asString(alert['generatorURL']),
          receiver: asString(body['receiver']),
          group_key: asString(body['groupKey']),
          group_labels: stringMap(body['groupLabels']),
          external_url: asString(body['externalURL']),
        },
      });
    });
    return out;
  },
};
