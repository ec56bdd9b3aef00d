import { EVENT_SEVERITIES, type EventDto } from './dto/event.dto';
import type { MetricBatchDto } from './dto/metric-batch.dto';
import { LIMITS } from './dto/validators';
import type { ContractResult, FieldError } from './validation';

/*
 * Hand-written validators for the two ingest contracts, the hottest paths of the hub (the
 * gateway per request, the router per record). They accept exactly what the class-validator
 * DTOs accept (fast-validation.spec.ts checks a table against validateContract) at a fraction of
 * the CPU: class-transformer + class-validator dominated both profiles.
 */

export type Validated<T> = ContractResult<T>;

// Read once: the contracts barrel re-exports LIMITS through a getter, costly per metric.
const {
  name: MAX_NAME,
  source: MAX_SOURCE,
  id: MAX_ID,
  tagCount: MAX_TAGS,
  tagKey: MAX_TAG_KEY,
  tagValue: MAX_TAG_VALUE,
  metricsPerBatch: MAX_METRICS,
} = LIMITS;

const METRIC_BATCH_FIELDS = new Set(['id', 'timestamp', 'source', 'metrics']);
const METRIC_FIELDS = new Set(['name', 'value', 'unit', 'tags']);
const EVENT_FIELDS = new Set(['id', 'timestamp', 'source', 'event_type', 'severity', 'data']);
const SEVERITIES: ReadonlySet<string> = new Set(EVENT_SEVERITIES);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function push(errors: FieldError[], field: string, message: string): void {
  const last = errors[errors.length - 1];
  if (last && last.field === field) last.messages.push(message);
  else errors.push({ field, messages: [message] });
}

function checkString(errors: FieldError[], field: string, v: unknown, max: number, required: boolean): void {
  if (v === undefined || v === null) {
    if (required) push(errors, field, `${field} must be a non-empty string of at most ${max} characters`);
    return;
  }
  if (typeof v !== 'string') push(errors, field, `${field} must be a string`);
  else if (v.length === 0) push(errors, field, `${field} should not be empty`);
  else if (v.length > max) push(errors, field, `${field} must be shorter than or equal to ${max} characters`);
}

function checkUnknown(errors: FieldError[], prefix: string, obj: Record<string, unknown>, known: Set<string>): void {
  for (const k in obj) {
    if (!known.has(k)) push(errors, prefix ? `${prefix}.${k}` : k, `unknown field ${prefix ? `${prefix}.${k}` : k}`);
  }
}

function checkBase(errors: FieldError[], body: Record<string, unknown>): void {
  if (body['id'] !== undefined && body['id'] !== null) checkString(errors, 'id', body['id'], MAX_ID, false);
  const ts = body['timestamp'];
  if (
    ts !== undefined &&
    ts !== null &&
    (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0 || ts > LIMITS.timestampMs)
  ) {
    push(
      errors,
      'timestamp',
      `timestamp must be an integer number of milliseconds since the epoch (0 to ${LIMITS.timestampMs})`,
    );
  }
  checkString(errors, 'source', body['source'], MAX_SOURCE, true);
}

function isTagMap(v: unknown): boolean {
  if (!isObject(v)) return false;
  let n = 0;
  for (const k in v) {
    n++;
    const x = v[k];
    if (n > MAX_TAGS || k.length === 0 || k.length > MAX_TAG_KEY) return false;
    if (typeof x !== 'string' || x.length > MAX_TAG_VALUE) return false;
  }
  return true;
}

export function validateMetricBatch(body: unknown): Validated<MetricBatchDto> {
  if (!isObject(body)) return { ok: false, errors: [{ field: '', messages: ['body must be a JSON object'] }] };
  const errors: FieldError[] = [];
  checkUnknown(errors, '', body, METRIC_BATCH_FIELDS);
  checkBase(errors, body);
  const metrics = body['metrics'];
  if (!Array.isArray(metrics)) {
    push(errors, 'metrics', 'metrics must be an array of 1 to 10000 samples');
  } else if (metrics.length === 0 || metrics.length > MAX_METRICS) {
    push(errors, 'metrics', `metrics must hold 1 to ${MAX_METRICS} samples`);
  } else {
    for (let i = 0; i < metrics.length; i++) {
      const m: unknown = metrics[i];
      if (!isObject(m)) {
        const p = `metrics[${i}]`;
        push(errors, p, `${p} must be an object {name, value, unit, tags}`);
        continue;
      }
      // Fast path: the common well-formed sample costs a handful of typeof checks.
      const name = m['name'];
      const value = m['value'];
      const unit = m['unit'];
      const tags = m['tags'];
      if (
        typeof name === 'string' &&
        name.length > 0 &&
        name.length <= MAX_NAME &&
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (unit === undefined || unit === null || (typeof unit === 'string' && unit.length <= 64)) &&
        (tags === undefined || tags === null || isTagMap(tags))
      ) {
        let extra = false;
        // Four string compares (of internalized keys) cost less than a Set lookup per key.
        for (const k in m) if (k !== 'name' && k !== 'value' && k !== 'unit' && k !== 'tags') extra = true;
        if (!extra) continue;
      }
      // Only a sample with an error pays for its field path.
      const p = `metrics[${i}]`;
      checkUnknown(errors, p, m, METRIC_FIELDS);
      checkString(errors, `${p}.name`, name, MAX_NAME, true);
      if (typeof value !== 'number' || !Number.isFinite(value))
        push(errors, `${p}.value`, `${p}.value must be a finite number`);
      if (unit !== undefined && unit !== null && (typeof unit !== 'string' || unit.length > 64)) {
        push(errors, `${p}.unit`, `${p}.unit must be a string of at most 64 characters`);
      }
      if (tags !== undefined && tags !== null && !isTagMap(tags)) {
        push(
          errors,
          `${p}.tags`,
          `${p}.tags must be an object of at most ${MAX_TAGS} string values (keys 1-${MAX_TAG_KEY} chars, values up to ${MAX_TAG_VALUE} chars)`,
        );
      }
    }
  }
  return errors.length === 0 ? { ok: true, value: body as unknown as MetricBatchDto } : { ok: false, errors };
}

export function validateEvent(body: unknown): Validated<EventDto> {
  if (!isObject(body)) return { ok: false, errors: [{ field: '', messages: ['body must be a JSON object'] }] };
  const errors: FieldError[] = [];
  checkUnknown(errors, '', body, EVENT_FIELDS);
  checkBase(errors, body);
  checkString(errors, 'event_type', body['event_type'], MAX_NAME, true);
  const severity = body['severity'];
  if (severity !== undefined && severity !== null && (typeof severity !== 'string' || !SEVERITIES.has(severity))) {
    push(errors, 'severity', `severity must be one of ${EVENT_SEVERITIES.join(', ')}`);
  }
  const data = body['data'];
  if (data !== undefined && data !== null && !isObject(data)) push(errors, 'data', 'data must be a JSON object');
  return errors.length === 0 ? { ok: true, value: body as unknown as EventDto } : { ok: false, errors };
}
