import type { HealthStatus } from '@airis/contracts';

/*
 * The rules of the health monitor, as pure functions of state and time (unit-tested without
 * Kafka or MongoDB). README "Status rules" documents them for users.
 */

export type ComponentKind = 'service' | 'integration';
export type OverallStatus = 'healthy' | 'degraded' | 'down';

/** What the monitor last heard from one instance of a component. */
export interface InstanceState {
  instance: string;
  /** Status the instance reported in its latest report. */
  reported: HealthStatus;
  message?: string;
  /** Timestamp of the latest report (producer clock, never later than receipt). */
  last_seen: number;
  /** Expected time between reports. */
  interval_ms: number;
  last_success?: number;
}

export interface Verdict {
  status: HealthStatus;
  reason?: string;
}

export interface InstanceVerdict extends Verdict {
  instance: string;
  last_seen: number;
}

export interface RollUp extends Verdict {
  instances: InstanceVerdict[];
}

export interface StatusRules {
  /** A component is silent after this many missed intervals. */
  missedIntervals: number;
  /** A silent instance leaves the roll-up after this long (unless it is the last one). */
  instanceExpiryMs: number;
}

/** "3.2 s", "4 min", "2 h": short durations for reasons shown to people. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/**
 * One instance: what it reported, unless it fell silent. A silent service (its heartbeats
 * stopped) is down; a silent integration check is unknown (the checker, not the integration,
 * may be what stopped).
 */
export function instanceVerdict(
  kind: ComponentKind,
  state: InstanceState,
  now: number,
  rules: Pick<StatusRules, 'missedIntervals'>,
): InstanceVerdict {
  const silentFor = now - state.last_seen;
  const allowed = rules.missedIntervals * state.interval_ms;
  if (silentFor > allowed) {
    const missed = Math.floor(silentFor / state.interval_ms);
    const what = kind === 'service' ? 'no heartbeat' : 'no check result';
    return {
      instance: state.instance,
      last_seen: state.last_seen,
      status: kind === 'service' ? 'down' : 'unknown',
      reason: `${what} for ${formatDuration(silentFor)} (${missed} intervals of ${formatDuration(state.interval_ms)} missed)`,
    };
  }
  return {
    instance: state.instance,
    last_seen: state.last_seen,
    status: state.reported,
    ...(state.message ? { reason: state.message } : {}),
  };
}

/**
 * Instances of one component (replicas share the component name and differ by `instance`):
 * - instances silent for longer than `instanceExpiryMs` are left out (scaled-away replicas),
 *   except the most recently seen one, so a component never vanishes by going quiet;
 * - every instance healthy → healthy;
 * - some healthy, some not → degraded (the component still serves, with less capacity);
 * - none healthy → degraded if any is degraded, else down if any is down, else unknown.
 */
export function rollUp(kind: ComponentKind, states: InstanceState[], now: number, rules: StatusRules): RollUp {
  if (states.length === 0) return { status: 'unknown', reason: 'no report received yet', instances: [] };
  const newest = states.reduce((a, b) => (b.last_seen > a.last_seen ? b : a));
  const live = states.filter((s) => s === newest || now - s.last_seen <= rules.instanceExpiryMs);
  const instances = live
    .map((s) => instanceVerdict(kind, s, now, rules))
    .sort((a, b) => a.instance.localeCompare(b.instance));
  const healthy = instances.filter((i) => i.status === 'healthy');
  const unhealthy = instances.filter((i) => i.status !== 'healthy');
  const describe = (list: InstanceVerdict[]): string =>
    instances.length === 1
      ? (list[0]?.reason ?? list[0]?.status ?? '')
      : list.map((i) => `${i.instance} ${i.status}${i.reason ? ` (${i.reason})` : ''}`).join('; ');

  if (unhealthy.length === 0) {
    const reason = instances.length === 1 ? instances[0]?.reason : undefined;
    return { status: 'healthy', ...(reason ? { reason } : {}), instances };
  }
  if (healthy.length > 0) {
    return {
      status: 'degraded',
      reason: `${unhealthy.length} of ${instances.length} instances not healthy: ${describe(unhealthy)}`,
      instances,
    };
  }
  const has = (s: HealthStatus): boolean => instances.some((i) => i.status === s);
  const status: HealthStatus = has('degraded') ? 'degraded' : has('down') ? 'down' : 'unknown';
  return { status, reason: describe(unhealthy), instances };
}

/**
 * The report's `overall_status`:
 * - healthy when no component is degraded or down (unknown components do not count: nothing
 *   is known to be wrong; they are listed in `summary`);
 * - down when there are components with a known status and every one of them is down;
 * - degraded otherwise (something is degraded or down, something still works).
 */
export function overallStatus(statuses: HealthStatus[]): OverallStatus {
  const known = statuses.filter((s) => s !== 'unknown');
  if (known.every((s) => s === 'healthy')) return 'healthy';
  if (known.every((s) => s === 'down')) return 'down';
  return 'degraded';
}

/** Severity of the status-change event for the status a component moved to. */
export function severityOf(status: HealthStatus): 'info' | 'warning' | 'error' {
  switch (status) {
    case 'healthy':
      return 'info';
    case 'degraded':
    case 'unknown':
      return 'warning';
    case 'down':
      return 'error';
  }
}

/** How far behind the monitor was when it handled a record of one partition. */
export interface ConsumerDelay {
  /** Receipt time minus the record's Kafka timestamp, when it was handled. */
  delayMs: number;
  /** When it was handled. */
  at: number;
}

/**
 * How much of the recent past the monitor has not seen yet: a consumer that is D behind has not
 * read reports sent in the last D, so silence is judged D earlier. The allowance of a partition
 * shrinks as time passes without a newer record (a stalled consumer gets no lasting allowance)
 * and is capped, so a record with an ancient timestamp cannot blind the monitor.
 */
export function backlogAllowance(delays: Iterable<ConsumerDelay>, now: number, capMs: number): number {
  let allowance = 0;
  for (const d of delays) allowance = Math.max(allowance, d.delayMs - (now - d.at));
  return Math.min(capMs, Math.max(0, allowance));
}
