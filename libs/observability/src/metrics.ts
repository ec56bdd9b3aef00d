import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';

let defaultsCollected = false;

/** Process metrics (CPU, memory, event-loop lag, GC) once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register });
}

/*
 * Get-or-create: several module instances in one process (tests, two consumers) share one
 * metric instead of failing on "already registered".
 */
export function counter<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  collect?: (this: Counter<L>) => void,
): Counter<L> {
  const existing = register.getSingleMetric(name) as (Counter<L> & { collect?: () => void }) | undefined;
  if (!existing) return new Counter({ name, help, labelNames: [...labelNames], ...(collect ? { collect } : {}) });
  if (collect) {
    const before = existing.collect;
    existing.collect = function (this: Counter<L>) {
      before?.call(this);
      collect.call(this);
    };
  }
  return existing;
}

/**
 * Counts per label value for a hot path: `add` is one addition to a plain number (prom-client's
 * `inc` hashes the label set on every call, children bound with `.labels()` included). The sums
 * move into the prom-client counter whenever it is collected — a /metrics scrape or `get()` —
 * so what is exposed is the same.
 */
export class HotCounter<V extends string> {
  private readonly pending: Record<string, number> = {};
  readonly metric: Counter<string>;

  constructor(name: string, help: string, label: string, values: readonly V[]) {
    for (const v of values) this.pending[v] = 0;
    const pending = this.pending;
    this.metric = counter(name, help, [label], function () {
      for (const v in pending) {
        const n = pending[v] as number;
        if (n === 0) continue;
        pending[v] = 0;
        this.inc({ [label]: v }, n);
      }
    });
  }

  add(value: V, n: number): void {
    this.pending[value] = (this.pending[value] ?? 0) + n;
  }
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge({ name, help, labelNames: [...labelNames] });
}

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
): Histogram<L> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames: [...labelNames], buckets });
}

export { register as metricsRegistry };
