import type { EventDto, EventSeverity } from '@airis/contracts';
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
import { requireEsmPackage } from './esm-package';

type WebhooksMethods = typeof import('@octokit/webhooks-methods');

/** Events the issue names; anything else GitHub sends still becomes a `github.<event>` event. */
const FAILED_CONCLUSIONS = new Set(['failure', 'timed_out', 'startup_failure']);

function conclusionSeverity(conclusion: string | undefined): EventSeverity {
  if (conclusion && FAILED_CONCLUSIONS.has(conclusion)) return 'error';
  if (conclusion === 'cancelled' || conclusion === 'action_required') return 'warning';
  return 'info';
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC of the body>` (verified with
 * @octokit/webhooks-methods), `X-GitHub-Event`, `X-GitHub-Delivery` (dedup key; a redelivery
 * keeps it).
 */
export const githubProvider: ProviderHandler = {
  provider: 'github',

  async verify(request: WebhookRequest): Promise<Verification> {
    const signature = header(request, 'x-hub-signature-256');
    if (!signature) return { ok: false, reason: 'X-Hub-Signature-256 header missing' };
    if (!/^sha256=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'X-Hub-Signature-256 malformed' };
    const payload = request.body.toString('utf8');
    if (payload.length === 0) return { ok: false, reason: 'empty body' };
    const { verify } = requireEsmPackage<WebhooksMethods>('@octokit/webhooks-methods');
    let matched = false;
    for (const secret of request.secrets) if (await verify(secret, payload, signature)) matched = true;
    if (!matched) return { ok: false, reason: 'signature mismatch' };
    const delivery = header(request, 'x-github-delivery');
    return delivery ? { ok: true, deliveryId: delivery } : { ok: true };
  },

  normalize(request: WebhookRequest): Normalized {
    const event = header(request, 'x-github-event');
    if (!event) throw new PayloadError('missing_header', 'X-GitHub-Event header missing', 'X-GitHub-Event');
    // GitHub's "application/x-www-form-urlencoded" content type sends the JSON as `payload=`.
    const form = (header(request, 'content-type') ?? '').includes('application/x-www-form-urlencoded');
    const body = parseJsonObject(
      form
        ? Buffer.from(new URLSearchParams(request.body.toString('utf8')).get('payload') ?? '', 'utf8')
        : request.body,
    );
    const out = emptyNormalized();
    const repo = asRecord(body['repository']);
    const repoName = asString(repo?.['full_name']) ?? 'unknown';
    const action = asString(body['action']);
    const source = `github-${repoName}`;
    const data: Record<string, unknown> = {
      github_event: event,
      delivery_id: header(request, 'x-github-delivery'),
      repository: repoName,
      sender: asString(asRecord(body['sender'])?.['login']),
      ...(action ? { action } : {}),
    };
    let severity: EventSeverity = 'info';
    let timestamp = request.now;

    switch (event) {
      case 'workflow_run': {
        const run = asRecord(body['workflow_run']);
        if (!run) throw new PayloadError('missing_field', 'workflow_run is required', 'workflow_run');
        const conclusion = asString(run['conclusion']);
        Object.assign(data, {
          workflow: asString(run['name']),
          run_id: run['id'],
          run_number: run['run_number'],
          run_attempt: run['run_attempt'],
          status: asString(run['status']),
          conclusion,
          branch: asString(run['head_branch']),
          head_sha: asString(run['head_sha']),
          event: asString(run['event']),
          actor: asString(asRecord(run['actor'])?.['login']),
          html_url: asString(run['html_url']),
        });
        severity = conclusionSeverity(conclusion);
        const created = timeMs(run['created_at']);
        const updated = timeMs(run['updated_at']);
        if (created !== undefined) timestamp = created;
        if (action === 'completed' && created !== undefined && updated !== undefined && updated >= created) {
          // The seed's workflow_duration metric: (updated_at - created_at) seconds, same tags.
          const tags: Record<string, string> = {
            repository: repoName,
            workflow: asString(run['name']) ?? 'unknown',
            status: asString(run['status']) ?? 'completed',
            conclusion: conclusion ?? 'unknown',
            branch: asString(run['head_branch']) ?? 'unknown',
            actor: asString(asRecord(run['actor'])?.['login']) ?? 'unknown',
          };
          out.metrics.push({
            timestamp: created,
            source,
            metrics: [{ name: 'workflow_duration', value: (updated - created) / 1000, unit: 'seconds', tags }],
          });
        }
        break;
      }
      case 'workflow_job': {
        const job = asRecord(body['workflow_job']);
        if (!job) throw new PayloadError('missing_field', 'workflow_job is required', 'workflow_job');
        const conclusion = asString(job['conclusion']);
        Object.assign(data, {
          job: asString(job['name']),
          workflow: asString(job['workflow_name']),
          run_id: job['run_id'],
          status: asString(job['status']),
          conclusion,
          branch: asString(job['head_branch']),
          runner: asString(job['runner_name']),
          html_url: asString(job['html_url']),
        });
        severity = conclusionSeverity(conclusion);
        break;
      }
      case 'check_run': {
        const check = asRecord(body['check_run']);
        const conclusion = asString(check?.['conclusion']);
        Object.assign(data, {
          check: asString(check?.['name']),
          status: asString(check?.['status']),
          conclusion,
          head_sha: asString(check?.['head_sha']),
          html_url: asString(check?.['html_url']),
        });
        severity = conclusionSeverity(conclusion);
        break;
      }
      case 'push': {
        const commits = Array.isArray(body['commits']) ? body['commits'] : [];
        Object.assign(data, {
          ref: asString(body['ref']),
          before: asString(body['before']),
          after: asString(body['after']),
          commits: commits.length,
          forced: body['forced'] === true,
          pusher: asString(asRecord(body['pusher'])?.['name']),
          compare: asString(body['compare']),
        });
        break;
      }
      case 'pull_request': {
        const pr = asRecord(body['pull_request']);
        Object.assign(data, {
          number: pr?.['number'] ?? body['number'],
          title: asString(pr?.['title']),
          state: asString(pr?.['state']),
          merged: pr?.['merged'] === true,
          base: asString(asRecord(pr?.['base'])?.['ref']),
          head: asString(asRecord(pr?.['head'])?.['ref']),
          author: asString(asRecord(pr?.['user'])?.['login']),
          html_url: asString(pr?.['html_url']),
        });
        break;
      }
      case 'deployment_status': {
        const status = asRecord(body['deployment_status']);
        const deployment = asRecord(body['deployment']);
        const state = asString(status?.['state']);
        Object.assign(data, {
          state,
          environment: asString(status?.['environment'] ?? deployment?.['environment']),
          deployment_id: deployment?.['id'],
          ref: asString(deployment?.['ref']),
          sha: asString(deployment?.['sha']),
          target_url: asString(status?.['target_url']),
        });
        severity = state === 'failure' || state === 'error' ? 'error' : 'info';
        break;
      }
      default:
        break;
    }

    const eventDto: EventDto = {
      timestamp,
      source: clamp(source),
      event_type: clamp(`github.${event}${action ? `.${action}` : ''}`),
      severity,
      data: dropUndefined(data),
    };
    out.events.push(eventDto);
    return out;
  },
};
