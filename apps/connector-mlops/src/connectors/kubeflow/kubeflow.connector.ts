import { readFile } from 'node:fs/promises';
import {
  type CollectResult,
  type ConnectionInfo,
  type Connector,
  type ConnectorConfig,
  type ConnectorDeps,
  sourceOf,
  stableId,
} from '@airis/connector-kit';
import type { EventDto, MetricBatchDto, MetricDto } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import type { KubeflowSettings } from './config';

// Kubeflow Pipelines REST API v2beta1 (https://www.kubeflow.org/docs/components/pipelines/reference/api/kubeflow-pipeline-api-spec/):
// GET /apis/v2beta1/healthz; GET /apis/v2beta1/experiments; GET /apis/v2beta1/runs
// (page_size, page_token, sort_by, namespace) → {runs: [V2beta1Run], total_size, next_page_token}.
// Run metrics (accuracy, loss...) are still served by v1beta1: GET /apis/v1beta1/runs/{id} → run.metrics.
interface KfpTask {
  display_name?: string;
  task_id?: string;
  start_time?: string;
  end_time?: string;
  state?: string;
}
interface KfpRun {
  run_id: string;
  display_name?: string;
  experiment_id?: string;
  created_at?: string;
  scheduled_at?: string;
  finished_at?: string;
  state?: string;
  error?: { code?: number; message?: string };
  run_details?: { task_details?: KfpTask[] };
}

export interface KubeflowCheckpoint {
  /** Runs created before this (ms) are all finished and emitted. */
  horizon: number;
  /** Finished runs created at/after the horizon that were emitted. */
  done: string[];
  /** Last finished states per experiment id, newest last (success_rate window). */
  recent: Record<string, string[]>;
}

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELED']);

function ms(ts: string | undefined): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

/**
 * Kubeflow Pipelines: finished runs since the checkpoint → a `pipeline_run_finished` event and
 * `pipeline_duration` / `step_duration` metrics, the runs' own metrics (the seed's accuracy,
 * loss, f1_score), and `success_rate` per experiment over a window of recent runs. Runs are
 * listed newest first; paging stops at the horizon (the oldest run still unfinished last time).
 */
export class KubeflowConnector implements Connector<KubeflowCheckpoint> {
  private readonly base: string;

