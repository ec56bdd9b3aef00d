import type { RuleAggregation } from '@airis/contracts';

/**
 * Samples of one series over a sliding time window. Samples are keyed by an id derived from the
 * CloudEvents id of their batch, so a batch delivered twice is counted once.
 */
export class SlidingWindow {
  private times: number[] = [];
  private values: number[] = [];
  private ids: string[] = [];
  private readonly seen = new Set<string>();
  private head = 0;

  constructor(private readonly spanMs: number) {}

  get size(): number {
    return this.times.length - this.head;
  }

  /** False when the sample id was already in the window. */
  add(id: string, timeMs: number, value: number): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    // Samples mostly arrive in time order; an out-of-order one is inserted in place.
    let i = this.times.length;
    while (i > this.head && (this.times[i - 1] ?? 0) > timeMs) i--;
    if (i === this.times.length) {
      this.times.push(timeMs);
      this.values.push(value);
      this.ids.push(id);
    } else {
      this.times.splice(i, 0, timeMs);
      this.values.splice(i, 0, value);
      this.ids.splice(i, 0, id);
    }
    return true;
  }

  /** Drops samples older than `nowMs - span`. */
  evict(nowMs: number): void {
    const from = nowMs - this.spanMs;
    while (this.head < this.times.length && (this.times[this.head] ?? 0) < from) {
      this.seen.delete(this.ids[this.head] ?? '');
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.ids = this.ids.slice(this.head);
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
