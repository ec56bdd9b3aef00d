import { ALERT_STATUSES, AlertDto, NOTIFICATION_STATUSES, NotificationRequestDto } from './dto/alert.dto';
import { EVENT_SEVERITIES } from './dto/event.dto';
import { LIMITS } from './dto/validators';
import { type ContractResult, validateContract } from './validation';

/*
 * Fast acceptance for the alert and notification contracts (the notifier's and the router's
 * per-record path; class-transformer + class-validator took ~18 % of the notifier's CPU). The
 * check is conservative: it accepts only bodies it can prove valid with the DTOs' own rules
 * (every field's type, bounds and the unknown-field ban), and hands everything else — anything
 * invalid, and rare valid shapes such as `null` optionals or a `dashboard_url` — to
 * `validateContract`, so results and error messages are exactly the DTOs'.
 * fast-alert-validation.spec.ts checks a table of bodies against validateContract.
 */

const {
  id: MAX_ID,
  name: MAX_NAME,
  source: MAX_SOURCE,
  tagCount: MAX_TAGS,
  tagKey: MAX_KEY,
  tagValue: MAX_VALUE,
} = LIMITS;

const ALERT_STATUS: ReadonlySet<unknown> = new Set(ALERT_STATUSES);
const NOTIFICATION_STATUS: ReadonlySet<unknown> = new Set(NOTIFICATION_STATUSES);
const SEVERITY: ReadonlySet<unknown> = new Set(EVENT_SEVERITIES);

const ALERT_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'fingerprint',
  'name',
  'status',
  'severity',
  'description',
  'source',
  'alert_type',
  'rule_id',
  'model_id',
  'environment',
  'threshold',
  'current_value',
  'duration',
  'labels',
  'annotations',
  'timestamp',
  'updated_at',
  'ends_at',
  'acknowledged_by',
]);
const NOTIFICATION_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'receiver',
  'group_key',
  'status',
  'group_labels',
  'alerts',
  'timestamp',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A string of 1..max UTF-16 units (class-validator counts code points: never more). */
const nonEmpty = (v: unknown, max: number): boolean => typeof v === 'string' && v.length > 0 && v.length <= max;
const upTo = (v: unknown, max: number): boolean => typeof v === 'string' && v.length <= max;
const optionalUpTo = (v: unknown, max: number): boolean => v === undefined || upTo(v, max);
const count = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const optionalFinite = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v));

function stringRecord(v: unknown, maxValue: number): boolean {
  if (!isObject(v)) return false;
  let n = 0;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) return false;
    n++;
    const x = v[k];
    if (n > MAX_TAGS || k.length === 0 || k.length > MAX_KEY || typeof x !== 'string' || x.length > maxValue) {
      return false;
    }
  }
  return true;
}

function onlyKnown(v: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  for (const k in v) if (!known.has(k)) return false;
  return true;
}

function provablyValidAlert(a: unknown): boolean {
  return (
    isObject(a) &&
    onlyKnown(a, ALERT_FIELDS) &&
    nonEmpty(a['id'], MAX_ID) &&
    nonEmpty(a['fingerprint'], MAX_ID) &&
    nonEmpty(a['name'], MAX_NAME) &&
    ALERT_STATUS.has(a['status']) &&
    SEVERITY.has(a['severity']) &&
    upTo(a['description'], 4096) &&
    nonEmpty(a['source'], MAX_SOURCE) &&
    upTo(a['alert_type'], MAX_NAME) &&
    optionalUpTo(a['rule_id'], MAX_NAME) &&
    optionalUpTo(a['model_id'], MAX_NAME) &&
    optionalUpTo(a['environment'], MAX_NAME) &&
    optionalFinite(a['threshold']) &&
    optionalFinite(a['current_value']) &&
    optionalUpTo(a['duration'], 64) &&
    stringRecord(a['labels'], MAX_VALUE) &&
    (a['annotations'] === undefined || stringRecord(a['annotations'], 4096)) &&
    count(a['timestamp']) &&
    count(a['updated_at']) &&
    (a['ends_at'] === undefined || count(a['ends_at'])) &&
    optionalUpTo(a['acknowledged_by'], MAX_NAME)
  );
}

function provablyValidNotification(n: unknown): boolean {
  if (!isObject(n) || !onlyKnown(n, NOTIFICATION_FIELDS)) return false;
  const alerts = n['alerts'];
  return (
    nonEmpty(n['id'], MAX_ID) &&
    nonEmpty(n['receiver'], MAX_NAME) &&
    nonEmpty(n['group_key'], 1024) &&
    NOTIFICATION_STATUS.has(n['status']) &&
    stringRecord(n['group_labels'], MAX_VALUE) &&
    count(n['timestamp']) &&
    Array.isArray(alerts) &&
    alerts.length > 0 &&
    alerts.every(provablyValidAlert)
  );
}

export function validateAlert(body: unknown): ContractResult<AlertDto> {
  return provablyValidAlert(body) ? { ok: true, value: body as AlertDto } : validateContract(AlertDto, body);
}

export function validateNotificationRequest(body: unknown): ContractResult<NotificationRequestDto> {
  return provablyValidNotification(body)
    ? { ok: true, value: body as NotificationRequestDto }
    : validateContract(NotificationRequestDto, body);
}