  constructor(
    private readonly config: ConnectorConfig<KubeflowSettings>,
    private readonly deps: ConnectorDeps,
  ) {
    this.base = config.settings.pipeline_endpoint.replace(/\/+$/, '');
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Read on every call: projected service-account tokens are rotated by the kubelet. */
  private async headers(): Promise<Record<string, string>> {
    const auth = this.config.settings.authentication;
    switch (auth.type) {
      case 'none':
        return {};
      case 'bearer':
        return { authorization: `Bearer ${this.config.credentials['token'] ?? ''}` };
      case 'service_account': {
        const path = auth.token_path ?? '';
        try {
          const token = (await readFile(path, 'utf8')).trim();
          return { authorization: `Bearer ${token}` };
        } catch (error) {
          throw AppError.permanent(
            'auth_failed',
            `cannot read the service-account token at ${path}: ${(error as Error).message}`,
          );
        }
      }
    }
  }

  private async get<T>(path: string, query: Record<string, string | number | undefined> = {}) {
    return this.deps.http.request<T>({ url: `${this.base}${path}`, query, headers: await this.headers() });
  }

  async testConnection(): Promise<ConnectionInfo> {
    const health = await this.get<{ tag_name?: string; multi_user?: boolean }>('/apis/v2beta1/healthz');
    // healthz needs no auth in KFP; listing experiments proves the token works.
    const exps = await this.get<{ total_size?: number }>('/apis/v2beta1/experiments', {
      page_size: 1,
      namespace: this.config.settings.namespace,
    });
    return {
      latency_ms: health.latency_ms + exps.latency_ms,
      detail: `Kubeflow Pipelines ${health.body.tag_name ?? ''} (${health.body.multi_user ? 'multi-user' : 'single-user'}), ${exps.body.total_size ?? 0} experiment(s)`,
    };
  }

  private async experimentNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await this.get<{
        experiments?: { experiment_id: string; display_name?: string }[];
        next_page_token?: string;
      }>('/apis/v2beta1/experiments', {
        page_size: this.config.settings.page_size,
        page_token: token,
        namespace: this.config.settings.namespace,
      });
      for (const e of res.body.experiments ?? []) names.set(e.experiment_id, e.display_name ?? e.experiment_id);
      token = res.body.next_page_token || undefined;
      if (!token) break;
    }
    return names;
  }

  async collect(checkpoint: KubeflowCheckpoint | undefined): Promise<CollectResult<KubeflowCheckpoint>> {
    const cp: KubeflowCheckpoint = structuredClone(checkpoint ?? { horizon: 0, done: [], recent: {} });
    const settings = this.config.settings;
    const wanted = new Set(settings.pipeline_runs.metrics);
    const experiments = await this.experimentNames();
    const done = new Set(cp.done);
    const listed: KfpRun[] = [];
    let token: string | undefined;
    pages: for (let page = 0; page < 1000; page++) {
      const res = await this.get<{ runs?: KfpRun[]; next_page_token?: string }>('/apis/v2beta1/runs', {
        page_size: settings.page_size,
        page_token: token,
        sort_by: 'created_at desc',
        namespace: settings.namespace,
      });
      for (const run of (res.body.runs ?? []).filter((r) => typeof r?.run_id === 'string')) {
        if ((ms(run.created_at) ?? 0) < cp.horizon) break pages;
        listed.push(run);
      }
      token = res.body.next_page_token || undefined;
      if (!token) break;
    }
    const fresh = listed
      .filter((r) => FINISHED.has(r.state ?? '') && !done.has(r.run_id))
      .sort((a, b) => (ms(a.finished_at) ?? 0) - (ms(b.finished_at) ?? 0) || a.run_id.localeCompare(b.run_id));

    const events: EventDto[] = [];
    const metrics: MetricBatchDto[] = [];
    const source = sourceOf('kubeflow', settings.namespace ?? 'pipelines');
    const touched = new Set<string>();
    for (const run of fresh) {
      const experiment = experiments.get(run.experiment_id ?? '') ?? run.experiment_id ?? 'default';
      const started = ms(run.scheduled_at) ?? ms(run.created_at);
      const finished = ms(run.finished_at) ?? this.deps.now();
      const duration = started === undefined ? undefined : Math.max(0, (finished - started) / 1000);
      const state = run.state ?? 'UNKNOWN';
      const tags = { run_id: run.run_id, pipeline_run: run.display_name ?? run.run_id, experiment, state };
      events.push({
        id: stableId('kfp-run', this.config.id, run.run_id, 'finished'),
        source,
        timestamp: finished,
        event_type: 'pipeline_run_finished',
        severity: state === 'FAILED' ? 'error' : state === 'CANCELED' ? 'warning' : 'info',
        data: {
          run_id: run.run_id,
          display_name: run.display_name ?? null,
          experiment_id: run.experiment_id ?? null,
          experiment,
          state,
          created_at: run.created_at ?? null,
          finished_at: run.finished_at ?? null,
          duration_seconds: duration ?? null,
          ...(run.error?.message ? { error: run.error.message } : {}),
          integration_id: this.config.id,
        },
      });
      const samples: MetricDto[] = [];
      if (wanted.has('pipeline_duration') && duration !== undefined) {
        samples.push({ name: 'pipeline_duration', value: duration, unit: 'seconds', tags });
      }
      if (wanted.has('step_duration')) {
        for (const task of run.run_details?.task_details ?? []) {
          const s = ms(task.start_time);
          const e = ms(task.end_time);
          if (s === undefined || e === undefined || !task.display_name) continue;
          samples.push({
            name: 'step_duration',
            value: Math.max(0, (e - s) / 1000),
            unit: 'seconds',
            tags: { ...tags, step: task.display_name },
          });
        }
      }
      if (settings.experiments.track_metrics) samples.push(...(await this.runMetrics(run.run_id, tags)));
      if (samples.length > 0) {
        metrics.push({
          id: stableId('kfp-run-metrics', this.config.id, run.run_id),
          source,
          timestamp: finished,
          metrics: samples.slice(0, 10_000),
        });
      }
      const key = run.experiment_id ?? 'default';
      cp.recent[key] = [...(cp.recent[key] ?? []), state].slice(-settings.pipeline_runs.success_window);
      touched.add(key);
    }
    if (wanted.has('success_rate')) {
      for (const key of [...touched].sort()) {
        const window = cp.recent[key] ?? [];
        const counted = window.filter((s) => s !== 'SKIPPED');
        if (counted.length === 0) continue;
        metrics.push({
          id: stableId(
            'kfp-success',
            this.config.id,
            key,
            fresh
              .filter((r) => (r.experiment_id ?? 'default') === key)
              .map((r) => r.run_id)
              .join(','),
          ),
          source,
          timestamp: this.deps.now(),
          metrics: [
            {
              name: 'success_rate',
              value: counted.filter((s) => s === 'SUCCEEDED').length / counted.length,
              unit: 'ratio',
              tags: { experiment: experiments.get(key) ?? key, window: String(counted.length) },
            },
          ],
        });
      }
    }
    // New horizon: the oldest run still running (it may finish later); else the newest seen.
    const unfinished = listed.filter((r) => !FINISHED.has(r.state ?? '')).map((r) => ms(r.created_at) ?? 0);
    const newest = Math.max(cp.horizon, ...listed.map((r) => ms(r.created_at) ?? 0));
    cp.horizon = unfinished.length > 0 ? Math.min(...unfinished) : newest;
    cp.done = listed
      .filter((r) => FINISHED.has(r.state ?? '') && (ms(r.created_at) ?? 0) >= cp.horizon)
      .map((r) => r.run_id)
      .sort();
    return { metrics, events, checkpoint: cp };
  }

  /** The run's metrics from v1beta1 (filtered to custom_metrics); none when the backend has no v1 API. */
  private async runMetrics(runId: string, tags: Record<string, string>): Promise<MetricDto[]> {
    let body: { run?: { metrics?: { name: string; node_id?: string; number_value?: number; format?: string }[] } };
    try {
      body = (await this.get<typeof body>(`/apis/v1beta1/runs/${encodeURIComponent(runId)}`)).body;
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return [];
      throw error;
    }
    const names = new Set(this.config.settings.experiments.custom_metrics);
    return (body.run?.metrics ?? [])
      .filter(
        (m) =>
          typeof m.number_value === 'number' &&
          Number.isFinite(m.number_value) &&
          (names.size === 0 || names.has(m.name)),
      )
      .map((m) => ({
        name: m.name,
        value: m.number_value as number,
        ...(m.format === 'PERCENTAGE' ? { unit: 'percent' } : {}),
        tags: { ...tags, ...(m.node_id ? { node_id: m.node_id } : {}) },
      }));
  }
}
