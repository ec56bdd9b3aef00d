import protobuf from 'protobufjs';
import { BatchBuilder } from '../ingest/batch-builder';
import { OTLP_METRICS_PROTO } from './otlp-metrics.proto';

const root = protobuf.parse(OTLP_METRICS_PROTO, { keepCase: false }).root;
export const ExportMetricsServiceRequest = root.lookupType('otlp.ExportMetricsServiceRequest');
export const ExportMetricsServiceResponse = root.lookupType('otlp.ExportMetricsServiceResponse');

interface KeyValue {
  key?: string;
  value?: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
interface NumberPoint {
  attributes?: KeyValue[];
  timeUnixNano?: number | string;
  asDouble?: number;
  asInt?: number | string;
}
interface HistogramPoint {
  attributes?: KeyValue[];
  timeUnixNano?: number | string;
  count?: number | string;
  sum?: number;
  bucketCounts?: (number | string)[];
  explicitBounds?: number[];
  min?: number;
  max?: number;
}
interface SummaryPoint {
  attributes?: KeyValue[];
  timeUnixNano?: number | string;
  count?: number | string;
  sum?: number;
  quantileValues?: { quantile?: number; value?: number }[];
}
interface OtlpMetric {
  name?: string;
  unit?: string;
  gauge?: { dataPoints?: NumberPoint[] };
  sum?: { dataPoints?: NumberPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
  histogram?: { dataPoints?: HistogramPoint[] };
  exponentialHistogram?: { dataPoints?: HistogramPoint[] };
  summary?: { dataPoints?: SummaryPoint[] };
}
interface OtlpRequest {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { scope?: { name?: string }; metrics?: OtlpMetric[] }[];
  }[];
}

export class OtlpDecodeError extends Error {}

/** Decodes an OTLP/HTTP protobuf body or validates an OTLP/JSON one into the plain object form. */
export function decodeOtlp(body: unknown, binary: boolean): OtlpRequest {
  try {
    const message = binary
      ? ExportMetricsServiceRequest.decode(body as Buffer)
      : ExportMetricsServiceRequest.fromObject(body as Record<string, unknown>);
    return ExportMetricsServiceRequest.toObject(message, {
      longs: Number,
      defaults: false,
      arrays: true,
    });
  } catch (error) {
    throw new OtlpDecodeError(`not an OTLP ExportMetricsServiceRequest: ${(error as Error).message}`);
  }
}

function anyToString(v: AnyValue | undefined): string {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(anyToString));
  if (v.kvlistValue)
    return JSON.stringify(
      Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key ?? '', anyToString(kv.value)])),
    );
  if (v.bytesValue !== undefined) return String(v.bytesValue);
  return '';
}

function attrs(list: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) if (kv.key) out[kv.key] = anyToString(kv.value);
  return out;
}

function ms(nano: number | string | undefined): number {
  if (nano === undefined) return Date.now();
  const n = typeof nano === 'string' ? Number(nano) : nano;
  return n > 0 ? Math.floor(n / 1e6) : Date.now();
}

/**
 * OTLP → metric batches. Source: the resource's `service.name` (else "otlp"). Tags: resource
 * attributes, then data-point attributes (which win). Gauges and sums: one sample per data point
 * (a sum's temporality and monotonicity are not carried; cumulative counters arrive as running
 * totals). Histograms: `<name>_count`, `<name>_sum`, `<name>_min`, `<name>_max` and cumulative
 * `<name>_bucket` samples with an `le` tag (Prometheus convention, `+Inf` last). Exponential
 * histograms: count, sum, min, max only. Summaries: `_count`, `_sum` and one sample per quantile
 * with a `quantile` tag.
 */
export function otlpToBatches(request: OtlpRequest): BatchBuilder {
  const builder = new BatchBuilder();
  for (const rm of request.resourceMetrics ?? []) {
    const resource = attrs(rm.resource?.attributes);
    const source = resource['service.name'] ?? 'otlp';
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const name = m.name ?? '';
        const unit = m.unit || undefined;
        const points = m.gauge?.dataPoints ?? m.sum?.dataPoints;
        if (points) {
          for (const p of points) {
            const value = p.asDouble ?? (p.asInt === undefined ? 0 : Number(p.asInt));
            builder.add(source, ms(p.timeUnixNano), name, value, unit, { ...resource, ...attrs(p.attributes) });
          }
          continue;
        }
        const histogram = m.histogram?.dataPoints ?? m.exponentialHistogram?.dataPoints;
        if (histogram) {
          for (const p of histogram) {
            const tags = { ...resource, ...attrs(p.attributes) };
            const t = ms(p.timeUnixNano);
            builder.add(source, t, `${name}_count`, Number(p.count ?? 0), undefined, tags);
            if (p.sum !== undefined) builder.add(source, t, `${name}_sum`, p.sum, unit, tags);
            if (p.min !== undefined) builder.add(source, t, `${name}_min`, p.min, unit, tags);
            if (p.max !== undefined) builder.add(source, t, `${name}_max`, p.max, unit, tags);
            const bounds = p.explicitBounds ?? [];
            const counts = p.bucketCounts ?? [];
            let cumulative = 0;
            for (let i = 0; i < counts.length; i++) {
              cumulative += Number(counts[i]);
              const le = i < bounds.length ? String(bounds[i]) : '+Inf';
              builder.add(source, t, `${name}_bucket`, cumulative, undefined, { ...tags, le });
            }
          }
          continue;
        }
        for (const p of m.summary?.dataPoints ?? []) {
          const tags = { ...resource, ...attrs(p.attributes) };
          const t = ms(p.timeUnixNano);
          builder.add(source, t, `${name}_count`, Number(p.count ?? 0), undefined, tags);
          builder.add(source, t, `${name}_sum`, p.sum ?? 0, unit, tags);
          for (const q of p.quantileValues ?? []) {
            builder.add(source, t, name, q.value ?? 0, unit, { ...tags, quantile: String(q.quantile ?? 0) });
          }
        }
      }
    }
  }
  return builder;
}
