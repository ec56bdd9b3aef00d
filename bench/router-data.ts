/** The data of B3 (bench/router.ts), shared with its CPU-only twin (bench/router-cpu.ts). */
import type { MetricBatchDto, RuleSpecDto } from '@airis/contracts';

export const METRIC_NAMES = 20;
export const SOURCES = 500;
const AGGREGATIONS = ['last', 'avg', 'min', 'max', 'sum', 'count', 'rate', 'p95'] as const;

export function benchBatch(i: number, perBatch: number): MetricBatchDto {
  const metrics = [];
  for (let j = 0; j < perBatch; j++) {
    metrics.push({
      name: `metric_${(i + j) % METRIC_NAMES}`,
      value: ((Math.imul(i + 1, 2654435761) ^ Math.imul(j + 1, 40503)) >>> 0) % 1000,
      tags: { model_id: `model-${i % 50}`, environment: i % 3 === 0 ? 'staging' : 'prod' },
    });
  }
  return { id: `b-${i}`, source: `src-${i % SOURCES}`, metrics };
}

export function benchRule(i: number): RuleSpecDto {
  return {
    type: 'threshold',
    name: `bench-rule-${i}`,
    severity: i % 10 === 0 ? 'critical' : 'warning',
    metric: `metric_${i % METRIC_NAMES}`,
    matchers:
      i % 2 === 0
        ? [{ label: 'environment', op: '=', value: 'prod' }]
        : [{ label: 'model_id', op: '=~', value: 'model-[0-9]+' }],
    comparison: '>',
    // Mostly quiet, as in production: four rules fire on the few series whose last value is
    // above 995; the others compare their aggregate with a threshold it never reaches.
    threshold: i % 25 === 0 ? 995 : 1e12,
    aggregation: i % 25 === 0 ? 'last' : AGGREGATIONS[i % AGGREGATIONS.length],
    window: '10m',
    ...(i % 4 === 0 ? { for: '30s' } : {}),
  };
}
