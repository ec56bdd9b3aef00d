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
import type { EventDto, MetricBatchDto, MetricDto } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import { type ModelTarget, type StateCheckpoint, changeOf, emptyStateCheckpoint } from '../shared/probe';
import type { KServeSettings } from './config';

// Open Inference Protocol v2, REST (KServe "V2 Inference Protocol" / Triton HTTP API):
// GET /v2 → {name, version, extensions}; GET /v2/health/live|ready → 200 = true (KServe adds
// {"live"|"ready": bool}); GET /v2/models/{m}[/versions/{v}]/ready → 200 {name, ready} / 4xx = false;
// GET /v2/models/{m}[/versions/{v}] → {name, versions, platform, inputs, outputs};
// POST .../infer → {model_name, model_version, id, outputs}; errors {"error": "..."}.
interface ModelMetadata {
  name: string;
  versions?: string[];
  platform?: string;
  inputs?: { name: string; datatype: string; shape: number[] }[];
  outputs?: { name: string; datatype: string; shape: number[] }[];
}

/**
 * A KServe InferenceService or Triton server over the Open Inference Protocol: server
 * liveness/readiness, per model readiness (an event when it changes) and metadata, and a timed
 * inference per model with a probe → `inference_latency` (framework = the model's platform).
 */
export class KServeConnector implements Connector<StateCheckpoint> {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  /** Platform per model from its metadata (e.g. onnxruntime_onnx), the `framework` tag. */
  private readonly platforms = new Map<string, string>();

  constructor(
    private readonly config: ConnectorConfig<KServeSettings>,
    private readonly deps: ConnectorDeps,
    private readonly flavour: 'kserve' | 'triton',
  ) {
    this.base = config.settings.base_url.replace(/\/+$/, '');
    this.headers = authHeaders(config.settings, config.credentials);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  private modelPath(m: ModelTarget): string {
    return `${this.base}/v2/models/${encodeURIComponent(m.name)}${m.version ? `/versions/${encodeURIComponent(m.version)}` : ''}`;
  }

  async testConnection(): Promise<ConnectionInfo> {
    const res = await this.deps.http.request<{ name?: string; version?: string }>({
      url: `${this.base}/v2`,
      headers: this.headers,
    });
    return {
      latency_ms: res.latency_ms,
      detail: `${res.body.name ?? this.flavour} ${res.body.version ?? ''} speaks the Open Inference Protocol v2`.trim(),
    };
  }

  /** A health endpoint: 200 is true (unless the body says false), a 4xx other than auth is false. */
  private async probeTruth(url: string, field: 'live' | 'ready'): Promise<{ ok: boolean; reason: string }> {
    try {
      const res = await this.deps.http.request<Record<string, unknown>>({ url, headers: this.headers });
      return res.body[field] === false ? { ok: false, reason: `${field}: false` } : { ok: true, reason: '' };
    } catch (error) {
      if (
        error instanceof AppError &&
        (error.code === 'not_found' || (error.code === 'http_error' && error.errorClass === 'PERMANENT'))
      ) {
        return { ok: false, reason: error.message };
      }
      throw error;
    }
  }

  async collect(checkpoint: StateCheckpoint | undefined): Promise<CollectResult<StateCheckpoint>> {
    const cp: StateCheckpoint = structuredClone(checkpoint ?? emptyStateCheckpoint());
    cp.run += 1;
    const now = this.deps.now();
    const live = await this.probeTruth(`${this.base}/v2/health/live`, 'live');
    const ready = await this.probeTruth(`${this.base}/v2/health/ready`, 'ready');
    const events: EventDto[] = [];
    const metrics: MetricBatchDto[] = [
      {
        id: stableId('oip-server', this.config.id, cp.run),
        source: sourceOf(this.flavour, this.config.id),
        timestamp: now,
        metrics: [
          { name: 'server_live', value: live.ok ? 1 : 0, tags: { server: this.flavour } },
          { name: 'server_ready', value: ready.ok ? 1 : 0, tags: { server: this.flavour } },
        ],
      },
    ];
    for (const m of this.config.settings.models) {
      const version = m.version ?? 'default';
      const modelReady = await this.probeTruth(`${this.modelPath(m)}/ready`, 'ready');
      let meta: ModelMetadata | undefined;
      if (modelReady.ok) {
        meta = (await this.deps.http.request<ModelMetadata>({ url: this.modelPath(m), headers: this.headers })).body;
        if (meta.platform) this.platforms.set(m.name, meta.platform);
      }
      const framework = this.platforms.get(m.name) ?? this.flavour;
      const tags = { model_name: m.name, model_version: version, framework };
      const samples: MetricDto[] = [{ name: 'model_ready', value: modelReady.ok ? 1 : 0, tags }];
      const state = modelReady.ok ? 'READY' : 'NOT_READY';
      const gen = changeOf(cp, `${m.name}\u0000${version}`, state);
      if (gen !== undefined) {
        events.push({
          id: stableId('oip-status', this.config.id, m.name, version, gen),
          source: sourceOf(this.flavour, m.name),
          timestamp: now,
          event_type: 'model_status_changed',
          severity: modelReady.ok ? 'info' : 'error',
          data: {
            model_name: m.name,
            model_version: version,
            state,
            ...(modelReady.ok ? {} : { reason: modelReady.reason }),
            ...(meta
              ? {
                  platform: meta.platform ?? null,
                  versions: meta.versions ?? [],
                  inputs: (meta.inputs ?? []).map((i) => `${i.name}:${i.datatype}[${i.shape.join(',')}]`),
                  outputs: (meta.outputs ?? []).map((o) => `${o.name}:${o.datatype}[${o.shape.join(',')}]`),
                }
              : {}),
            framework,
            integration_id: this.config.id,
          },
        });
      }
      if (m.probe && modelReady.ok) samples.push(await this.infer(m, tags));
      metrics.push({
        id: stableId('oip-metrics', this.config.id, m.name, cp.run),
        source: sourceOf(this.flavour, m.name),
        timestamp: now,
        metrics: samples,
      });
    }
    return { metrics, events, checkpoint: cp };
  }

  private async infer(m: ModelTarget, tags: Record<string, string>): Promise<MetricDto> {
    const started = performance.now();
    const res = await this.deps.http.request<{ outputs?: unknown[] }>({
      method: 'POST',
      url: `${this.modelPath(m)}/infer`,
      headers: this.headers,
      json: m.probe,
    });
    if (!Array.isArray(res.body.outputs)) {
      throw AppError.permanent('bad_response', `inference on ${m.name} answered without an outputs array`);
    }
    return {
      name: 'inference_latency',
      value: Math.round((performance.now() - started) * 1000) / 1000,
      unit: 'milliseconds',
      tags,
    };
  }
}
