import type { AlertStatus, EventSeverity } from '@airis/contracts';
import { episodeId } from './fingerprint';
import type { Labels } from './matchers';

/** What the router keeps per fingerprint (MongoDB `router_alerts`, `_id` = fingerprint). */
export interface AlertState {
  _id: string;
  alert_id: string;
  rule_id: string;
  name: string;
  severity: EventSeverity;
  status: AlertStatus;
  description: string;
  source: string;
  alert_type: string;
  labels: Labels;
  annotations: Labels;
  threshold?: number;
  current_value?: number;
  /** When this episode started (pending or firing): the seed's `timestamp`. */
  started_at: number;
  firing_at?: number;
  /** Condition clear since (firing alerts waiting for resolve_after). */
  clear_since?: number;
  ends_at?: number;
  acknowledged_by?: string;
  /** Resolved by hand while the condition still held: no new episode until it clears. */
  manual_hold?: boolean;
  /** `<ingest topic id>:<partition>` that feeds this alert: whoever owns it evaluates it. */
  partition_key: string;
  updated_at: number;
  /** Bumped on every change; guards writes from instances with a stale copy. */
  version: number;
  /** Changed but not yet published on airis.alerts.v1 (outbox). */
  outbox: boolean;
}

export interface Condition {
  active: boolean;
  value?: number;
}

export interface Timing {
  forMs: number;
  resolveAfterMs: number;
}

/** What a new episode starts from. */
export type AlertTemplate = Omit<
  AlertState,
  'alert_id' | 'status' | 'started_at' | 'updated_at' | 'version' | 'outbox' | 'current_value'
>;

export type Decision =
  | { kind: 'none' }
  /** Changes kept in memory only (value, clear timer). */
  | { kind: 'quiet'; next: AlertState }
  /** A state change: stored, then published. */
  | { kind: 'transition'; next: AlertState };

/**
 * The lifecycle of one fingerprint, as a pure function of its state, the rule's current
 * condition and the time: pending → firing → (acknowledged) → resolved.
 */
export function decide(
  prev: AlertState | undefined,
  template: AlertTemplate,
  cond: Condition,
  timing: Timing,
  now: number,
): Decision {
  const withValue = (s: AlertState): AlertState => (cond.value === undefined ? s : { ...s, current_value: cond.value });
  if (!prev || prev.status === 'resolved') {
    if (!cond.active) {
      if (prev?.manual_hold) return { kind: 'transition', next: { ...prev, manual_hold: false, updated_at: now } };
      return { kind: 'none' };
    }
    if (prev?.manual_hold) return { kind: 'none' };
    const firing = timing.forMs <= 0;
    const next: AlertState = withValue({
      ...template,
      alert_id: episodeId(template._id, now),
      status: firing ? 'firing' : 'pending',
      started_at: now,
      ...(firing ? { firing_at: now } : {}),
      updated_at: now,
      version: prev?.version ?? 0,
      outbox: true,
    });
    return { kind: 'transition', next };
  }
  switch (prev.status) {
    case 'pending': {
      if (!cond.active)
        return { kind: 'transition', next: { ...prev, status: 'resolved', ends_at: now, updated_at: now } };
      if (now - prev.started_at >= timing.forMs) {
        return { kind: 'transition', next: withValue({ ...prev, status: 'firing', firing_at: now, updated_at: now }) };
      }
      return { kind: 'quiet', next: withValue(prev) };
    }
    case 'firing':
    case 'acknowledged': {
      if (cond.active) {
        const { clear_since: _cleared, ...rest } = prev;
        return { kind: 'quiet', next: withValue(rest) };
      }
      const clearSince = prev.clear_since ?? now;
      if (now - clearSince >= timing.resolveAfterMs) {
        return { kind: 'transition', next: { ...prev, status: 'resolved', ends_at: now, updated_at: now } };
      }
      return { kind: 'quiet', next: { ...prev, clear_since: clearSince } };
    }
  }
}
