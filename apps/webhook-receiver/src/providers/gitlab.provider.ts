import type { EventSeverity } from '@airis/contracts';
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
  timeMs,
} from './provider';
import { verifyStandardWebhook } from './standard-webhooks.provider';

const FAILED = new Set(['failed', 'canceled', 'cancelled']);

function statusSeverity(status: string | undefined): EventSeverity {
  if (status === 'failed') return 'error';
  if (status && FAILED.has(status)) return 'warning';
  return 'info';
}

/**
 * GitLab: the secret token in `X-Gitlab-Token` (constant-time compare against every secret),
 * and when signing tokens are configured the Standard-Webhooks-style `webhook-signature` that
 * newer GitLab versions add. Dedup: `Idempotency-Key` (stable across retries), else
 * `webhook-id`, else `X-Gitlab-Event-UUID`.
 */
export const gitlabProvider: ProviderHandler = {
  provider: 'gitlab',

  verify(request: WebhookRequest): Verification {
    const token = header(request, 'x-gitlab-token');
    const signed = header(request, 'webhook-signature') !== undefined;
    if (request.signingSecrets.length > 0 || (signed && !token)) {
      if (request.signingSecrets.length === 0)
        return { ok: false, reason: 'signed delivery but no signing secret configured' };
      const result = verifyStandardWebhook(request.signingSecrets, request);
      if (!result.ok) return result;
      // A token, when sent, must still match: both proofs hold or the delivery is refused.
      if (token && !request.secrets.some((s) => safeEqual(s, token)))
        return { ok: false, reason: 'X-Gitlab-Token mismatch' };
    } else {
      if (!token) return { ok: false, reason: 'X-Gitlab-Token header missing' };
      let matched = false;
      for (const secret of request.secrets) if (safeEqual(secret, token)) matched = true;
      if (!matched) return { ok: false, reason: 'X-Gitlab-Token mismatch' };
    }
    const deliveryId =
      header(request, 'idempotency-key') ?? header(request, 'webhook-id') ?? header(request, 'x-gitlab-event-uuid');
    return deliveryId ? { ok: true, deliveryId } : { ok: true };
  },

  normalize(request: WebhookRequest): Normalized {
    const body = parseJsonObject(request.body);
    const kind = asString(body['object_kind']) ?? asString(body['event_name']);
    if (!kind) throw new PayloadError('missing_field', 'object_kind is required', 'object_kind');
    const project = asRecord(body['project']);
    const projectPath = asString(project?.['path_with_namespace']) ?? asString(body['project_name']) ?? 'unknown';
    const attributes = asRecord(body['object_attributes']);
    const data: Record<string, unknown> = {
      gitlab_event: header(request, 'x-gitlab-event'),
      event_uuid: header(request, 'x-gitlab-event-uuid'),
      project: projectPath,
      user: asString(asRecord(body['user'])?.['username']) ?? asString(body['user_username']),
    };
    let severity: EventSeverity = 'info';
    let timestamp = request.now;
    switch (kind) {
      case 'pipeline': {
        const status = asString(attributes?.['status']);
        Object.assign(data, {
          pipeline_id: attributes?.['id'],
          ref: asString(attributes?.['ref']),
          sha: asString(attributes?.['sha']),
          status,
          duration_seconds: attributes?.['duration'],
          source: asString(attributes?.['source']),
          url: asString(attributes?.['url']),
        });
        severity = statusSeverity(status);
        timestamp = timeMs(attributes?.['created_at']) ?? timestamp;
        break;
      }
      case 'build': {
        const status = asString(body['build_status']);
        Object.assign(data, {
          job_id: body['build_id'],
          job: asString(body['build_name']),
          stage: asString(body['build_stage']),
          status,
          ref: asString(body['ref']),
          duration_seconds: body['build_duration'],
          failure_reason: asString(body['build_failure_reason']),
          pipeline_id: body['pipeline_id'],
        });
        severity = statusSeverity(status);
        break;
      }
      case 'deployment': {
        const status = asString(body['status']);
        Object.assign(data, {
          deployment_id: body['deployment_id'],
          environment: asString(body['environment']),
          status,
          ref: asString(body['ref']),
          sha: asString(body['short_sha']),
          url: asString(body['deployable_url']),
        });
        severity = statusSeverity(status);
        break;
      }
      case 'merge_request': {
        Object.assign(data, {
          iid: attributes?.['iid'],
          title: asString(attributes?.['title']),
          state: asString(attributes?.['state']),
          action: asString(attributes?.['action']),
          source_branch: asString(attributes?.['source_branch']),
          target_branch: asString(attributes?.['target_branch']),
          url: asString(attributes?.['url']),
        });
        break;
      }
      default:
        break;
    }
    const out = emptyNormalized();
    out.events.push({
      timestamp,
      source: clamp(`gitlab-${projectPath}`),
      event_type: clamp(`gitlab.${kind === 'build' ? 'job' : kind}`),
      severity,
      data: dropUndefined(data),
    });
    return out;
  },
};
