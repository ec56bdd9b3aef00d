import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { CommandDto } from '@airis/contracts';
import { KafkaProducer } from '@airis/kafka';
import { counter } from '@airis/observability';
import type { Collection, Connection } from 'mongoose';
import { type AlertState, decide } from '../domain/alert-state';
import type { Evaluation } from '../domain/evaluator';
import { Dispatcher } from '../routing/dispatcher.service';
import { ROUTER_ENV, type RouterEnv } from '../router.config';
import { toAlertDto } from './alert-dto';

export const ALERT_COMMANDS = ['acknowledge', 'unacknowledge', 'resolve'] as const;
export type AlertCommand = (typeof ALERT_COMMANDS)[number];

const transitions = counter('airis_router_alert_transitions_total', 'Alert state changes', ['status']);
const conflicts = counter('airis_router_alert_write_conflicts_total', 'Writes refused because another writer won', []);

export type CommandOutcome = 'applied' | 'unchanged' | 'unknown_target';

/**
 * Alert state per fingerprint in MongoDB (`router_alerts`), changed only through version-guarded
 * writes so that two instances (or an instance and a command) never overwrite each other. Every
 * change is stored with `outbox: true`, published on airis.alerts.v1 and handed to the
 * dispatcher, then the flag is cleared; a crash in between is repaired by the outbox sweep.
 */
@Injectable()
export class AlertLifecycle implements OnModuleInit {
  private readonly logger = new Logger(AlertLifecycle.name);
  readonly alerts: Collection<AlertState>;
  /** Alerts of the partitions this instance owns; null = known not to exist. */
  private readonly cache = new Map<string, AlertState | null>();
  /** Cached alerts without a series in memory yet, since when (see README: restart). */
  private readonly orphanSince = new Map<string, number>();

  constructor(
    @InjectConnection() connection: Connection,
    private readonly producer: KafkaProducer,
    private readonly dispatcher: Dispatcher,
    @Inject(ROUTER_ENV) private readonly env: RouterEnv,
  ) {
    this.alerts = connection.collection<AlertState>('router_alerts');
  }

  async onModuleInit(): Promise<void> {
    await this.alerts.createIndex({ alert_id: 1 });
    await this.alerts.createIndex({ partition_key: 1, status: 1 });
    await this.alerts.createIndex({ outbox: 1 });
  }

  /** Loads the open alerts of a partition this instance just took over. */
  async loadPartition(partitionKey: string): Promise<void> {
    const open = await this.alerts.find({ partition_key: partitionKey, status: { $ne: 'resolved' } }).toArray();
    const now = Date.now();
    for (const a of open) {
      this.cache.set(a._id, a);
      this.orphanSince.set(a._id, now);
    }
  }

  dropPartition(partitionKey: string): void {
    for (const [fp, a] of this.cache) {
      if (a?.partition_key === partitionKey || a === null) {
        this.cache.delete(fp);
        this.orphanSince.delete(fp);
      }
    }
  }

  openAlerts(): AlertState[] {
    const out: AlertState[] = [];
    for (const a of this.cache.values()) if (a && a.status !== 'resolved') out.push(a);
    return out;
  }

  /** Applies one evaluation round. */
  async apply(
    evaluations: Evaluation[],
    now: number,
    ruleWindow: (ruleId: string) => number | undefined,
  ): Promise<void> {
    const seen = new Set<string>();
    for (const e of evaluations) {
      seen.add(e.series.fp);
      this.orphanSince.delete(e.series.fp);
      let prev = this.cache.get(e.series.fp);
      if (prev === undefined) {
        if (!e.cond.active) continue;
        prev = await this.alerts.findOne({ _id: e.series.fp });
        this.cache.set(e.series.fp, prev);
      }
      const timing = { forMs: e.series.rule.forMs, resolveAfterMs: e.series.rule.resolveAfterMs };
      const d = decide(prev ?? undefined, e.template, e.cond, timing, now);
      if (d.kind === 'quiet') this.cache.set(e.series.fp, d.next);
      else if (d.kind === 'transition') await this.commit(prev ?? undefined, d.next);
    }
    // Open alerts with no series: after restart or hand-over the data has to come back first.
    // Only when none came for a whole window is the condition taken as clear.
    for (const a of this.openAlerts()) {
      if (seen.has(a._id)) continue;
      const since = this.orphanSince.get(a._id) ?? now;
      this.orphanSince.set(a._id, since);
      const window = ruleWindow(a.rule_id);
      const waitMs = window ?? 0; // a deleted rule resolves its alerts at once
      if (now - since < waitMs) continue;
      const d = decide(a, { ...a }, { active: false }, { forMs: 0, resolveAfterMs: 0 }, now);
      if (d.kind === 'transition') await this.commit(a, d.next);
    }
  }

