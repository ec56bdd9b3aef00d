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
import type { TfServingSettings } from './config';

// TensorFlow Serving RESTful API (https://www.tensorflow.org/tfx/serving/api_rest):
// GET /v1/models/{name}[/versions/{v}] → {model_version_status: [{version, state, status: {error_code, error_message}}]}
// GET /v1/models/{name}[/versions/{v}]/metadata → {model_spec: {name, signature_name, version}, metadata: {signature_def: ...}}
// POST /v1/models/{name}[/versions/{v}]:predict → {predictions: ...} | {outputs: ...}; errors {error: "..."}.
interface VersionStatus {
  version: string | number;
  state: string;
  status?: { error_code?: string; error_message?: string };
}

/**
 * TensorFlow Serving over its REST API: per model, the state of each version (an event when it
 * changes), and with a probe configured a timed predict → the seed's `inference_latency`
 * metric (tags model_name, model_version, framework=tensorflow).
 */
export class TfServingConnector implements Connector<StateCheckpoint> {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: ConnectorConfig<TfServingSettings>,
    private readonly deps: ConnectorDeps,
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
    return `${this.base}/v1/models/${encodeURIComponent(m.name)}${m.version ? `/versions/${encodeURIComponent(m.version)}` : ''}`;
  }

  async testConnection(): Promise<ConnectionInfo> {
    const m = this.config.settings.models[0]!;
    const res = await this.deps.http.request<{ model_spec?: { name?: string; version?: string } }>({
      url: `${this.modelPath(m)}/metadata`,
      headers: this.headers,
    });
    return {
      latency_ms: res.latency_ms,
      detail: `TensorFlow Serving serves ${res.body.model_spec?.name ?? m.name} version ${res.body.model_spec?.version ?? '?'}`,
    };
  }

  async collect(checkpoint: StateCheckpoint | undefined): Promise<CollectResult<StateCheckpoint>> {
    const cp: StateCheckpoint = structuredClone(checkpoint ?? emptyStateCheckpoint());
    cp.run += 1;
    const now = this.deps.now();
    const events: EventDto[] = [];
    const metrics: MetricBatchDto[] = [];
    for (const m of this.config.settings.models) {
      const status = await this.deps.http.request<{ model_version_status?: VersionStatus[] }>({
        url: this.modelPath(m),
        headers: this.headers,
      });
      const versions = (status.body.model_version_status ?? []).filter(
        (v) => v?.version !== undefined && typeof v.state === 'string',
      );
      const samples: MetricDto[] = [
        {
          name: 'model_versions_available',
          value: versions.filter((v) => v.state === 'AVAILABLE').length,
          tags: { model_name: m.name, framework: 'tensorflow' },
        },
      ];
      for (const v of versions) {
        const version = String(v.version);
        const gen = changeOf(cp, `${m.name}\u0000${version}`, v.state);
        if (gen === undefined) continue;
        const failed = v.status?.error_code && v.status.error_code !== 'OK';
        events.push({
          id: stableId('tfs-status', this.config.id, m.name, version, gen),
          source: sourceOf('tensorflow-serving', m.name),
          timestamp: now,
          event_type: 'model_status_changed',
          severity: failed ? 'error' : v.state === 'AVAILABLE' ? 'info' : 'warning',
          data: {
            model_name: m.name,
            model_version: version,
            state: v.state,
            error_code: v.status?.error_code ?? 'OK',
            error_message: v.status?.error_message ?? '',
            framework: 'tensorflow',
            integration_id: this.config.id,
          },
        });
      }
      if (m.probe) samples.push(await this.probe(m));
      metrics.push({
        id: stableId('tfs-metrics', this.config.id, m.name, cp.run),
        source: sourceOf('tensorflow-serving', m.name),
        timestamp: now,
        metrics: samples,
      });
    }
    return { metrics, events, checkpoint: cp };
  }

  /** A timed predict call; the latency includes the network, as the seed's collector measures it. */
  private async probe(m: ModelTarget): Promise<MetricDto> {
    const started = performance.now();
    const res = await this.deps.http.request<{ predictions?: unknown; outputs?: unknown; error?: string }>({
      method: 'POST',
      url: `${this.modelPath(m)}:predict`,
      headers: this.headers,
      json: m.probe,
    });
    if (res.body.predictions === undefined && res.body.outputs === undefined) {
      throw AppError.permanent('bad_response', `predict on ${m.name} answered without predictions or outputs`);
    }
    return {
      name: 'inference_latency',
      value: Math.round((performance.now() - started) * 1000) / 1000,
      unit: 'milliseconds',
      tags: { model_name: m.name, model_version: m.version ?? 'latest', framework: 'tensorflow' },
    };
  }
}
