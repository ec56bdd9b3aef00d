import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { HealthReportDto, HealthStatus } from '@airis/contracts';
import { createUnique } from '@airis/persistence';
import type { Model } from 'mongoose';
import {
  type Sample,
  type Series,
  type StatusChange,
  type WindowFigures,
  series,
  windowFigures,
} from './domain/figures';
import {
  type ComponentKind,
  type ConsumerDelay,
  type InstanceState,
  backlogAllowance,
  type OverallStatus,
  type StatusRules,
  overallStatus,
  rollUp,
  severityOf,
} from './domain/health-status';
import { EventOutbox } from './event-outbox.service';
import { HealthMonitorConfig } from './health-monitor.config';
import {
  COMPONENTS,
  type ComponentDoc,
  SAMPLES,
  type SampleDoc,
  TRANSITIONS,
  type TransitionDoc,
} from './health.schemas';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Lag of a consumer group of the hub (`airis.<service>`), set by the lag monitor. */
export interface ConsumerLag {
  group: string;
  total: number;
  by_topic: Record<string, number>;
  at: number;
}

interface Tracked {
  name: string;
  kind: ComponentKind;
  instances: Map<string, InstanceState>;
  status: HealthStatus;
  reason?: string;
  since: number;
  last_report?: number;
  last_success?: number;
  /** Reports of the last 24 h, oldest first. */
  samples: Sample[];
  /** Status changes of the last 24 h, plus the one in force at the start of the window. */
  timeline: StatusChange[];
  /** Serialises this component's writes, so an older snapshot never overwrites a newer one. */
  write: Promise<unknown>;
  /** Changed since last written (reports are written behind, on the next tick). */
  dirty: boolean;
  /** The 24 h figures, recomputed at most every DAY_FIGURES_TTL_MS (they move slowly). */
  day?: { at: number; figures: WindowFigures };
}

/** 24 h figures change little within this time and cost most of a report (README, Limits). */
const DAY_FIGURES_TTL_MS = 30_000;

/** One component in the report: the seed's `{status, message}` plus the figures. */
export interface ComponentEntry {
  status: HealthStatus;
  message: string;
  kind: ComponentKind;
  since: number;
  last_report: number | null;
  last_success: number | null;
  instances: { total: number; healthy: number };
  latency_ms: { p50: number | null; p95: number | null };
  windows: { '1h': WindowFigures; '24h': WindowFigures };
  consumer_lag?: ConsumerLag;
}

/** Body of GET /api/v1/health/integrations: the seed's report shape, extended. */
export interface HealthReport {
  timestamp: number;
  overall_status: OverallStatus;
  summary: Record<HealthStatus, number> & { total: number };
  integrations: Record<string, ComponentEntry>;
}

export interface InstanceEntry {
  instance: string;
  status: HealthStatus;
  reported_status: HealthStatus;
  message: string | null;
  last_seen: number;
  interval_ms: number;
  last_success: number | null;
}

export interface ComponentDetail extends ComponentEntry {
  name: string;
  timestamp: number;
  instance_list: InstanceEntry[];
  history: {
    transitions: { from: HealthStatus; to: HealthStatus; reason: string | null; at: number }[];
    series_1h: Series;
    series_24h: Series;
  };
}

/**
 * The current health of every service and integration: applies reports from airis.health.v1,
 * re-evaluates on a timer (so silence turns into "down"), records status changes as history and
 * raises them as events on airis.events.v1. State lives in memory for reads and is written
 * through to MongoDB, from where it is loaded at start.
 */
