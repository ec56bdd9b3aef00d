import type { EventDto, MetricBatchDto } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import { MemoryCheckpointStore } from './checkpoint.store';
import type { AnyConnectorFactory, CollectResult, Connector } from './connector';
import { IntegrationRunner, type RunOutcome, type RunnerSink } from './integration-runner';

class Sink implements RunnerSink {
  events: EventDto[] = [];
  metrics: MetricBatchDto[] = [];
  reports: RunOutcome[] = [];
  failPublish = false;
  publish(metrics: MetricBatchDto[], events: EventDto[]): Promise<void> {
    if (this.failPublish) return Promise.reject(AppError.transient('kafka_down', 'broker unavailable'));
    this.metrics.push(...metrics);
    this.events.push(...events);
    return Promise.resolve();
  }
  health(_id: string, outcome: RunOutcome): Promise<void> {
    this.reports.push(outcome);
    return Promise.resolve();
  }
}

/** Emits one event per call, numbered by checkpoint; fails while `failing` is set. */
class CountingConnector implements Connector<number> {
  failing: AppError | undefined;
  calls = 0;
  start = () => Promise.resolve();
  stop = () => Promise.resolve();
  testConnection = () =>
    this.failing ? Promise.reject(this.failing) : Promise.resolve({ detail: 'ok', latency_ms: 1 });
  collect(cp: number | undefined): Promise<CollectResult<number>> {
    this.calls++;
    if (this.failing) return Promise.reject(this.failing);
    const n = (cp ?? 0) + 1;
    return Promise.resolve({ metrics: [], events: [{ id: `e${n}`, source: 's', event_type: 't' }], checkpoint: n });
  }
}

const factory = { type: 'counting', family: 'test' } as AnyConnectorFactory;
const policy = { intervalMs: 3_600_000, jitter: 0, maxBackoffMs: 3_600_000, timeoutMs: 5000 };

function setup() {
  const sink = new Sink();
  const connector = new CountingConnector();
  const checkpoints = new MemoryCheckpointStore();
  const runner = new IntegrationRunner({ integrationId: 'i1', factory, connector, policy, checkpoints, sink });
  return { sink, connector, checkpoints, runner };
}

describe('IntegrationRunner', () => {
  it('publishes, then advances the checkpoint, and reports healthy', async () => {
    const { sink, checkpoints, runner } = setup();
    const a = await runner.runNow();
    const b = await runner.runNow();
    await runner.stop();
    expect([a.status, a.items, b.items]).toEqual(['healthy', 1, 1]);
    expect(sink.events.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(checkpoints.docs.get('i1')).toEqual({ value: 2, seq: 2 });
  });

  it('keeps the checkpoint when publishing fails, so the next run re-emits the same ids', async () => {
    const { sink, checkpoints, runner } = setup();
    sink.failPublish = true;
    const failed = await runner.runNow();
    expect(failed).toMatchObject({ status: 'degraded', message: 'kafka_down: broker unavailable' });
    expect(checkpoints.docs.size).toBe(0);
    sink.failPublish = false;
    await runner.runNow();
    await runner.stop();
    expect(sink.events.map((e) => e.id)).toEqual(['e1']);
  });

  it('counts consecutive failures and opens the circuit after repeated failures', async () => {
    const { sink, connector, runner } = setup();
    connector.failing = AppError.permanent('auth_failed', 'authentication rejected by GET http://x (HTTP 401)');
    for (let i = 0; i < 3; i++) await runner.runNow();
    expect(runner.consecutiveFailures).toBe(3);
    expect(runner.breakerState).toBe('open');
    const callsWhenOpen = connector.calls;
    const blocked = await runner.runNow();
    await runner.stop();
    expect(connector.calls).toBe(callsWhenOpen); // not even tried
    expect(blocked).toMatchObject({ status: 'down', code: 'circuit_open' });
    expect(sink.reports.slice(0, 3).map((r) => r.message)).toEqual(
      Array(3).fill('auth_failed: authentication rejected by GET http://x (HTTP 401)'),
    );
  });

  it('reports a connection test without touching the checkpoint', async () => {
    const { sink, connector, checkpoints, runner } = setup();
    expect(await runner.testConnection()).toMatchObject({ ok: true, status: 'healthy', message: 'ok' });
    connector.failing = AppError.transient('timeout', 'GET http://x did not answer within 100 ms');
    expect(await runner.testConnection()).toMatchObject({ ok: false, status: 'degraded', code: 'timeout' });
    await runner.stop();
    expect(checkpoints.docs.size).toBe(0);
    expect(sink.reports).toHaveLength(2);
  });

  it('never runs two collections of one integration at once', async () => {
    const { connector, runner } = setup();
    let active = 0;
    let maxActive = 0;
    const inner = connector.collect.bind(connector);
    connector.collect = async (cp) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setImmediate(r));
      active--;
      return inner(cp);
    };
    await Promise.all([runner.runNow(), runner.runNow(), runner.runNow()]);
    await runner.stop();
    expect(maxActive).toBe(1);
  });

  it('stops a connector whose start was still under way when stop was called', async () => {
    const { connector, runner } = setup();
    let finishStart!: () => void;
    connector.start = () => new Promise<void>((resolve) => (finishStart = resolve));
    let stops = 0;
    connector.stop = () => {
      stops++;
      return Promise.resolve();
    };
    const started = runner.start();
    const stopped = runner.stop();
    // A turn of the event loop: all stop() could do without the start is done by then.
    await new Promise((resolve) => setImmediate(resolve));
    finishStart();
    await Promise.all([started, stopped]);
    expect(stops).toBe(1);
    // Stopped before its first run: nothing was collected and nothing is scheduled.
    expect(await runner.runNow()).toMatchObject({ ok: false, message: 'stopped' });
    expect(connector.calls).toBe(0);
  });
});
