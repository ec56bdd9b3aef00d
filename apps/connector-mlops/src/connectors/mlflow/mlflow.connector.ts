import {
  type CollectResult,
  type ConnectionInfo,
  type Connector,
  type ConnectorConfig,
  type ConnectorDeps,
  authHeaders,
  sourceOf,
  stableId,
} from '@airis/connector-kit';
import type { EventDto, MetricBatchDto } from '@airis/contracts';
import type { MlflowSettings } from './config';

// Shapes of MLflow REST API 2.0 answers (https://mlflow.org/docs/latest/api_reference/rest-api.html).
interface KeyValue {
  key: string;
  value: string;
}
interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  status_message?: string;
  tags?: KeyValue[];
  run_link?: string;
}
interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  aliases?: { alias: string; version: string }[];
}
interface Run {
  info: {
    run_id: string;
    run_name?: string;
    experiment_id: string;
    status: string;
    start_time?: number;
    end_time?: number;
  };
  data?: { metrics?: { key: string; value: number; timestamp?: number; step?: number }[] };
}

export interface MlflowCheckpoint {
  /** Highest `last_updated_timestamp` of the model versions emitted so far. */
  versions_watermark: number;
  /** `name\u0000version` of versions emitted at exactly the watermark (ties in the same millisecond). */
  versions_at_watermark: string[];
  /** Registered models seen, with their aliases and a change counter per alias (for stable ids). */
  models: Record<string, { created: number; aliases: Record<string, { version: string | null; gen: number }> }>;
  /** Per experiment name: end-time watermark of finished runs emitted, and the run ids at it. */
  runs: Record<string, { watermark: number; ids: string[] }>;
}

const EMPTY: MlflowCheckpoint = { versions_watermark: 0, versions_at_watermark: [], models: {}, runs: {} };
const MAX_PAGES = 1000;

function quote(value: string): string {
  return value.includes("'") ? `"${value.replace(/"/g, '\\"')}"` : `'${value}'`;
}

function tagMap(tags: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) out[t.key] = t.value;
  return out;
}

/**
 * MLflow model registry and tracking: model versions incrementally on `last_updated_timestamp`
 * (newest first, paging stops at the watermark), alias moves by comparing each model's alias
 * map with the checkpoint (MLflow does not bump timestamps when an alias moves), and metrics of
 * finished runs of configured experiments, incremental on `end_time`.
 */