@Injectable()
export class HealthTracker implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HealthTracker.name);
  /** Emits 'changed' whenever something shown on the dashboard may have changed. */
  readonly changes = new EventEmitter();
  private readonly components = new Map<string, Tracked>();
  private readonly lag = new Map<string, ConsumerLag>();
  private readonly rules: StatusRules;
  /**
   * Silence is counted from the first record consumed after start at the earliest: a monitor
   * that was itself down, or still joining its consumer group, calls no one silent.
   */
  private startedAt: number | undefined;
  /** Per partition of airis.health.v1: how far behind the last handled record was. */
  private readonly delays = new Map<number, ConsumerDelay>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    @InjectModel(COMPONENTS) private readonly componentModel: Model<ComponentDoc>,
    @InjectModel(SAMPLES) private readonly sampleModel: Model<SampleDoc>,
    @InjectModel(TRANSITIONS) private readonly transitionModel: Model<TransitionDoc>,
    private readonly outbox: EventOutbox,
    private readonly config: HealthMonitorConfig,
  ) {
    this.rules = {
      missedIntervals: config.HEALTH_MISSED_INTERVALS,
      instanceExpiryMs: config.HEALTH_INSTANCE_EXPIRY_MS,
    };
    this.changes.setMaxListeners(0);
  }

  async onModuleInit(): Promise<void> {
    const now = Date.now();
    for (const doc of await this.componentModel.find().lean().exec()) {
      this.components.set(doc._id, {
        name: doc._id,
        kind: doc.kind,
        instances: new Map(doc.instances.map((i) => [i.instance, { ...i }])),
        status: doc.status,
        ...(doc.reason ? { reason: doc.reason } : {}),
        since: doc.since,
        ...(doc.last_report ? { last_report: doc.last_report } : {}),
        ...(doc.last_success ? { last_success: doc.last_success } : {}),
        samples: [],
        timeline: [],
        write: Promise.resolve(),
        dirty: false,
      });
    }
    const from = now - DAY;
    for (const s of await this.sampleModel
      .find({ t: { $gte: from } })
      .sort({ t: 1 })
      .lean()
      .exec()) {
      // Samples are written before the offset is committed, component state only behind (on
      // the next tick): replaying the samples brings the state up to what was consumed.
      const c = this.tracked(s.component, s.kind, now);
      c.samples.push(sampleOf(s));
      this.applyToInstance(c, {
        instance: s.instance,
        status: s.status,
        t: s.t,
        ...(s.message ? { message: s.message } : {}),
        ...(s.interval_ms ? { interval_ms: s.interval_ms } : {}),
      });
    }
    for (const c of this.components.values()) {
      const before = await this.transitionModel
        .findOne({ component: c.name, at: { $lt: from } })
        .sort({ at: -1 })
        .lean()
        .exec();
      const within = await this.transitionModel
        .find({ component: c.name, at: { $gte: from } })
        .sort({ at: 1 })
        .lean()
        .exec();
      c.timeline = [...(before ? [before] : []), ...within].map((t) => ({ at: t.at, status: t.to }));
    }
    this.logger.log(`loaded ${this.components.size} component(s)`);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.HEALTH_EVALUATE_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    const now = Date.now();
    await Promise.all([...this.components.values()].filter((c) => c.dirty).map((c) => this.persist(c, now)));
    await Promise.all([...this.components.values()].map((c) => c.write));
  }

  /**
   * Applies one report. Idempotent: the sample is stored under the record's id (a duplicate is
   * not counted again), and the instance state only moves forward in time.
   */
  async record(
    report: HealthReportDto,
    id: string,
    consumed?: { partition: number; timestamp: number },
  ): Promise<void> {
    const now = Date.now();
    this.startedAt ??= now;
    if (consumed && Number.isFinite(consumed.timestamp)) {
      this.delays.set(consumed.partition, { delayMs: Math.max(0, now - consumed.timestamp), at: now });
    }
    const t = Math.min(report.timestamp, now);
    const instance = report.instance ?? 'default';
    // Once per report id (a redelivered report is a duplicate key), by insert: see createUnique.
    const stored = await createUnique(this.sampleModel, {
      _id: id,
      component: report.component,
      kind: report.kind,
      instance,
      status: report.status,
      ...(report.latency_ms === undefined ? {} : { latency_ms: report.latency_ms }),
      ...(report.items === undefined ? {} : { items: report.items }),
      ...(report.message ? { message: report.message } : {}),
      ...(report.interval_ms ? { interval_ms: report.interval_ms } : {}),
      t,
      expiresAt: new Date(t + this.config.HEALTH_HISTORY_RETENTION_MS),
    });
    const c = this.tracked(report.component, report.kind, now);
    c.kind = report.kind;
    if (stored && t >= now - DAY) insertSorted(c.samples, sampleOf({ ...report, t }));
    this.applyToInstance(c, {
      instance,
      status: report.status,
      t,
      ...(report.message ? { message: report.message } : {}),
      ...(report.interval_ms ? { interval_ms: report.interval_ms } : {}),
    });
    await this.evaluate(c, now);
    this.changes.emit('changed');
  }

  /** The instance's state moves forward in time only, so replays and duplicates change nothing. */
  private applyToInstance(
    c: Tracked,
    r: { instance: string; status: HealthStatus; t: number; message?: string; interval_ms?: number },
  ): void {
    const previous = c.instances.get(r.instance);
    if (!previous || r.t >= previous.last_seen) {
      const success = r.status === 'healthy' ? r.t : previous?.last_success;
      c.instances.set(r.instance, {
        instance: r.instance,
        reported: r.status,
        ...(r.message ? { message: r.message } : {}),
        last_seen: r.t,
        interval_ms: r.interval_ms || this.config.HEALTH_DEFAULT_INTERVAL_MS,
        ...(success === undefined ? {} : { last_success: success }),
      });
      c.dirty = true;
    }
    if (r.t > (c.last_report ?? 0)) c.last_report = r.t;
    if (r.status === 'healthy' && r.t > (c.last_success ?? 0)) c.last_success = r.t;
  }

  setConsumerLag(service: string, lag: ConsumerLag | undefined): void {
    if (lag) this.lag.set(service, lag);
    else this.lag.delete(service);
  }

  /** Re-evaluates every component against the clock; run on the timer, and by tests. */
  tick(now = Date.now()): Promise<void> {
    this.ticking ??= (async () => {
      try {
        for (const c of [...this.components.values()]) {
          if (now - (c.last_report ?? c.since) > this.config.HEALTH_HISTORY_RETENTION_MS) {
            await this.forget(c);
            continue;
          }
          await this.evaluate(c, now);
          if (c.dirty) await this.persist(c, now);
          prune(c, now);
        }
        await this.outbox.flush();
      } catch (error) {
        this.logger.warn(`evaluation failed, retried on the next tick: ${(error as Error).message}`);
      }
      this.changes.emit('changed');
    })().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  report(now = Date.now()): HealthReport {
    const integrations: Record<string, ComponentEntry> = {};
    const names = [...this.components.keys()].sort();
    for (const name of names) integrations[name] = this.entry(this.components.get(name)!, now);
    const statuses = Object.values(integrations).map((e) => e.status);
    const count = (s: HealthStatus): number => statuses.filter((x) => x === s).length;
    return {
      timestamp: now,
      overall_status: overallStatus(statuses),
      summary: {
        healthy: count('healthy'),
        degraded: count('degraded'),
        down: count('down'),
        unknown: count('unknown'),
        total: statuses.length,
      },
      integrations,
    };
  }

  /** Sparkline data of every component over the last hour, per minute. */
  sparklines(now = Date.now()): Record<string, Series> {
    const from = Math.floor((now - HOUR) / MINUTE) * MINUTE + MINUTE;
    return Object.fromEntries([...this.components.values()].map((c) => [c.name, series(c.samples, from, now, MINUTE)]));
  }

  async detail(name: string, now = Date.now()): Promise<ComponentDetail | undefined> {
    const c = this.components.get(name);
    if (!c) return undefined;
    const transitions = await this.transitionModel.find({ component: name }).sort({ at: -1 }).limit(200).lean().exec();
    const verdicts = new Map(this.verdict(c, now).instances.map((v) => [v.instance, v]));
    return {
      name,
      timestamp: now,
      ...this.entry(c, now, true),
      instance_list: [...c.instances.values()]
        .sort((a, b) => a.instance.localeCompare(b.instance))
        .map((i) => ({
          instance: i.instance,
          status: verdicts.get(i.instance)?.status ?? i.reported,
          reported_status: i.reported,
          message: i.message ?? null,
          last_seen: i.last_seen,
          interval_ms: i.interval_ms,
          last_success: i.last_success ?? null,
        })),
      history: {
        transitions: transitions.map((t) => ({ from: t.from, to: t.to, reason: t.reason ?? null, at: t.at })),
        series_1h: series(c.samples, now - HOUR, now, MINUTE),
        series_24h: series(c.samples, now - DAY, now, 30 * MINUTE),
      },
    };
  }

  /** `fresh` bypasses the 24 h cache (the single-component endpoint always computes). */
  private entry(c: Tracked, now: number, fresh = false): ComponentEntry {
    const hour = windowFigures(c.samples, c.timeline, now - HOUR, now);
    if (fresh || !c.day || now - c.day.at >= DAY_FIGURES_TTL_MS || now < c.day.at) {
      c.day = { at: now, figures: windowFigures(c.samples, c.timeline, now - DAY, now) };
    }
    const day = c.day.figures;
    const lag = c.kind === 'service' ? this.lag.get(c.name) : undefined;
    const live = this.verdict(c, now).instances;
    return {
      status: c.status,
      message: c.reason ?? (c.status === 'healthy' ? 'OK' : c.status),
      kind: c.kind,
      since: c.since,
      last_report: c.last_report ?? null,
      last_success: c.last_success ?? null,
      instances: { total: live.length, healthy: live.filter((i) => i.status === 'healthy').length },
      latency_ms: { p50: hour.latency_p50_ms, p95: hour.latency_p95_ms },
      windows: { '1h': hour, '24h': day },
      ...(lag ? { consumer_lag: lag } : {}),
    };
  }

  private verdict(c: Tracked, now: number) {
    // Silence is measured from the monitor's own start at the earliest (see startedAt), and
    // judged as of the newest moment the consumer has read up to (see backlogAllowance).
    const floor = this.startedAt ?? now;
    const seenUpTo = now - backlogAllowance(this.delays.values(), now, this.config.HEALTH_MAX_BACKLOG_ALLOWANCE_MS);
    const states = [...c.instances.values()].map((s) => ({ ...s, last_seen: Math.max(s.last_seen, floor) }));
    const result = rollUp(c.kind, states, seenUpTo, this.rules);
    const real = new Map([...c.instances.values()].map((s) => [s.instance, s.last_seen]));
    for (const i of result.instances) i.last_seen = real.get(i.instance) ?? i.last_seen;
    return result;
  }

  private tracked(name: string, kind: ComponentKind, now: number): Tracked {
    let c = this.components.get(name);
    if (!c) {
      c = {
        name,
        kind,
        instances: new Map(),
        status: 'unknown',
        since: now,
        samples: [],
        timeline: [],
        write: Promise.resolve(),
        dirty: true,
      };
      this.components.set(name, c);
    }
    return c;
  }

  /** Applies the roll-up verdict; a changed status is stored as history and raised as an event. */
  private async evaluate(c: Tracked, now: number): Promise<void> {
    const verdict = this.verdict(c, now);
    const live = new Set(verdict.instances.map((i) => i.instance));
    let changed = false;
    for (const name of [...c.instances.keys()]) {
      if (!live.has(name)) {
        c.instances.delete(name);
        changed = true;
      }
    }
    const from = c.status;
    if (verdict.status !== from) {
      c.status = verdict.status;
      c.since = now;
      c.timeline.push({ at: now, status: verdict.status });
      delete c.day; // availability moved
      changed = true;
    }
    if (verdict.reason !== c.reason) {
      if (verdict.reason === undefined) delete c.reason;
      else c.reason = verdict.reason;
      changed = true;
    }
    if (verdict.status !== from) {
      await this.persist(c, now);
      await this.transition(c, from, now);
    } else if (changed) {
      c.dirty = true;
    }
  }

  private async transition(c: Tracked, from: HealthStatus, at: number): Promise<void> {
    const id = `hs-${createHash('sha256').update(`${c.name}\n${at}\n${c.status}`).digest('hex').slice(0, 40)}`;
    await createUnique(this.transitionModel, {
      _id: id,
      component: c.name,
      kind: c.kind,
      from,
      to: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      at,
      expiresAt: new Date(at + this.config.HEALTH_HISTORY_RETENTION_MS),
    });
    const instances = [...c.instances.values()];
    this.logger.log(`${c.kind} ${c.name}: ${from} → ${c.status}${c.reason ? ` (${c.reason})` : ''}`);
    await this.outbox.raise(id, c.name, {
      timestamp: at,
      source: c.name,
      event_type: c.kind === 'service' ? 'service_status_changed' : 'integration_status_changed',
      severity: severityOf(c.status),
      data: {
        component: c.name,
        kind: c.kind,
        status: c.status,
        previous_status: from,
        ...(c.reason ? { reason: c.reason } : {}),
        instances: instances.length,
        since: at,
      },
    });
  }

  /**
   * A component silent for the whole retention (an integration that was deleted, a service that
   * was retired) leaves the report; its history expires on its own.
   */
  private async forget(c: Tracked): Promise<void> {
    this.components.delete(c.name);
    await c.write;
    await this.componentModel.deleteOne({ _id: c.name });
    this.logger.log(`${c.kind} ${c.name} forgotten: no report for the whole retention`);
  }

  private persist(c: Tracked, now: number): Promise<unknown> {
    c.dirty = false;
    const doc: Omit<ComponentDoc, '_id'> = {
      kind: c.kind,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      since: c.since,
      ...(c.last_report ? { last_report: c.last_report } : {}),
      ...(c.last_success ? { last_success: c.last_success } : {}),
      instances: [...c.instances.values()],
      updated_at: now,
    };
    const unset = Object.fromEntries(
      (['reason', 'last_report', 'last_success'] as const).filter((k) => !(k in doc)).map((k) => [k, 1]),
    );
    const run = c.write.then(() =>
      this.componentModel.updateOne(
        { _id: c.name },
        { $set: doc, ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}) },
        { upsert: true },
      ),
    );
    c.write = run.catch(() => {
      c.dirty = true; // written again on the next tick
    });
    return run;
  }
}

function sampleOf(s: {
  t: number;
  status: HealthStatus;
  latency_ms?: number | undefined;
  items?: number | undefined;
}): Sample {
  return {
    t: s.t,
    status: s.status,
    ...(s.latency_ms === undefined || s.latency_ms === null ? {} : { latency_ms: s.latency_ms }),
    ...(s.items === undefined || s.items === null ? {} : { items: s.items }),
  };
}

function insertSorted(samples: Sample[], sample: Sample): void {
  let i = samples.length;
  while (i > 0 && samples[i - 1]!.t > sample.t) i--;
  samples.splice(i, 0, sample);
}

/** Keeps 24 h of samples, and the timeline from the change in force 24 h ago. */
function prune(c: Tracked, now: number): void {
  const from = now - DAY;
  const firstSample = c.samples.findIndex((s) => s.t >= from);
  if (firstSample > 0) c.samples.splice(0, firstSample);
  else if (firstSample === -1) c.samples.length = 0;
  let keep = 0;
  while (keep + 1 < c.timeline.length && c.timeline[keep + 1]!.at <= from) keep++;
  if (keep > 0) c.timeline.splice(0, keep);
}
