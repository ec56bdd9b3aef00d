import { createHash, createHmac } from 'node:crypto';
import type { EventDto, EventSeverity, MetricBatchDto, WebhookProvider, WebhookSourceSpecDto } from '@airis/contracts';
import { safeEqual } from '@airis/security';

/** One inbound request as the providers see it: verified against the source's revealed secrets. */
export interface WebhookRequest {
  sourceId: string;
  spec: WebhookSourceSpecDto;
  /** Revealed secrets, current first; two during rotation. */
  secrets: string[];
  /** Extra revealed secrets of a provider (GitLab signing tokens). */
  signingSecrets: string[];
  /** Header names in lower case; repeated headers joined with ", " as Node does. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Receipt time, ms. */
  now: number;
}

export type Verification = { ok: true; deliveryId?: string } | { ok: false; reason: string };

/** A command for the owner of a target (CommandDto without what the use case stamps). */
export interface PlannedCommand {
  target: string;
  action: string;
  params?: Record<string, unknown>;
  issued_by: string;
}

/** A Slack message update to send once an acknowledgement has been applied. */
export interface PlannedSlackUpdate {
  alertId: string;
  responseUrl: string;
  user: string;
}

export interface Normalized {
  events: EventDto[];
  metrics: MetricBatchDto[];
  commands: PlannedCommand[];
  slackUpdates: PlannedSlackUpdate[];
  /** What the HTTP response says besides the defaults (Slack wants an empty 200). */
  reply?: { contentType: string; body: string };
}

export interface ProviderHandler {
  readonly provider: WebhookProvider;
  verify(request: WebhookRequest): Verification | Promise<Verification>;
  /** Turns a verified body into records; throws PayloadError on a body it cannot read. */
  normalize(request: WebhookRequest): Normalized;
}

/** A verified delivery whose body is not what the provider documents: 400 with field errors. */
export class PayloadError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field = '',
  ) {
    super(message);
    this.name = 'PayloadError';
  }
}

export function emptyNormalized(): Normalized {
  return { events: [], metrics: [], commands: [], slackUpdates: [] };
}

export function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return value === undefined || value === '' ? undefined : value;
}

export function hmacSha256(secret: string | Buffer, content: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(content).digest();
}

export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** True when any secret's HMAC equals `expected` (constant time per comparison). */
export function anySecretMatches(secrets: string[], expected: string, compute: (secret: string) => string): boolean {
  let matched = false;
  // Every secret is tried so the time does not say which one matched.
  for (const secret of secrets) if (safeEqual(compute(secret), expected)) matched = true;
  return matched;
}

/** Unix seconds within ± tolerance of now; a reason when not. */
export function checkTimestamp(raw: string | undefined, nowMs: number, toleranceSeconds: number): string | undefined {
  if (raw === undefined) return 'timestamp header missing';
  if (!/^\d{1,12}$/.test(raw)) return 'timestamp is not a Unix time in seconds';
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(raw));
  if (skew > toleranceSeconds) return `timestamp outside the ${toleranceSeconds} s window`;
  return undefined;
}

export function toleranceOf(request: WebhookRequest): number {
  return request.spec.tolerance_seconds ?? 300;
}

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PayloadError('invalid_json', 'body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new PayloadError('invalid_json', 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function requireString(object: Record<string, unknown>, field: string, path = field): string {
  const value = asString(object[field]);
  if (value === undefined || value === '') throw new PayloadError('missing_field', `${path} is required`, path);
  return value;
}

/** Milliseconds of an ISO time, or undefined. */
export function timeMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export function clamp(text: string, max = 256): string {
  return text.length <= max ? text : text.slice(0, max);
}

/** Maps a provider's severity word onto the event severities. */
export function severityOf(value: unknown, fallback: EventSeverity = 'info'): EventSeverity {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (['critical', 'page', 'fatal', 'emergency', 'p1', 'high'].includes(v)) return 'critical';
  if (['error', 'err', 'major', 'p2'].includes(v)) return 'error';
  if (['warning', 'warn', 'minor', 'p3', 'medium'].includes(v)) return 'warning';
  if (['info', 'informational', 'low', 'none', 'p4', 'p5'].includes(v)) return 'info';
  return fallback;
}

/** Flat string map of an object's string-like members (labels, tags). */
export function stringMap(value: unknown, maxEntries = 64): Record<string, string> {
  const out: Record<string, string> = {};
  const record = asRecord(value);
  if (!record) return out;
  for (const [k, v] of Object.entries(record).slice(0, maxEntries)) {
    const s = asString(v);
    if (k.length > 0 && k.length <= 128 && s !== undefined) out[k] = clamp(s, 1024);
  }
  return out;
}

export function dropUndefined(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
}
