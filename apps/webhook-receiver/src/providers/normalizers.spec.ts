import type { WebhookSourceSpecDto } from '@airis/contracts';
import { PROVIDERS, PayloadError, type WebhookRequest } from './index';

/* What each provider makes of a verified body, and a bad-input table for every parser. */

const request = (
  provider: keyof typeof PROVIDERS,
  body: unknown,
  headers: Record<string, string> = {},
  spec: Partial<WebhookSourceSpecDto> = {},
): WebhookRequest => ({
  sourceId: 'src-1',
  spec: { provider, secrets: ['x'], ...spec },
  secrets: ['x'],
  signingSecrets: [],
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  now: 1_700_000_000_000,
});

const normalize = (req: WebhookRequest): ReturnType<(typeof PROVIDERS)['github']['normalize']> =>
  PROVIDERS[req.spec.provider].normalize(req);

describe('bad input is a PayloadError naming the field, never a crash', () => {
  const slackForm = { 'content-type': 'application/x-www-form-urlencoded' };
  it.each([
    ['github', 'not json', { 'x-github-event': 'push' }, 'invalid_json'],
    ['github', '[1,2]', { 'x-github-event': 'push' }, 'invalid_json'],
    ['github', {}, {}, 'missing_header'],
    ['github', { action: 'completed' }, { 'x-github-event': 'workflow_run' }, 'missing_field'],
    ['gitlab', { project: {} }, {}, 'missing_field'],
    ['gitlab', 'null', {}, 'invalid_json'],
    ['mlflow', { entity: 'model_version', action: 'created' }, {}, 'missing_field'],
    ['mlflow', { entity: 'model_version', action: 'created', data: { version: '1' } }, {}, 'missing_field'],
    ['mlflow', { action: 'created', data: { name: 'm' } }, {}, 'missing_field'],
    ['alertmanager', { version: '3', alerts: [] }, {}, 'unsupported_version'],
    ['alertmanager', { version: '4' }, {}, 'missing_field'],
    ['alertmanager', { version: '4', alerts: ['x'] }, {}, 'invalid_field'],
    ['alertmanager', { version: '4', alerts: [{ status: 'pending' }] }, {}, 'invalid_field'],
    ['pagerduty', { nope: 1 }, {}, 'missing_field'],
    ['pagerduty', { event: { data: {} } }, {}, 'missing_field'],
    ['slack', 'a=1', slackForm, 'missing_field'],
    ['slack', 'payload=%7Bbroken', slackForm, 'invalid_json'],
    ['slack', 'payload=%5B%5D', slackForm, 'invalid_json'],
    ['generic-hmac', '{', {}, 'invalid_json'],
    ['standard-webhooks', '"text"', {}, 'invalid_json'],
  ] as const)('%s %j → %s', (provider, body, headers, code) => {
    let thrown: unknown;
    try {
      normalize(request(provider, body, headers));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PayloadError);
    expect((thrown as PayloadError).code).toBe(code);
  });
});

