import { LIMITS, type MetricBatchDto, type MetricDto } from '@airis/contracts';

/**
 * Groups samples from push protocols (OTLP, remote write) into metric-batch records: one batch
 * per (source, millisecond timestamp), at most LIMITS.metricsPerBatch samples each. Names, units
 * and tags are fitted to the contract's limits (long values truncated, tags beyond the limit
 * dropped, non-finite values skipped and counted) so a valid push never yields an invalid record.
 */
export class BatchBuilder {
  private readonly groups = new Map<string, MetricBatchDto>();
  private readonly order: MetricBatchDto[] = [];
  skipped = 0;

  add(
    source: string,
    timestamp: number,
    name: string,
    value: number,
    unit: string | undefined,
    tags: Record<string, string>,
  ): void {
    if (!Number.isFinite(value) || name.length === 0) {
      this.skipped++;
      return;
    }
    const src = (source || 'unknown').slice(0, LIMITS.source);
    const ts = Number.isFinite(timestamp) && timestamp >= 0 ? Math.floor(timestamp) : Date.now();
    const key = `${src}\0${ts}`;
    let batch = this.groups.get(key);
    if (!batch || batch.metrics.length >= LIMITS.metricsPerBatch) {
      batch = { source: src, timestamp: ts, metrics: [] };
      this.groups.set(key, batch);
      this.order.push(batch);
    }
    const metric: MetricDto = { name: name.slice(0, LIMITS.name), value, tags: fitTags(tags) };
    if (unit) metric.unit = unit.slice(0, 64);
    batch.metrics.push(metric);
  }

  batches(): MetricBatchDto[] {
    return this.order;
  }

  get sampleCount(): number {
    return this.order.reduce((n, b) => n + b.metrics.length, 0);
  }
}

function fitTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(tags)) {
    if (k.length === 0 || k.length > LIMITS.tagKey) continue;
    if (n++ >= LIMITS.tagCount) break;
    out[k] = v.length > LIMITS.tagValue ? v.slice(0, LIMITS.tagValue) : v;
  }
  return out;
}
