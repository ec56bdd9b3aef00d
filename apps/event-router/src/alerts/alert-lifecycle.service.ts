import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { AlertDto, CommandDto } from '@airis/contracts';
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

interface Change {
  prev: AlertState | undefined;
  next: AlertState;
}

interface Published {
  state: AlertState;
  prev: AlertState | undefined;
}

const WRITE_CONCURRENCY = 16;
const OUTBOX_GRACE_MS = 10_000;

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

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

  /** Applies one evaluation round: every change of the round is stored and published in bulk. */
  async apply(
    evaluations: Evaluation[],
    now: number,
    ruleWindow: (ruleId: string) => number | undefined,
  ): Promise<void> {
    const misses = evaluations.filter((e) => e.cond.active && !this.cache.has(e.series.fp)).map((e) => e.series.fp);
    for (let i = 0; i < misses.length; i += 1000) {
      const chunk = misses.slice(i, i + 1000);
      for (const fp of chunk) this.cache.set(fp, null);
      for (const doc of await this.alerts.find({ _id: { $in: chunk } }).toArray()) this.cache.set(doc._id, doc);
    }
    const changes: Change[] = [];
    const seen = new Set<string>();
    for (const e of evaluations) {
      seen.add(e.series.fp);
      this.orphanSince.delete(e.series.fp);
      const prev = this.cache.get(e.series.fp);
      if (prev === undefined) continue; // unknown and inactive: nothing to do
      const timing = { forMs: e.series.rule.forMs, resolveAfterMs: e.series.rule.resolveAfterMs };
      const d = decide(prev ?? undefined, e.template, e.cond, timing, now);
      if (d.kind === 'quiet') this.cache.set(e.series.fp, d.next);
      else if (d.kind === 'transition') changes.push({ prev: prev ?? undefined, next: d.next });
    }
    // Open alerts with no series: after restart or hand-over the data has to come back first.
    // Only when none came for a whole window is the condition taken as clear.
    for (const a of this.openAlerts()) {
      if (seen.has(a._id)) continue;
      const since = this.orphanSince.get(a._id) ?? now;
      this.orphanSince.set(a._id, since);
      const waitMs = ruleWindow(a.rule_id) ?? 0; // a deleted rule resolves its alerts at once
      if (now - since < waitMs) continue;
      const d = decide(a, { ...a }, { active: false }, { forMs: 0, resolveAfterMs: 0 }, now);
      if (d.kind === 'transition') changes.push({ prev: a, next: d.next });
    }
    await this.commitMany(changes, true);
  }

  /** Stores changes (each guarded by its version), then publishes those that won. */
  private async commitMany(changes: Change[], owned: boolean): Promise<boolean[]> {
    if (changes.length === 0) return [];
    const stored = await mapLimit(changes, WRITE_CONCURRENCY, (c) => this.store(c, owned));
    const won: Published[] = [];
    stored.forEach((state, i) => {
      if (state) won.push({ state, prev: changes[i]?.prev });
    });
    await this.publishMany(won);
    return stored.map((s) => s !== undefined);
  }

  private async store({ prev, next }: Change, owned: boolean): Promise<AlertState | undefined> {
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
    return stored;
  }

  private conflict(fp: string): undefined {
    conflicts.inc();
    this.cache.delete(fp); // re-read on the next round
    return undefined;
  }

  /** Publishes stored changes, feeds the dispatcher, then clears their outbox flags. */
  private async publishMany(items: Published[]): Promise<void> {
    if (items.length === 0) return;
    const now = Date.now();
    const dtos = items.map(({ state }) => toAlertDto(state, this.env.AIRIS_DASHBOARD_URL, now));
    for (let i = 0; i < items.length; i += 500) {
      await this.producer.publishMany(
        'alerts',
        items.slice(i, i + 500).map(({ state }, k) => ({
          key: state._id,
          value: dtos[i + k] ?? null,
          id: `${state.alert_id}:${state.version}`,
          subject: state._id,
        })),
      );
    }
    const routed: { alert: AlertDto; notify: boolean }[] = [];
    items.forEach(({ state, prev }, i) => {
      const dto = dtos[i];
      // Notifications are about firing and resolving; pending never was news to anyone.
      if (!dto || state.firing_at === undefined || state.status === 'pending') return;
      const ackOnly = state.status === 'acknowledged' || (prev?.status === 'acknowledged' && state.status === 'firing');
      routed.push({ alert: dto, notify: !ackOnly });
    });
    await this.dispatcher.onAlerts(routed);
    await this.alerts.bulkWrite(
      items.map(({ state }) => ({
        updateOne: { filter: { _id: state._id, version: state.version }, update: { $set: { outbox: false } } },
      })),
      { ordered: false },
    );
  }

  /**
   * Republishes changes a crash left unpublished. Only changes older than a grace period: a
   * younger one is most likely still being published by whoever made it.
   */
  async sweepOutbox(now = Date.now()): Promise<number> {
    const pending = await this.alerts
      .find({ outbox: true, updated_at: { $lt: now - OUTBOX_GRACE_MS } })
      .limit(500)
      .toArray();
    await this.publishMany(pending.map((state) => ({ state, prev: undefined })));
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
      if ((await this.commitMany([{ prev: current, next }], false))[0]) return 'applied';
    }
    throw new Error(`alert ${command.target} kept changing under command ${command.id}`);
  }
}
