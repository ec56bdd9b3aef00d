import type { HealthStatus } from '@airis/contracts';

/** One report as the figures need it. */
export interface Sample {
  t: number;
  status: HealthStatus;
  latency_ms?: number;
  items?: number;
}

/** The status a component entered at `at` (the timeline is its list of transitions). */
export interface StatusChange {
  at: number;
  status: HealthStatus;
}

export interface WindowFigures {
  /** Reports received in the window. */
  checks: number;
  /** Share of reports that said down; null without reports. */
  error_rate: number | null;
  /** Share of observed time not down (unknown time is not observed); null if none observed. */
  availability: number | null;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  /** Items the reports carried (e.g. records pulled); null if no report carried any. */
  items: number | null;
  /** Items per minute over the window; null if no report carried items. */
  throughput_per_min: number | null;
}

/** Nearest-rank percentile of an ascending list; null for an empty one. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

/** Share of time in [from, to) the component was not down, from its status timeline. */
export function availability(timeline: readonly StatusChange[], from: number, to: number): number | null {
  let observed = 0;
  let up = 0;
  for (let i = 0; i < timeline.length; i++) {
    const change = timeline[i]!;
    const start = Math.max(from, change.at);
    const end = Math.min(to, timeline[i + 1]?.at ?? to);
    if (end <= start || change.status === 'unknown') continue;
    observed += end - start;
    if (change.status !== 'down') up += end - start;
  }
  return observed === 0 ? null : up / observed;
}

/** Index of the first sample at or after `t` in a time-sorted list (binary search). */
export function firstAtOrAfter(samples: readonly Sample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const round = (n: number | null, digits = 4): number | null =>
  n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits;

/** The figures of one window [from, to). `samples` must be sorted by time. */
export function windowFigures(
  samples: readonly Sample[],
  timeline: readonly StatusChange[],
  from: number,
  to: number,
): WindowFigures {
  const inWindow = samples.slice(firstAtOrAfter(samples, from), firstAtOrAfter(samples, to));
  const latencies = inWindow
    .map((s) => s.latency_ms)
    .filter((l): l is number => l !== undefined)
    .sort((a, b) => a - b);
  const withItems = inWindow.filter((s) => s.items !== undefined);
  const items = withItems.reduce((sum, s) => sum + (s.items ?? 0), 0);
  const down = inWindow.filter((s) => s.status === 'down').length;
  return {
    checks: inWindow.length,
    error_rate: inWindow.length === 0 ? null : round(down / inWindow.length),
    availability: round(availability(timeline, from, to), 6),
    latency_p50_ms: percentile(latencies, 50),
    latency_p95_ms: percentile(latencies, 95),
    items: withItems.length === 0 ? null : items,
    throughput_per_min: withItems.length === 0 ? null : round(items / ((to - from) / 60_000), 2),
  };
}

export interface Series {
  /** Bucket start times, seconds (uPlot's x axis). */
  t: number[];
  latency_p95_ms: (number | null)[];
  error_rate: (number | null)[];
}

/** Per-bucket p95 latency and error rate over [from, to), for sparklines and history. */
export function series(samples: readonly Sample[], from: number, to: number, bucketMs: number): Series {
  const count = Math.max(1, Math.ceil((to - from) / bucketMs));
  const buckets: Sample[][] = Array.from({ length: count }, () => []);
  for (const s of samples) {
    if (s.t < from || s.t >= to) continue;
    buckets[Math.floor((s.t - from) / bucketMs)]?.push(s);
  }
  return {
    t: buckets.map((_, i) => Math.floor((from + i * bucketMs) / 1000)),
    latency_p95_ms: buckets.map((b) =>
      percentile(
        b
          .map((s) => s.latency_ms)
          .filter((l): l is number => l !== undefined)
          .sort((x, y) => x - y),
        95,
      ),
    ),
    error_rate: buckets.map((b) =>
      b.length === 0 ? null : round(b.filter((s) => s.status === 'down').length / b.length),
    ),
  };
}
