import type { AuditEntry } from '@airis/security';

const WINDOW_MS = 10_000;
const MAX_TRACKED = 10_000;

/**
 * Refusals are audited, but a client hammering the API with a bad key must not turn every
 * request into a Kafka write: per (actor, action, reason, source ip) the first refusal of a
 * 10-second window is recorded at once, later ones are counted and reported with the next
 * recorded event (`details.suppressed`).
 */
export class AuditThrottle {
  private readonly windows = new Map<string, { until: number; suppressed: number }>();

  /** The entry to record now, or undefined when it is folded into a later one. */
  admit(entry: AuditEntry, now = Date.now()): AuditEntry | undefined {
    const key = `${entry.actor}\0${entry.action}\0${entry.reason ?? ''}\0${entry.source_ip ?? ''}`;
    const w = this.windows.get(key);
    if (w && now < w.until) {
      w.suppressed++;
      return undefined;
    }
    if (this.windows.size >= MAX_TRACKED) this.windows.clear();
    this.windows.set(key, { until: now + WINDOW_MS, suppressed: 0 });
    const suppressed = w?.suppressed ?? 0;
    return suppressed > 0 ? { ...entry, details: { ...entry.details, suppressed } } : entry;
  }
}