  /** Stores a change (guarded by version), then publishes it. False when another writer won. */
  private async commit(prev: AlertState | undefined, next: AlertState, owned = true): Promise<boolean> {
    const stored: AlertState = { ...next, version: (prev?.version ?? 0) + 1, outbox: true };
    try {
      if (prev) {
        const r = await this.alerts.replaceOne({ _id: prev._id, version: prev.version }, stored);
        if (r.matchedCount === 0) return this.conflict(prev._id);
      } else {
        await this.alerts.insertOne(stored);
      }
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return this.conflict(next._id);
      throw error;
    }
    // A command may touch an alert another instance evaluates: only the owner caches it.
    if (owned || this.cache.has(stored._id)) this.cache.set(stored._id, stored);
    transitions.inc({ status: stored.status });
    await this.publish(stored, prev);
    return true;
  }

  private conflict(fp: string): false {
    conflicts.inc();
    this.cache.delete(fp); // re-read on the next round
    return false;
  }

  /** Publishes a stored change and feeds the dispatcher; then clears the outbox flag. */
  private async publish(state: AlertState, prev: AlertState | undefined): Promise<void> {
    const now = Date.now();
    const dto = toAlertDto(state, this.env.AIRIS_DASHBOARD_URL, now);
    await this.producer.publish('alerts', state._id, dto, {
      id: `${state.alert_id}:${state.version}`,
      subject: state._id,
    });
    // Notifications are about firing and resolving; pending never was news to anyone.
    const wasNews = state.firing_at !== undefined;
    const ackOnly = state.status === 'acknowledged' || (prev?.status === 'acknowledged' && state.status === 'firing');
    if (wasNews && state.status !== 'pending') await this.dispatcher.onAlert(dto, !ackOnly);
    await this.alerts.updateOne({ _id: state._id, version: state.version }, { $set: { outbox: false } });
  }

  /** Republishes changes a crash left unpublished. */
  async sweepOutbox(): Promise<number> {
    const pending = await this.alerts.find({ outbox: true }).limit(500).toArray();
    for (const a of pending) await this.publish(a, undefined);
    return pending.length;
  }

  /**
   * acknowledge / unacknowledge / resolve. `target` is an alert id (what Slack's
   * `ack_alert_{id}` and PagerDuty's `airis-mon-{id}` carry) or a fingerprint.
   */
  async command(action: AlertCommand, command: CommandDto): Promise<CommandOutcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.alerts.findOne({ $or: [{ alert_id: command.target }, { _id: command.target }] });
      if (!current) return 'unknown_target';
      // An old episode's id must not touch the current one.
      if (current.alert_id !== command.target && current._id !== command.target) return 'unknown_target';
      const now = Date.now();
      let next: AlertState | undefined;
      switch (action) {
        case 'acknowledge':
          if (current.status === 'firing' || current.status === 'pending')
            next = { ...current, status: 'acknowledged', acknowledged_by: command.issued_by, updated_at: now };
          break;
        case 'unacknowledge':
          if (current.status === 'acknowledged') {
            const { acknowledged_by: _by, ...rest } = current;
            next = { ...rest, status: 'firing', updated_at: now };
          }
          break;
        case 'resolve':
          if (current.status !== 'resolved')
            next = { ...current, status: 'resolved', ends_at: now, manual_hold: true, updated_at: now };
          break;
      }
      if (!next) return 'unchanged';
      if (next.status === 'acknowledged' && next.firing_at === undefined) next.firing_at = now;
      if (await this.commit(current, next, false)) return 'applied';
    }
    throw new Error(`alert ${command.target} kept changing under command ${command.id}`);
  }
}
