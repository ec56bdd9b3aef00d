import type { RuleAggregation } from '@airis/contracts';

/**
 * Samples of one series over a sliding time window (redeliveries are filtered before, per batch).
 *
 * Two arrays of numbers (times, values; V8 keeps them as unboxed doubles, nothing for the GC to
 * trace) hold the live samples from `head` on, in time order. Adding is two pushes (the hot path:
 * one per sample and rule); eviction moves `head` and compacts once the dead prefix is the
 * larger part. (Typed arrays were tried: their off-heap buffers made every growth step cost
 * microseconds.) Aggregates are computed when asked, once per series and evaluation round, with
 * tight loops over the live range; p95 selects in linear time instead of sorting.
 */
export class SlidingWindow {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  private head = 0;
  /** Bumped by every change; the last aggregates are reused while it stays (rules share windows). */
  private version = 0;
  private cached: { kind: RuleAggregation; version: number; value: number | undefined }[] = [];

  constructor(private readonly spanMs: number) {}

  get size(): number {
    return this.times.length - this.head;
  }

  add(timeMs: number, value: number): void {
    this.version++;
    const times = this.times;
    const tail = times.length;
    if (tail === this.head || (times[tail - 1] as number) <= timeMs) {
      times.push(timeMs);
      this.values.push(value);
      return;
    }
    // Out of order (rare): insert in place, after samples of the same time.
    let i = tail - 1;
    while (i > this.head && (times[i - 1] as number) > timeMs) i--;
    times.splice(i, 0, timeMs);
    this.values.splice(i, 0, value);
  }

  /** Drops samples older than `nowMs - span`. */
  evict(nowMs: number): void {
    const from = nowMs - this.spanMs;
    const times = this.times;
    const tail = times.length;
    let head = this.head;
    while (head < tail && (times[head] as number) < from) head++;
    if (head === this.head) return;
    this.version++;
    if (head === tail) {
      times.length = 0;
      this.values.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > tail) {
      times.copyWithin(0, head);
      this.values.copyWithin(0, head);
      times.length = tail - head;
      this.values.length = tail - head;
      head = 0;
    }
    this.head = head;
  }

  /** The aggregate, or undefined for an empty window (no data is never "above threshold"). */
  aggregate(kind: RuleAggregation): number | undefined {
    for (const c of this.cached) if (c.kind === kind && c.version === this.version) return c.value;
    const value = this.compute(kind);
    if (this.cached.length >= 4) this.cached = [];
    this.cached.push({ kind, version: this.version, value });
    return value;
  }

  private compute(kind: RuleAggregation): number | undefined {
    const head = this.head;
    const tail = this.times.length;
    const n = tail - head;
    if (n === 0) return kind === 'count' ? 0 : undefined;
    const vals = this.values;
    switch (kind) {
      case 'last':
        return vals[tail - 1];
      case 'count':
        return n;
      case 'sum':
      case 'avg': {
        let sum = 0;
        for (let i = head; i < tail; i++) sum += vals[i] as number;
        return kind === 'sum' ? sum : sum / n;
      }
      case 'min': {
        let best = vals[head] as number;
        for (let i = head + 1; i < tail; i++) if ((vals[i] as number) < best) best = vals[i] as number;
        return best;
      }
      case 'max': {
        let best = vals[head] as number;
        for (let i = head + 1; i < tail; i++) if ((vals[i] as number) > best) best = vals[i] as number;
        return best;
      }
      case 'rate': {
        // Per-second increase of a counter over the window; resets count from zero, as in Prometheus.
        if (n < 2) return undefined;
        let increase = 0;
        for (let i = head + 1; i < tail; i++) {
          const v = vals[i] as number;
          const d = v - (vals[i - 1] as number);
          increase += d >= 0 ? d : v;
        }
        const seconds = ((this.times[tail - 1] as number) - (this.times[head] as number)) / 1000;
        return seconds > 0 ? increase / seconds : undefined;
      }
      case 'p95':
        // Nearest-rank percentile.
        return nthSmallest(vals.slice(head, tail), Math.max(0, Math.ceil(0.95 * n) - 1));
    }
  }
}

/** The k-th smallest value (0-based) of `a`, which it reorders: Hoare's selection, linear on average. */
export function nthSmallest(a: number[], k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot keeps sorted and reversed input linear.
    const mid = (lo + hi) >>> 1;
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}
