import type { EventDto, MetricBatchDto } from '@airis/contracts';
import type { HttpClient } from './http-client';

/** What a connector type's `validate` gives back: the typed config, or every problem at once. */
export type ValidationResult<S> = { ok: true; value: S } | { ok: false; errors: string[] };

/** A validated, secret-revealed integration as a connector instance receives it. */
export interface ConnectorConfig<S> {
  /** Integration id (config resource id). */
  id: string;
  settings: S;
  /** Revealed secrets by name. */
  credentials: Record<string, string>;
}

/** Services a connector gets from the runtime; tests pass their own. */
export interface ConnectorDeps {
  http: HttpClient;
  now: () => number;
}

/** Outcome of a successful `testConnection()`; failures throw a translated AppError. */
export interface ConnectionInfo {
  /** Short human text: server version, models found... */
  detail: string;
  latency_ms: number;
}

export interface CollectResult<C> {
  /** Metric batches (each with its `source`); published to `airis.metrics.v1`. */
  metrics: MetricBatchDto[];
  /** Events, each with a deterministic `id` so a repeated run from the same checkpoint repeats ids. */
  events: EventDto[];
  /** Where the next run starts; stored only after everything above is acknowledged by Kafka. */
  checkpoint: C;
  /** Items looked at (for the health report); defaults to metrics + events. */
  items?: number;
}

/** One running integration of a connector type (an OpenTelemetry Collector receiver, pull-style). */
export interface Connector<C = unknown> {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Cheap reachability/auth check; throws AppError with a clear message on failure. */
  testConnection(): Promise<ConnectionInfo>;
  /**
   * One incremental pull. Must be a pure function of (remote state, checkpoint): the same
   * checkpoint gives the same items with the same ids, and the returned checkpoint excludes them.
   */
  collect(checkpoint: C | undefined): Promise<CollectResult<C>>;
}

/**
 * A connector type (stateless): validates settings and builds instances. The same factory
 * object serves every integration of its type.
 */
export interface ConnectorFactory<S = unknown, C = unknown> {
  /** Unique within the family, e.g. `mlflow`. */
  readonly type: string;
  readonly family: string;
  readonly description: string;
  /** Settings defaults, merged under the integration's own settings before validation. */
  defaultConfig(): Partial<S>;
  /** Credential names this type uses (each optional unless the settings demand it). */
  readonly credentialNames: readonly string[];
  validate(settings: unknown, credentials: Record<string, string>): ValidationResult<S>;
  create(config: ConnectorConfig<S>, deps: ConnectorDeps): Connector<C>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnectorFactory = ConnectorFactory<any, any>;