export class MlflowConnector implements Connector<MlflowCheckpoint> {
  private readonly api: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: ConnectorConfig<MlflowSettings>,
    private readonly deps: ConnectorDeps,
  ) {
    this.api = `${config.settings.tracking_uri.replace(/\/+$/, '')}/api/2.0/mlflow`;
    this.headers = authHeaders(config.settings, config.credentials);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async testConnection(): Promise<ConnectionInfo> {
    const res = await this.get<{ registered_models?: RegisteredModel[] }>('registered-models/search', {
      max_results: 1,
    });
    return {
      latency_ms: res.latency_ms,
      detail: `MLflow tracking server at ${this.config.settings.tracking_uri} answers; registry ${res.body.registered_models?.length ? 'has models' : 'is empty'}`,
    };
  }

  async collect(checkpoint: MlflowCheckpoint | undefined): Promise<CollectResult<MlflowCheckpoint>> {
    const cp: MlflowCheckpoint = structuredClone({ ...EMPTY, ...checkpoint });
    const events: EventDto[] = [];
    const models = await this.listModels();
    events.push(...this.modelEvents(models, cp));
    events.push(...(await this.versionEvents(cp)));
    const metrics = await this.runMetrics(cp);
    return { metrics, events, checkpoint: cp, items: events.length + metrics.length };
  }

  private async get<T>(path: string, query: Record<string, string | number | readonly string[] | undefined>) {
    return this.deps.http.request<T>({ url: `${this.api}/${path}`, query, headers: this.headers });
  }

  private async listModels(): Promise<RegisteredModel[]> {
    const wanted = this.config.settings.models;
    const out: RegisteredModel[] = [];
    const filters = wanted ? wanted.map((n) => `name = ${quote(n)}`) : [undefined];
    for (const filter of filters) {
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await this.get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
          'registered-models/search',
          { max_results: this.config.settings.page_size, order_by: ['name ASC'], filter, page_token: token },
        );
        out.push(...(res.body.registered_models ?? []).filter((m) => typeof m?.name === 'string'));
        token = res.body.next_page_token;
        if (!token) break;
      }
    }
    return out;
  }

  /** Registered/deleted models and alias moves, by difference with the checkpoint. */
  private modelEvents(models: RegisteredModel[], cp: MlflowCheckpoint): EventDto[] {
    const events: EventDto[] = [];
    const id = this.config.id;
    const now = this.deps.now();
    const seen = new Set<string>();
    for (const model of models) {
      seen.add(model.name);
      const created = model.creation_timestamp ?? 0;
      let known = cp.models[model.name];
      if (!known || known.created !== created) {
        known = { created, aliases: {} };
        cp.models[model.name] = known;
        events.push({
          id: stableId('mlflow-model', id, model.name, created, 'registered'),
          source: sourceOf('mlflow', model.name),
          timestamp: created || now,
          event_type: 'registered_model_created',
          severity: 'info',
          data: { model_name: model.name, creation_timestamp: created, integration_id: id },
        });
      }
      const current = new Map((model.aliases ?? []).map((a) => [a.alias, a.version]));
      const names = new Set([...current.keys(), ...Object.keys(known.aliases)]);
      for (const alias of [...names].sort()) {
        const before = known.aliases[alias];
        const version = current.get(alias) ?? null;
        if ((before?.version ?? null) === version) continue;
        const gen = (before?.gen ?? 0) + 1;
        known.aliases[alias] = { version, gen };
        events.push({
          id: stableId('mlflow-alias', id, model.name, created, alias, gen),
          source: sourceOf('mlflow', model.name),
          timestamp: now,
          event_type: 'model_alias_changed',
          severity: 'info',
          data: {
            model_name: model.name,
            alias,
            version,
            previous_version: before?.version ?? null,
            integration_id: id,
          },
        });
      }
    }
    for (const [name, known] of Object.entries(cp.models)) {
      if (seen.has(name)) continue;
      delete cp.models[name];
      events.push({
        id: stableId('mlflow-model', id, name, known.created, 'deleted'),
        source: sourceOf('mlflow', name),
        timestamp: now,
        event_type: 'registered_model_deleted',
        severity: 'warning',
        data: { model_name: name, integration_id: id },
      });
    }
    return events;
  }

  /** Versions changed since the watermark, newest first from MLflow, emitted oldest first. */
  private async versionEvents(cp: MlflowCheckpoint): Promise<EventDto[]> {
    const wanted = this.config.settings.models;
    const filters = wanted ? wanted.map((n) => `name = ${quote(n)}`) : [undefined];
    const atWatermark = new Set(cp.versions_at_watermark);
    const fresh: ModelVersion[] = [];
    for (const filter of filters) {
      let token: string | undefined;
      pages: for (let page = 0; page < MAX_PAGES; page++) {
        const res = await this.get<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
          'model-versions/search',
          {
            max_results: this.config.settings.page_size,
            order_by: ['last_updated_timestamp DESC'],
            filter,
            page_token: token,
          },
        );
        for (const v of (res.body.model_versions ?? []).filter(
          (x) => typeof x?.name === 'string' && x.version !== undefined,
        )) {
          const ts = v.last_updated_timestamp ?? 0;
          if (ts < cp.versions_watermark) break pages;
          if (ts === cp.versions_watermark && atWatermark.has(`${v.name}\u0000${v.version}`)) continue;
          fresh.push(v);
        }
        token = res.body.next_page_token;
        if (!token) break;
      }
    }
    fresh.sort((a, b) => (a.last_updated_timestamp ?? 0) - (b.last_updated_timestamp ?? 0));
    const events: EventDto[] = [];
    for (const v of fresh) {
      const ts = v.last_updated_timestamp ?? 0;
      if (ts > cp.versions_watermark) {
        cp.versions_watermark = ts;
        cp.versions_at_watermark = [];
      }
      cp.versions_at_watermark.push(`${v.name}\u0000${v.version}`);
      const aliases = Object.entries(cp.models[v.name]?.aliases ?? {})
        .filter(([, a]) => a.version === v.version)
        .map(([alias]) => alias);
      events.push({
        id: stableId('mlflow-mv', this.config.id, v.name, v.version, ts),
        source: sourceOf('mlflow', v.name),
        timestamp: ts || this.deps.now(),
        event_type: 'model_version_status',
        severity: v.status === 'FAILED_REGISTRATION' ? 'error' : 'info',
        data: {
          // The seed's fields, then what else MLflow says.
          model_name: v.name,
          version: v.version,
          stage: v.current_stage ?? 'None',
          status: v.status ?? 'UNKNOWN',
          creation_timestamp: v.creation_timestamp ?? null,
          last_updated_timestamp: ts,
          run_id: v.run_id ?? '',
          tags: tagMap(v.tags),
          aliases,
          ...(v.status_message ? { status_message: v.status_message } : {}),
          ...(v.source ? { model_source: v.source } : {}),
          integration_id: this.config.id,
        },
      });
    }
    return events;
  }

  /** Latest metric values of runs finished since the watermark, one batch per run. */
  private async runMetrics(cp: MlflowCheckpoint): Promise<MetricBatchDto[]> {
    const out: MetricBatchDto[] = [];
    for (const name of this.config.settings.experiments ?? []) {
      const exp = await this.get<{ experiment?: { experiment_id: string } }>('experiments/get-by-name', {
        experiment_name: name,
      });
      const experimentId = exp.body.experiment?.experiment_id;
      if (!experimentId) continue;
      const state = cp.runs[name] ?? { watermark: 0, ids: [] };
      const seenAt = new Set(state.ids);
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await this.deps.http.request<{ runs?: Run[]; next_page_token?: string }>({
          method: 'POST',
          url: `${this.api}/runs/search`,
          headers: this.headers,
          json: {
            experiment_ids: [experimentId],
            filter: `attributes.status = 'FINISHED' and attributes.end_time >= ${state.watermark}`,
            order_by: ['attributes.end_time ASC'],
            max_results: this.config.settings.page_size,
            ...(token ? { page_token: token } : {}),
          },
        });
        for (const run of (res.body.runs ?? []).filter((r) => typeof r?.info?.run_id === 'string')) {
          const end = run.info.end_time ?? 0;
          if (end < state.watermark || (end === state.watermark && seenAt.has(run.info.run_id))) continue;
          if (end > state.watermark) {
            state.watermark = end;
            state.ids = [];
            seenAt.clear();
          }
          state.ids.push(run.info.run_id);
          seenAt.add(run.info.run_id);
          const metrics = (run.data?.metrics ?? []).filter((m) => Number.isFinite(m.value));
          const tags = {
            experiment: name,
            run_id: run.info.run_id,
            ...(run.info.run_name ? { run_name: run.info.run_name } : {}),
          };
          const duration =
            run.info.start_time && run.info.end_time ? (run.info.end_time - run.info.start_time) / 1000 : undefined;
          const samples = [
            ...metrics.map((m) => ({ name: m.key, value: m.value, tags })),
            ...(duration === undefined ? [] : [{ name: 'run_duration', value: duration, unit: 'seconds', tags }]),
          ];
          if (samples.length === 0) continue;
          out.push({
            id: stableId('mlflow-run', this.config.id, run.info.run_id),
            source: sourceOf('mlflow-experiment', name),
            timestamp: end,
            metrics: samples.slice(0, 10_000),
          });
        }
        token = res.body.next_page_token;
        if (!token) break;
      }
      cp.runs[name] = state;
    }
    return out;
  }
}
