import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventDto, MetricBatchDto, validateContract } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import { MemoryCheckpointStore } from './checkpoint.store';
import type { AnyConnectorFactory, ConnectorDeps } from './connector';
import { createHttpClient } from './http-client';
import { IntegrationRunner, type RunOutcome, type RunnerSink } from './integration-runner';

/** A `testdata/*.json` file: what an integration's spec holds for this type. */
export interface ConformanceFixture {
  settings: unknown;
  credentials?: Record<string, string>;
}

export interface LiveEndpoint extends ConformanceFixture {
  close(): Promise<void>;
}

export interface ConformanceCase {
  factory: AnyConnectorFactory;
  /** Folder with `good-*.json` (must validate) and `bad-*.json` (must not). */
  testdataDir: string;
  /** Starts a local server answering as the platform documents, with data to collect. */
  live(): Promise<LiveEndpoint>;
  /** Settings pointing at `baseUrl`, where nothing listens. */
  dead(baseUrl: string): ConformanceFixture;
}

function fixtures(dir: string, prefix: 'good' | 'bad'): [string, ConformanceFixture][] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as ConformanceFixture]);
}

function deps(): ConnectorDeps {
  return { http: createHttpClient({ timeoutMs: 2000 }), now: () => Date.now() };
}

/** A port nothing listens on: bound, then released. */
async function deadBaseUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 1;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

class MemorySink implements RunnerSink {
  readonly reports: RunOutcome[] = [];
  readonly events: EventDto[] = [];
  readonly metrics: MetricBatchDto[] = [];
  publish(metrics: MetricBatchDto[], events: EventDto[]): Promise<void> {
    this.metrics.push(...metrics);
    this.events.push(...events);
    return Promise.resolve();
  }
  health(_id: string, outcome: RunOutcome): Promise<void> {
    this.reports.push(outcome);
    return Promise.resolve();
  }
}

function validate(factory: AnyConnectorFactory, fixture: ConformanceFixture) {
  return factory.validate({ ...factory.defaultConfig(), ...(fixture.settings as object) }, fixture.credentials ?? {});
}

/**
 * The contract every connector type passes (DESIGN.md §7), as jest tests: config files,
 * a dead endpoint (clear error, degraded health, no crash), and incremental, duplicate-free
 * collection from the same checkpoint.
 */
export function describeConformance(c: ConformanceCase): void {
  const { factory } = c;
  describe(`connector conformance: ${factory.family}/${factory.type}`, () => {
    it('declares its identity and a fresh default config each time', () => {
      expect(factory.type).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(factory.description.length).toBeGreaterThan(0);
      const a = factory.defaultConfig();
      expect(a).not.toBe(factory.defaultConfig());
    });

    it('accepts every good-*.json in testdata', () => {
      const good = fixtures(c.testdataDir, 'good');
      expect(good.length).toBeGreaterThan(0);
      for (const [name, fixture] of good) {
        const result = validate(factory, fixture);
        if (!result.ok) throw new Error(`${name} should be valid: ${result.errors.join('; ')}`);
      }
    });

    it('rejects every bad-*.json in testdata with field errors', () => {
      const bad = fixtures(c.testdataDir, 'bad');
      expect(bad.length).toBeGreaterThan(0);
      for (const [name, fixture] of bad) {
        const result = validate(factory, fixture);
        if (result.ok) throw new Error(`${name} should be invalid`);
        expect(result.errors.length).toBeGreaterThan(0);
        for (const e of result.errors) expect(e).toMatch(/^(settings|credentials)(\.[\w.[\]-]+)?: /);
      }
    });

    it('against a dead endpoint: a clear error, degraded health, no crash', async () => {
      const base = await deadBaseUrl();
      const fixture = c.dead(base);
      const settings = validate(factory, fixture);
      if (!settings.ok) throw new Error(`dead() settings invalid: ${settings.errors.join('; ')}`);
      const connector = factory.create(
        { id: 'conformance-dead', settings: settings.value as unknown, credentials: fixture.credentials ?? {} },
        deps(),
      );
      const error = await connector.testConnection().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('unreachable');
      expect((error as AppError).message).toContain(new URL(base).host);

      const sink = new MemorySink();
      const checkpoints = new MemoryCheckpointStore();
      const runner = new IntegrationRunner({
        integrationId: 'conformance-dead',
        factory,
        connector,
        policy: { intervalMs: 3_600_000, jitter: 0, maxBackoffMs: 3_600_000, timeoutMs: 5000 },
        checkpoints,
        sink,
      });
      const tested = await runner.testConnection();
      const ran = await runner.runNow();
      await runner.stop();
      for (const outcome of [tested, ran]) {
        expect(outcome.ok).toBe(false);
        expect(outcome.status).toBe('degraded');
        expect(outcome.message).toMatch(/^unreachable: cannot reach /);
      }
      expect(sink.reports.map((r) => r.status)).toEqual(['degraded', 'degraded']);
      expect(sink.events).toHaveLength(0);
      expect(checkpoints.docs.size).toBe(0);
    });

    it('collects valid records, and twice from the same checkpoint gives no duplicates', async () => {
      const live = await c.live();
      try {
        const settings = validate(factory, live);
        if (!settings.ok) throw new Error(`live() settings invalid: ${settings.errors.join('; ')}`);
        const connector = factory.create(
          { id: 'conformance-live', settings: settings.value as unknown, credentials: live.credentials ?? {} },
          deps(),
        );
        await connector.start();
        const info = await connector.testConnection();
        expect(info.detail.length).toBeGreaterThan(0);

        const first = await connector.collect(undefined);
        const again = await connector.collect(undefined);
        const second = await connector.collect(first.checkpoint);
        await connector.stop();

        expect(first.events.length + first.metrics.length).toBeGreaterThan(0);
        for (const e of [...first.events, ...second.events]) {
          const v = validateContract(EventDto, e);
          if (!v.ok) throw new Error(`invalid event ${JSON.stringify(e)}: ${JSON.stringify(v.errors)}`);
          expect(e.id).toBeDefined();
        }
        for (const m of [...first.metrics, ...second.metrics]) {
          const v = validateContract(MetricBatchDto, m);
          if (!v.ok) throw new Error(`invalid metric batch ${JSON.stringify(m)}: ${JSON.stringify(v.errors)}`);
        }
        // Same checkpoint, same events with the same ids (so downstream dedup works) ...
        expect(again.events.map((e) => e.id).sort()).toEqual(first.events.map((e) => e.id).sort());
        // ... and from the returned checkpoint nothing of the first run comes back.
        const firstIds = new Set(first.events.map((e) => e.id));
        expect(second.events.filter((e) => firstIds.has(e.id))).toEqual([]);
        expect(second.events).toHaveLength(0);
        const firstBatchIds = new Set(first.metrics.map((m) => m.id).filter(Boolean));
        expect(second.metrics.filter((m) => m.id && firstBatchIds.has(m.id))).toEqual([]);
      } finally {
        await live.close();
      }
    });
  });
}