describe('normalisation', () => {
  it('GitHub pull_request, push and deployment_status become events with the repository as source', () => {
    const pr = normalize(
      request(
        'github',
        {
          action: 'opened',
          number: 7,
          pull_request: { number: 7, title: 'Retrain', state: 'open', user: { login: 'amy' } },
          repository: { full_name: 'acme/ml' },
        },
        { 'x-github-event': 'pull_request', 'x-github-delivery': 'd1' },
      ),
    );
    expect(pr.events).toEqual([
      expect.objectContaining({
        source: 'github-acme/ml',
        event_type: 'github.pull_request.opened',
        data: expect.objectContaining({ number: 7, title: 'Retrain', author: 'amy', delivery_id: 'd1' }),
      }),
    ]);
    expect(pr.metrics).toEqual([]);
    const deploy = normalize(
      request(
        'github',
        {
          deployment_status: { state: 'failure', environment: 'prod' },
          deployment: { id: 3 },
          repository: { full_name: 'acme/ml' },
        },
        { 'x-github-event': 'deployment_status' },
      ),
    );
    expect(deploy.events[0]).toMatchObject({
      event_type: 'github.deployment_status',
      severity: 'error',
      data: { state: 'failure', environment: 'prod' },
    });
  });

  it('GitHub form-encoded deliveries carry the JSON in payload', () => {
    const json = JSON.stringify({ ref: 'refs/heads/main', commits: [{}, {}], repository: { full_name: 'a/b' } });
    const out = normalize(
      request('github', new URLSearchParams({ payload: json }).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-github-event': 'push',
      }),
    );
    expect(out.events[0]).toMatchObject({ event_type: 'github.push', data: { ref: 'refs/heads/main', commits: 2 } });
  });

  it('GitHub workflow runs that are not completed give no duration metric', () => {
    const run = normalize(
      request(
        'github',
        {
          action: 'in_progress',
          workflow_run: {
            name: 'ci',
            status: 'in_progress',
            created_at: '2026-01-01T00:00:00Z',
            updated_at: '2026-01-01T00:01:00Z',
          },
          repository: { full_name: 'a/b' },
        },
        { 'x-github-event': 'workflow_run' },
      ),
    );
    expect(run.metrics).toEqual([]);
    expect(run.events[0]).toMatchObject({
      event_type: 'github.workflow_run.in_progress',
      timestamp: Date.parse('2026-01-01T00:00:00Z'),
    });
  });

  it('GitLab pipeline and job events', () => {
    const pipeline = normalize(
      request(
        'gitlab',
        {
          object_kind: 'pipeline',
          object_attributes: { id: 9, status: 'failed', ref: 'main' },
          project: { path_with_namespace: 'ml/train' },
        },
        { 'x-gitlab-event': 'Pipeline Hook' },
      ),
    );
    expect(pipeline.events[0]).toMatchObject({
      source: 'gitlab-ml/train',
      event_type: 'gitlab.pipeline',
      severity: 'error',
      data: { pipeline_id: 9, status: 'failed' },
    });
    const job = normalize(
      request('gitlab', { object_kind: 'build', build_status: 'success', build_name: 'test', project_name: 'ml' }),
    );
    expect(job.events[0]).toMatchObject({ event_type: 'gitlab.job', severity: 'info', data: { job: 'test' } });
  });

  it('MLflow alias and tag changes carry the model_version_status fields', () => {
    const alias = normalize(
      request('mlflow', {
        entity: 'model_version_alias',
        action: 'created',
        timestamp: '2026-01-01T00:00:00+00:00',
        data: { name: 'm', alias: 'champion', version: '3' },
      }),
    );
    expect(alias.events[0]).toMatchObject({
      source: 'mlflow-m',
      event_type: 'model_version_status',
      timestamp: Date.parse('2026-01-01T00:00:00Z'),
      data: {
        lifecycle_event: 'model_version_alias.created',
        model_name: 'm',
        version: '3',
        alias: 'champion',
        stage: null,
        run_id: null,
      },
    });
    const tag = normalize(
      request('mlflow', {
        entity: 'model_version_tag',
        action: 'set',
        data: { name: 'm', version: '1', key: 'validated', value: 'true' },
      }),
    );
    expect(tag.events[0]!.data).toMatchObject({
      lifecycle_event: 'model_version_tag.set',
      tag_key: 'validated',
      tag_value: 'true',
    });
  });

  it('Alertmanager: one event per alert, severity from the label, resolved as info', () => {
    const out = normalize(
      request('alertmanager', {
        version: '4',
        status: 'firing',
        receiver: 'airis',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'A', severity: 'warning' },
            fingerprint: 'f1',
            startsAt: '2026-01-01T00:00:00Z',
          },
          {
            status: 'resolved',
            labels: { alertname: 'B', severity: 'critical' },
            fingerprint: 'f2',
            endsAt: '2026-01-01T00:05:00Z',
          },
        ],
      }),
    );
    expect(out.events.map((e) => [e.severity, e.data?.['status'], e.data?.['fingerprint'], e.timestamp])).toEqual([
      ['warning', 'firing', 'f1', Date.parse('2026-01-01T00:00:00Z')],
      ['info', 'resolved', 'f2', Date.parse('2026-01-01T00:05:00Z')],
    ]);
  });

  it('PagerDuty: commands only for incidents AIRIS-MON opened, and only for ack/resolve', () => {
    const make = (eventType: string, key?: string): ReturnType<typeof normalize> =>
      normalize(
        request('pagerduty', { event: { id: 'e', event_type: eventType, data: key ? { incident_key: key } : {} } }),
      );
    expect(make('incident.acknowledged', 'airis-mon-a1').commands).toEqual([
      expect.objectContaining({ target: 'a1', action: 'acknowledge', issued_by: 'pagerduty:pagerduty' }),
    ]);
    expect(make('incident.resolved', 'airis-mon-a1').commands[0]?.action).toBe('resolve');
    expect(make('incident.acknowledged', 'someone-else-1').commands).toEqual([]);
    expect(make('incident.triggered', 'airis-mon-a1').commands).toEqual([]);
    expect(make('incident.annotated').events).toHaveLength(1);
  });

  it('Slack: url_verification answers the challenge; non-ack buttons make no command', () => {
    const challenge = normalize(request('slack', { type: 'url_verification', challenge: 'abc' }));
    expect(challenge.reply).toEqual({ contentType: 'application/json', body: '{"challenge":"abc"}' });
    const body = new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: 'U1' },
        response_url: 'https://hooks.slack.com/x',
        actions: [{ action_id: 'view_dashboard' }],
      }),
    }).toString();
    const other = normalize(request('slack', body, { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(other.commands).toEqual([]);
    expect(other.slackUpdates).toEqual([]);
    expect(other.events[0]).toMatchObject({ event_type: 'slack.block_action', data: { action_id: 'view_dashboard' } });
  });

  it('generic HMAC takes the event type from the configured header', () => {
    const out = normalize(
      request(
        'generic-hmac',
        { severity: 'error' },
        { 'x-jenkins-event': 'build.failed' },
        { generic: { event_type_header: 'X-Jenkins-Event' }, event_source: 'jenkins' },
      ),
    );
    expect(out.events[0]).toMatchObject({ source: 'jenkins', event_type: 'build.failed', severity: 'error' });
  });

  it('Standard Webhooks uses the payload type and timestamp', () => {
    const out = normalize(
      request(
        'standard-webhooks',
        { type: 'invoice.paid', timestamp: '2026-01-01T00:00:00Z', data: {} },
        { 'webhook-id': 'msg_1' },
      ),
    );
    expect(out.events[0]).toMatchObject({
      event_type: 'invoice.paid',
      timestamp: Date.parse('2026-01-01T00:00:00Z'),
      data: { webhook_id: 'msg_1' },
    });
  });
});
