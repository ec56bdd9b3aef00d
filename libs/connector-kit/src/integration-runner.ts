import { Logger } from '@nestjs/common';
import type { EventDto, HealthStatus, MetricBatchDto } from '@airis/contracts';
import { AppError, classifyError } from '@airis/resilience';
import CircuitBreaker from 'opossum';
import type { CheckpointStore } from './checkpoint.store';
import type { AnyConnectorFactory, CollectResult, ConnectionInfo, Connector } from './connector';
import { type SchedulePolicy, firstDelay, nextDelay } from './schedule';

/** What a run or a connection test produced, for health reports and command results. */
export interface RunOutcome {
  status: HealthStatus;
  ok: boolean;
  latency_ms: number;
  items: number;
  message: string;
  code?: string;
}

/** Where a runner's output goes: Kafka in the service, memory in unit tests. */
export interface RunnerSink {
  /** Resolves once every record is acknowledged (acks=all). */
  publish(metrics: MetricBatchDto[], events: EventDto[]): Promise<void>;
  health(integrationId: string, outcome: RunOutcome, details: Record<string, unknown>): Promise<void>;
}

export interface RunnerOptions {
  integrationId: string;
  factory: AnyConnectorFactory;
  connector: Connector;
  policy: SchedulePolicy;
  checkpoints: CheckpointStore;
  sink: RunnerSink;
  random?: () => number;
  /** Called after every scheduled or requested run (metrics, tests). */
  onRun?: (outcome: RunOutcome) => void;
}

function failureOutcome(error: unknown, started: number): RunOutcome {
  const c = classifyError(error);
  const code = (error as { code?: unknown }).code === 'EOPENBREAKER' ? 'circuit_open' : c.code;
  const message =
    code === 'circuit_open'
      ? 'circuit breaker open after repeated failures; the next trial run is after the backoff'
      : code === 'ETIMEDOUT'
        ? `run took longer than its time limit: ${c.message}`
        : c.message;
  return {
    status: code === 'circuit_open' ? 'down' : 'degraded',
    ok: false,
    latency_ms: performance.now() - started,
    items: 0,
    message: `${code}: ${message}`,
    code,
  };
}

/**
 * Drives one integration: runs `collect` on its schedule (jittered), through a per-integration
 * circuit breaker, publishes what it returns, then stores the new checkpoint — in that order, so
 * a crash in between re-emits (same ids, deduplicated downstream) rather than loses. Every run
 * ends with a health report. Failures back off exponentially up to the policy's ceiling.
 */
export class IntegrationRunner {
  private readonly logger: Logger;
  private readonly breaker: CircuitBreaker<[], RunOutcome>;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private failures = 0;
  private stopped = false;
  private started = false;
  private starting: Promise<void> | undefined;
  runs = 0;

  constructor(private readonly options: RunnerOptions) {
    this.logger = new Logger(`integration:${options.integrationId}`);
    const { policy } = options;
    this.breaker = new CircuitBreaker(() => this.collectAndPublish(), {
      timeout: policy.timeoutMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      resetTimeout: policy.maxBackoffMs,
      rollingCountTimeout: Math.max(10_000, policy.intervalMs * 10),
      rollingCountBuckets: 10,
      name: options.integrationId,
    });
  }

  get breakerState(): 'open' | 'half-open' | 'closed' {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  async start(): Promise<void> {
    this.starting = this.options.connector.start().then(() => {
      this.started = true;
    });
    await this.starting;
    this.schedule(firstDelay(this.options.policy, this.options.random));
  }

  /**
   * Stops the schedule, waits for a run in flight, stops the connector — also one whose start
   * was still under way when stop was called (a configuration deleted right after it was made).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.starting?.catch(() => undefined);
    await this.chain.catch(() => undefined);
    this.breaker.shutdown();
    if (this.started) await this.options.connector.stop();
  }

  /** One run now (sync-now); serialised with scheduled runs so two never overlap. */
  runNow(): Promise<RunOutcome> {
    return this.enqueue(() => this.runOnce());
  }

  /** testConnection, reported like a run (health) but without touching checkpoints. */
  testConnection(): Promise<RunOutcome> {
    return this.enqueue(async () => {
      const outcome = await testConnection(this.options.connector);
      await this.report(outcome);
      return outcome;
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.runNow().then(() => undefined);
    }, delay);
  }

  private async runOnce(): Promise<RunOutcome> {
    if (this.stopped) return { status: 'unknown', ok: false, latency_ms: 0, items: 0, message: 'stopped' };
    const started = performance.now();
    let outcome: RunOutcome;
    try {
      outcome = await this.breaker.fire();
      this.failures = 0;
    } catch (error) {
      outcome = failureOutcome(error, started);
      this.failures++;
      this.logger.warn(`run failed (${this.failures} in a row): ${outcome.message}`);
    }
    this.runs++;
    try {
      await this.report(outcome);
    } catch (error) {
      this.logger.error(`health report failed: ${(error as Error).message}`);
    }
    this.options.onRun?.(outcome);
    this.schedule(nextDelay(this.options.policy, this.failures, this.options.random));
    return outcome;
  }

  private async collectAndPublish(): Promise<RunOutcome> {
    const started = performance.now();
    const { checkpoints, integrationId, connector, sink } = this.options;
    const stored = await checkpoints.load(integrationId);
    const result: CollectResult<unknown> = await connector.collect(stored?.value);
    if (this.stopped) throw AppError.transient('stopped', 'integration stopped during the run; nothing published');
    await sink.publish(result.metrics, result.events);
    const saved = await checkpoints.save(integrationId, result.checkpoint, stored?.seq ?? 0);
    if (!saved) this.logger.warn('checkpoint moved on meanwhile (another owner during a rebalance); kept theirs');
    const items = result.items ?? result.metrics.reduce((n, b) => n + b.metrics.length, 0) + result.events.length;
    return {
      status: 'healthy',
      ok: true,
      latency_ms: performance.now() - started,
      items,
      message: `collected ${result.metrics.reduce((n, b) => n + b.metrics.length, 0)} metric(s), ${result.events.length} event(s)`,
    };
  }

  private report(outcome: RunOutcome): Promise<void> {
    return this.options.sink.health(this.options.integrationId, outcome, {
      type: this.options.factory.type,
      family: this.options.factory.family,
      breaker: this.breakerState,
      consecutive_failures: this.failures,
      ...(outcome.code ? { code: outcome.code } : {}),
    });
  }
}

/** testConnection as an outcome: a failure is a degraded status with the translated message. */
export async function testConnection(connector: Connector): Promise<RunOutcome> {
  const started = performance.now();
  try {
    const info: ConnectionInfo = await connector.testConnection();
    return { status: 'healthy', ok: true, latency_ms: info.latency_ms, items: 0, message: info.detail };
  } catch (error) {
    return failureOutcome(error, started);
  }
}
