import { type JsonServer, slow, startJsonServer } from '../shared/json-server';

/**
 * A local server answering as the Kubeflow Pipelines REST API documents it (KFP 2.x backend,
 * "Kubeflow Pipelines API Reference" v2beta1,
 * https://www.kubeflow.org/docs/components/pipelines/reference/api/kubeflow-pipeline-api-spec/ —
 * HealthzService, ExperimentService ListExperiments, RunService ListRuns; and the v1beta1
 * GetRun whose `run.metrics` carries reported run metrics). Errors are grpc-gateway statuses
 * `{error_message, error_details, code, message}`.
 */
export interface FakeKfpRun {
  run_id: string;
  display_name: string;
  experiment_id: string;
  created_at: string;
  finished_at: string;
  state: string;
  tasks?: { display_name: string; start_time: string; end_time: string; state: string }[];
  metrics?: { name: string; node_id: string; number_value: number; format: 'RAW' | 'PERCENTAGE' }[];
}

export interface FakeKfp extends JsonServer {
  runs: FakeKfpRun[];
}

export function sampleKfpRuns(): FakeKfpRun[] {
  return [
    {
      run_id: 'run-1',
      display_name: 'train-2026-11-21',
      experiment_id: 'exp-1',
      created_at: '2026-11-21T10:00:00Z',
      finished_at: '2026-11-21T10:12:30Z',
      state: 'SUCCEEDED',
      tasks: [
        {
          display_name: 'preprocess',
          start_time: '2026-11-21T10:00:05Z',
          end_time: '2026-11-21T10:02:05Z',
          state: 'SUCCEEDED',
        },
        {
          display_name: 'train',
          start_time: '2026-11-21T10:02:10Z',
          end_time: '2026-11-21T10:12:10Z',
          state: 'SUCCEEDED',
        },
      ],
      metrics: [
        { name: 'accuracy', node_id: 'train-abc', number_value: 0.93, format: 'RAW' },
        { name: 'loss', node_id: 'train-abc', number_value: 0.18, format: 'RAW' },
        { name: 'f1_score', node_id: 'train-abc', number_value: 0.9, format: 'RAW' },
        { name: 'debug_metric', node_id: 'train-abc', number_value: 1, format: 'RAW' },
      ],
    },
    {
      run_id: 'run-2',
      display_name: 'train-2026-11-22',
      experiment_id: 'exp-1',
      created_at: '2026-11-22T01:00:00Z',
      finished_at: '2026-11-22T01:03:00Z',
      state: 'FAILED',
      tasks: [
        {
          display_name: 'preprocess',
          start_time: '2026-11-22T01:00:05Z',
          end_time: '2026-11-22T01:03:00Z',
          state: 'FAILED',
        },
      ],
    },
    {
      run_id: 'run-3',
      display_name: 'train-now',
      experiment_id: 'exp-1',
      created_at: '2026-11-22T03:00:00Z',
      finished_at: '1970-01-01T00:00:00Z',
      state: 'RUNNING',
    },
  ];
}

function v2Run(r: FakeKfpRun) {
  return {
    experiment_id: r.experiment_id,
    run_id: r.run_id,
    display_name: r.display_name,
    storage_state: 'AVAILABLE',
    pipeline_version_reference: { pipeline_id: 'p-1', pipeline_version_id: 'pv-1' },
    runtime_config: { parameters: {} },
    service_account: 'pipeline-runner',
    created_at: r.created_at,
    scheduled_at: r.created_at,
    finished_at: r.finished_at,
    state: r.state,
    ...(r.state === 'FAILED' ? { error: { code: 2, message: 'task preprocess failed: exit code 1' } } : {}),
    run_details: {
      pipeline_context_id: '11',
      pipeline_run_context_id: '12',
      task_details: (r.tasks ?? []).map((t, i) => ({
        run_id: r.run_id,
        task_id: `${r.run_id}-t${i}`,
        display_name: t.display_name,
        create_time: t.start_time,
        start_time: t.start_time,
        end_time: t.end_time,
        state: t.state,
      })),
    },
  };
}

export async function startFakeKfp(
  runs: FakeKfpRun[],
  options: { token?: string; delayMs?: number } = {},
): Promise<FakeKfp> {
  const server = await startJsonServer(async (req) => {
    if (options.delayMs) await slow(options.delayMs, undefined);
    if (req.path === '/apis/v2beta1/healthz') {
      return { status: 200, body: { commit_sha: '4f1c6d2', tag_name: '2.3.0', multi_user: true } };
    }
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return {
        status: 401,
        body: {
          error_message: 'Unauthenticated: Request header error: there is no user identity header.',
          error_details: '',
          code: 16,
          message: 'Unauthenticated',
        },
      };
    }
    if (req.method === 'GET' && req.path === '/apis/v2beta1/experiments') {
      return {
        status: 200,
        body: {
          experiments: [
            {
              experiment_id: 'exp-1',
              display_name: 'churn',
              namespace: 'kubeflow-pipelines',
              created_at: '2026-11-01T00:00:00Z',
              storage_state: 'AVAILABLE',
            },
          ],
          total_size: 1,
        },
      };
    }
    if (req.method === 'GET' && req.path === '/apis/v2beta1/runs') {
      const size = Number(req.query.get('page_size') ?? 20);
      const offset = Number(req.query.get('page_token') || 0);
      const sorted = [...runs].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      const page = sorted.slice(offset, offset + size);
      const next = offset + size < sorted.length ? String(offset + size) : '';
      return {
        status: 200,
        body: { runs: page.map(v2Run), total_size: sorted.length, ...(next ? { next_page_token: next } : {}) },
      };
    }
    const v1 = /^\/apis\/v1beta1\/runs\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && v1) {
      const r = runs.find((x) => x.run_id === v1[1]);
      if (!r) return { status: 404, body: { error_message: `Run ${v1[1]} not found`, code: 5, message: 'NotFound' } };
      return {
        status: 200,
        body: {
          run: {
            id: r.run_id,
            name: r.display_name,
            status: r.state === 'SUCCEEDED' ? 'Succeeded' : r.state,
            created_at: r.created_at,
            finished_at: r.finished_at,
            metrics: r.metrics ?? [],
          },
          pipeline_runtime: { workflow_manifest: '{}' },
        },
      };
    }
    return { status: 404, body: { error_message: `Not Found: ${req.path}`, code: 5, message: 'Not Found' } };
  });
  return { ...server, runs };
}
