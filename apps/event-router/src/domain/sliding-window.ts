import type { RuleAggregation } from '@airis/contracts';

/** Samples of one series over a sliding time window (redeliveries are filtered before, per batch). */
export class SlidingWindow {
  private times: number[] = [];
  private values: number[] = [];
  private head = 0;

  constructor(private readonly spanMs: number) {}

  get size(): number {
    return this.times.length - this.head;
  }

  add(timeMs: number, value: number): void {
    // Samples mostly arrive in time order; an out-of-order one is inserted in place.
    let i = this.times.length;
    while (i > this.head && (this.times[i - 1] ?? 0) > timeMs) i--;
    if (i === this.times.length) {
      this.times.push(timeMs);
      this.values.push(value);
    } else {
      this.times.splice(i, 0, timeMs);
      this.values.splice(i, 0, value);
    }
  }

  /** Drops samples older than `nowMs - span`. */
  evict(nowMs: number): void {
    const from = nowMs - this.spanMs;
    while (this.head < this.times.length && (this.times[this.head] ?? 0) < from) {
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }

  /** The aggregate, or undefined for an empty window (no data is never "above threshold"). */
  aggregate(kind: RuleAggregation): number | undefined {
    const n = this.size;
    if (n === 0) return kind === 'count' ? 0 : undefined;
    const vals = this.values;
    switch (kind) {
      case 'last':
        return vals[vals.length - 1];
      case 'count':
        return n;
      case 'sum':
      case 'avg': {
        let sum = 0;
        for (let i = this.head; i < vals.length; i++) sum += vals[i] ?? 0;
        return kind === 'sum' ? sum : sum / n;
      }
      case 'min':
      case 'max': {
        let best = vals[this.head] ?? 0;
        for (let i = this.head + 1; i < vals.length; i++) {
          const v = vals[i] ?? 0;
          if (kind === 'min' ? v < best : v > best) best = v;
        }
        return best;
      }
      case 'rate': {
        // Per-second increase of a counter over the window; resets count from zero, as in Prometheus.
        if (n < 2) return undefined;
        let increase = 0;
        for (let i = this.head + 1; i < vals.length; i++) {
          const d = (vals[i] ?? 0) - (vals[i - 1] ?? 0);
          increase += d >= 0 ? d : (vals[i] ?? 0);
        }
        const seconds = ((this.times[this.times.length - 1] ?? 0) - (this.times[this.head] ?? 0)) / 1000;
        return seconds > 0 ? increase / seconds : undefined;
      }
      case 'p95': {
        const sorted = vals.slice(this.head).sort((a, b) => a - b);
        // Nearest-rank percentile.
        return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)];
      }
    }
  }
}
