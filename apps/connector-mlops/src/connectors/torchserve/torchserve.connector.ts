import {
  type CollectResult,
  type ConnectionInfo,
  type Connector,
  type ConnectorConfig,
  type ConnectorDeps,
  type HttpRequest,
  type HttpResponse,
  sourceOf,
  stableId,
} from '@airis/connector-kit';
import type { EventDto, MetricBatchDto, MetricDto } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import { type ModelTarget, type StateCheckpoint, changeOf, emptyStateCheckpoint } from '../shared/probe';
import type { TorchServeSettings } from './config';

// TorchServe REST APIs (https://pytorch.org/serve/inference_api.html, management_api.html):
// GET /ping → {"status": "Healthy"}; POST /predictions/{model}[/{version}];
// GET /models → {"models": [{modelName, modelUrl}], "nextPageToken"?};
// GET /models/{model}[/{version}] → [{modelName, modelVersion, workers: [{id, status, ...}], ...}];
// errors {"code", "type", "message"}; a wrong token is HTTP 400 "Token Authorization failed...".
interface DescribedModel {
  modelName: string;
  modelVersion?: string;
  minWorkers?: number;
  maxWorkers?: number;
  workers?: { id: string; status: string }[];
}

/**
 * TorchServe: inference health (`/ping`), each model's workers from the management API (an
 * event when a model gains or loses its last ready worker), and a timed prediction per model
 * with a probe → `inference_latency` (framework=pytorch).
 */
export class TorchServeConnector implements Connector<StateCheckpoint> {
  private readonly inference: string;
  private readonly management: string;

  constructor(
    private readonly config: ConnectorConfig<TorchServeSettings>,
    private readonly deps: ConnectorDeps,
  ) {
    this.inference = config.settings.inference_url.replace(/\/+$/, '');
    this.management = config.settings.management_url.replace(/\/+$/, '');
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** TorchServe answers a bad token with HTTP 400; say what it is. */
  private async call<T>(api: 'inference' | 'management', req: HttpRequest): Promise<HttpResponse<T>> {
    const key = this.config.credentials[api === 'inference' ? 'inference_key' : 'management_key'];
    const headers: Record<string, string> =
      this.config.settings.auth === 'token' && key ? { authorization: `Bearer ${key}` } : {};
    try {
      return await this.deps.http.request<T>({ ...req, headers: { ...req.headers, ...headers } });
    } catch (error) {
      if (error instanceof AppError && /Token Authorization failed/i.test(error.message)) {
        throw AppError.permanent('auth_failed', `TorchServe ${api} API rejected the ${api} key: ${error.message}`);
      }
      throw error;
    }
  }

  async testConnection(): Promise<ConnectionInfo> {
    const ping = await this.call<{ status?: string }>('inference', { url: `${this.inference}/ping` });
    const models = await this.call<{ models?: unknown[] }>('management', {
      url: `${this.management}/models`,
      query: { limit: 1 },
    });
    return {
      latency_ms: ping.latency_ms + models.latency_ms,
      detail: `TorchServe ${ping.body.status ?? 'answers'}; management API reachable`,
    };
  }

  private async modelList(): Promise<ModelTarget[]> {
    if (this.config.settings.models) return this.config.settings.models;
    const out: ModelTarget[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await this.call<{ models?: { modelName: string }[]; nextPageToken?: string }>('management', {
        url: `${this.management}/models`,
        query: { limit: 100, next_page_token: token },
      });
      out.push(
        ...(res.body.models ?? []).filter((m) => typeof m?.modelName === 'string').map((m) => ({ name: m.modelName })),
      );
      token = res.body.nextPageToken;
      if (!token) break;
    }
    return out;
  }

  async collect(checkpoint: StateCheckpoint | undefined): Promise<CollectResult<StateCheckpoint>> {
    const cp: StateCheckpoint = structuredClone(checkpoint ?? emptyStateCheckpoint());
    cp.run += 1;
    const now = this.deps.now();
    const ping = await this.call<{ status?: string }>('inference', { url: `${this.inference}/ping` });
    const events: EventDto[] = [];
    const metrics: MetricBatchDto[] = [
      {
        id: stableId('ts-server', this.config.id, cp.run),
        source: sourceOf('torchserve', this.config.id),
        timestamp: now,
        metrics: [
          { name: 'server_healthy', value: ping.body.status === 'Healthy' ? 1 : 0, tags: { framework: 'pytorch' } },
        ],
      },
    ];
    for (const m of await this.modelList()) {
      const path = `${this.management}/models/${encodeURIComponent(m.name)}${m.version ? `/${encodeURIComponent(m.version)}` : ''}`;
      const described = await this.call<DescribedModel[]>('management', { url: path });
      const samples: MetricDto[] = [];
      let anyReady = false;
      for (const d of (Array.isArray(described.body) ? described.body : []).filter(
        (x) => typeof x?.modelName === 'string',
      )) {
        const version = d.modelVersion ?? 'default';
        const workers = d.workers ?? [];
        const ready = workers.filter((w) => w.status === 'READY').length;
        const tags = { model_name: d.modelName, model_version: version, framework: 'pytorch' };
        samples.push(
          { name: 'workers_ready', value: ready, tags },
          { name: 'workers_total', value: workers.length, tags },
        );
        const state = ready > 0 ? 'READY' : 'UNAVAILABLE';
        if (ready > 0) anyReady = true;
        const gen = changeOf(cp, `${d.modelName}\u0000${version}`, state);
        if (gen !== undefined) {
          events.push({
            id: stableId('ts-status', this.config.id, d.modelName, version, gen),
            source: sourceOf('torchserve', d.modelName),
            timestamp: now,
            event_type: 'model_status_changed',
            severity: state === 'READY' ? 'info' : 'error',
            data: {
              model_name: d.modelName,
              model_version: version,
              state,
              workers_ready: ready,
              workers_total: workers.length,
              min_workers: d.minWorkers ?? null,
              framework: 'pytorch',
              integration_id: this.config.id,
            },
          });
        }
      }
      // A model without workers is reported by its status event; probing it would only fail.
      if (m.probe && anyReady) samples.push(await this.probe(m));
      if (samples.length > 0) {
        metrics.push({
          id: stableId('ts-metrics', this.config.id, m.name, cp.run),
          source: sourceOf('torchserve', m.name),
          timestamp: now,
          metrics: samples,
        });
      }
    }
    return { metrics, events, checkpoint: cp };
  }

  private async probe(m: ModelTarget): Promise<MetricDto> {
    const started = performance.now();
    await this.call('inference', {
      method: 'POST',
      url: `${this.inference}/predictions/${encodeURIComponent(m.name)}${m.version ? `/${encodeURIComponent(m.version)}` : ''}`,
      json: m.probe,
    });
    return {
      name: 'inference_latency',
      value: Math.round((performance.now() - started) * 1000) / 1000,
      unit: 'milliseconds',
      tags: { model_name: m.name, model_version: m.version ?? 'default', framework: 'pytorch' },
    };
  }
}
