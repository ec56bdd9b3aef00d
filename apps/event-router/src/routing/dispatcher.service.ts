import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import {
  type AlertDto,
  INHIBIT_RULE_KIND,
  InhibitRuleSpecDto,
  type NotificationRequestDto,
  ROOT_ROUTE_ID,
  ROUTE_KIND,
  RouteSpecDto,
  SILENCE_KIND,
  SilenceSpecDto,
  TIME_INTERVAL_KIND,
  TimeIntervalSpecDto,
  type ContractClass,
  validateContract,
  describeFieldErrors,
} from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { KafkaProducer } from '@airis/kafka';
import { counter } from '@airis/observability';
import type { AnyBulkWriteOperation } from 'mongodb';
import type { Collection, Connection } from 'mongoose';
import { parseDuration } from '../domain/duration';
import { type LabelPredicate, type Labels, compileMatchers } from '../domain/matchers';
import { type ResolvedRoute, RouteTree, groupKey, groupLabels } from '../domain/route-tree';
import { inTimeInterval } from '../domain/time-intervals';
import { ROUTER_ENV, type RouterEnv } from '../router.config';

/** An alert in a group (MongoDB `router_group_alerts`; one small document each, so big groups stay cheap). */
export interface GroupMember {
  _id: string;
  group_id: string;
  alert: AlertDto;
}

/** One aggregation group (MongoDB `router_groups`): any instance may flush it, under a lease. */
export interface GroupDoc {
  _id: string;
  group_key: string;
  receiver: string;
  group_labels: Labels;
  route: ResolvedRoute;
  flushed: boolean;
  last_flush_at: number;
  next_flush_at: number;
  lease_until: number;
  last_sent: string;
  seq: number;
}

interface Silence {
  id: string;
  matches: LabelPredicate;
  startsAt: number;
  endsAt: number;
}

interface Inhibition {
  source: LabelPredicate;
  target: LabelPredicate;
  equal: string[];
}

const notifications = counter('airis_router_notifications_total', 'Notification requests published', ['status']);
const suppressed = counter('airis_router_suppressed_alerts_total', 'Alerts left out of a notification', ['reason']);
const LEASE_MS = 30_000;

function parse<T extends object>(schema: ContractClass<T>, spec: unknown): T {
  const r = validateContract(schema, spec);
  if (!r.ok) throw new Error(describeFieldErrors(r.errors));
  return r.value;
}

/**
 * Alertmanager's dispatcher: routes alert changes through the route tree into aggregation
 * groups, and flushes each group (group_wait, group_interval, repeat_interval) as ONE
 * notification request, minus silenced, inhibited and muted alerts.
 */
@Injectable()
export class Dispatcher implements OnModuleInit {
  private readonly logger = new Logger(Dispatcher.name);
  private tree: RouteTree;
  private readonly silences = new Map<string, Silence>();
  private readonly inhibitions = new Map<string, Inhibition>();
  private readonly intervals = new Map<string, TimeIntervalSpecDto>();
  private readonly groups: Collection<GroupDoc>;
  private readonly members: Collection<GroupMember>;
  private readonly alerts: Collection<{ _id: string; status: string; labels: Labels }>;

  constructor(
    @InjectConnection() connection: Connection,
    private readonly config: ConfigStore,
    private readonly producer: KafkaProducer,
    @Inject(ROUTER_ENV) private readonly env: RouterEnv,
  ) {
    this.groups = connection.collection<GroupDoc>('router_groups');
    this.members = connection.collection<GroupMember>('router_group_alerts');
    this.alerts = connection.collection('router_alerts') as unknown as Collection<{
      _id: string;
      status: string;
      labels: Labels;
    }>;
    this.tree = this.compileTree(undefined);
  }

  private compileTree(spec: RouteSpecDto | undefined): RouteTree {
    return RouteTree.compile(spec, {
      receiver: this.env.ROUTER_DEFAULT_RECEIVER,
      groupWaitMs: parseDuration(this.env.ROUTER_DEFAULT_GROUP_WAIT),
      groupIntervalMs: parseDuration(this.env.ROUTER_DEFAULT_GROUP_INTERVAL),
      repeatIntervalMs: parseDuration(this.env.ROUTER_DEFAULT_REPEAT_INTERVAL),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.groups.createIndex({ next_flush_at: 1 });
    await this.members.createIndex({ group_id: 1 });
    this.config.watch(ROUTE_KIND, (change) => {
      if (change.id !== ROOT_ROUTE_ID) return;
      if (change.type === 'delete') {
        this.tree = this.compileTree(undefined);
        return;
      }
      try {
        this.tree = this.compileTree(parse(RouteSpecDto, change.resource.spec));
        this.logger.log(`route tree updated (revision ${change.resource.revision})`);
      } catch (error) {
        this.logger.error(`route/${change.id} rejected, keeping the previous tree: ${(error as Error).message}`);
      }
    });
    this.config.watch(SILENCE_KIND, (change) => {
      this.silences.delete(change.id);
      if (change.type === 'delete') return;
      try {
        const s = parse(SilenceSpecDto, change.resource.spec);
        this.silences.set(change.id, {
          id: change.id,
          matches: compileMatchers(s.matchers),
          startsAt: s.starts_at,
          endsAt: s.ends_at,
        });
      } catch (error) {
        this.logger.error(`silence/${change.id} rejected: ${(error as Error).message}`);
      }
    });
    this.config.watch(INHIBIT_RULE_KIND, (change) => {
      this.inhibitions.delete(change.id);
      if (change.type === 'delete') return;
      try {
        const s = parse(InhibitRuleSpecDto, change.resource.spec);
        this.inhibitions.set(change.id, {
          source: compileMatchers(s.source_matchers),
          target: compileMatchers(s.target_matchers),
          equal: s.equal ?? [],
        });
      } catch (error) {
        this.logger.error(`inhibit_rule/${change.id} rejected: ${(error as Error).message}`);
      }
    });
    this.config.watch(TIME_INTERVAL_KIND, (change) => {
      this.intervals.delete(change.id);
      if (change.type === 'delete') return;
      try {
        this.intervals.set(change.id, parse(TimeIntervalSpecDto, change.resource.spec));
      } catch (error) {
        this.logger.error(`time_interval/${change.id} rejected: ${(error as Error).message}`);
      }
    });
  }

  /**
   * Puts changed alerts into the groups of every route they match (one bulk write). `notify`
   * false (acknowledgements) only refreshes the alert in groups that already exist. Idempotent.
   */
  async onAlerts(changes: { alert: AlertDto; notify: boolean }[]): Promise<void> {
    if (changes.length === 0) return;
    const now = Date.now();
    const groups = new Map<string, AnyBulkWriteOperation<GroupDoc>>();
    const members: AnyBulkWriteOperation<GroupMember>[] = [];
    for (const { alert, notify } of changes) {
      for (const route of this.tree.match(alert.labels)) {
        const labels = groupLabels(route, alert.labels);
        const key = groupKey(route, labels);
        const id = createHash('sha256').update(key).digest('hex').slice(0, 32);
        const memberId = `${id}:${alert.fingerprint}`;
        if (!notify) {
          // Acknowledgement: refresh the alert where it is, never start a group for it.
          members.push({ updateOne: { filter: { _id: memberId }, update: { $set: { alert } } } });
          continue;
        }
        members.push({
          replaceOne: { filter: { _id: memberId }, replacement: { group_id: id, alert }, upsert: true },
        });
        if (groups.has(id)) continue;
        groups.set(id, {
          updateOne: {
            filter: { _id: id },
            update: {
              $setOnInsert: {
                group_key: key,
                receiver: route.receiver,
                group_labels: labels,
                route,
                flushed: false,
                last_flush_at: 0,
                next_flush_at: now + route.groupWaitMs,
                lease_until: 0,
                last_sent: '',
                seq: 0,
              },
            },
            upsert: true,
          },
        });
      }
    }
    if (members.length > 0) await this.members.bulkWrite(members, { ordered: false });
    if (groups.size === 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.groups.bulkWrite([...groups.values()], { ordered: false });
        return;
      } catch (error) {
        // Another instance inserted one of the groups meanwhile: the retry finds it there.
        if ((error as { code?: number }).code !== 11000 || attempt > 2) throw error;
      }
    }
  }

  isSilenced(labels: Labels, now: number): boolean {
    for (const s of this.silences.values()) if (s.startsAt <= now && now < s.endsAt && s.matches(labels)) return true;
    return false;
  }

  private isMuted(route: ResolvedRoute, now: number): boolean {
    const known = (name: string): TimeIntervalSpecDto | undefined => this.intervals.get(name);
    if (
      route.muteTimeIntervals.some((n) => {
        const i = known(n);
        return i !== undefined && inTimeInterval(i, now);
      })
    )
      return true;
    if (route.activeTimeIntervals.length === 0) return false;
    return !route.activeTimeIntervals.some((n) => {
      const i = known(n);
      return i !== undefined && inTimeInterval(i, now);
    });
  }

  private async inhibitor(): Promise<(a: AlertDto) => boolean> {
    if (this.inhibitions.size === 0) return () => false;
    const firing = await this.alerts
      .find({ status: { $in: ['firing', 'acknowledged'] } }, { projection: { _id: 1, labels: 1 } })
      .toArray();
    const rules = [...this.inhibitions.values()];
    return (a) =>
      rules.some(
        (r) =>
          r.target(a.labels) &&
          firing.some(
            (src) =>
              src._id !== a.fingerprint &&
              r.source(src.labels) &&
              r.equal.every((k) => (src.labels[k] ?? '') === (a.labels[k] ?? '')),
          ),
      );
  }

  /** Flushes every group that is due; returns how many notification requests went out. */
  async flushDue(now: number): Promise<number> {
    let sent = 0;
    let inhibited: ((a: AlertDto) => boolean) | undefined;
    for (let i = 0; i < 1000; i++) {
      const group = await this.groups.findOneAndUpdate(
        { next_flush_at: { $lte: now }, lease_until: { $lte: now } },
        { $set: { lease_until: now + LEASE_MS } },
        { returnDocument: 'after' },
      );
      if (!group) break;
      inhibited ??= await this.inhibitor();
      if (await this.flush(group, now, inhibited)) sent++;
    }
    return sent;
  }

  private async flush(group: GroupDoc, now: number, inhibited: (a: AlertDto) => boolean): Promise<boolean> {
    const route = group.route;
    const members = await this.members.find({ group_id: group._id }).toArray();
    const all = members.map((m) => m.alert);
    const next = { lease_until: 0, next_flush_at: now + route.groupIntervalMs };
    if (all.length === 0) {
      // Everything was told and resolved: the group ends (a later alert starts a new one).
      await this.groups.deleteOne({ _id: group._id, seq: group.seq });
      return false;
    }
    if (this.isMuted(route, now)) {
      suppressed.inc({ reason: 'muted' }, all.length);
      await this.groups.updateOne({ _id: group._id }, { $set: next });
      return false;
    }
    const visible = all.filter((a) => {
      if (this.isSilenced(a.labels, now)) {
        suppressed.inc({ reason: 'silenced' });
        return false;
      }
      if (a.status !== 'resolved' && inhibited(a)) {
        suppressed.inc({ reason: 'inhibited' });
        return false;
      }
      return true;
    });
    const firing = visible.filter((a) => a.status !== 'resolved');
    const everSent = group.last_sent !== '';
    // A resolved alert is news only to a receiver that was told about the group before.
    const resolved = route.sendResolved && everSent ? visible.filter((a) => a.status === 'resolved') : [];
    const firingKey = firing
      .map((a) => a.fingerprint)
      .sort()
      .join(',');
    const changed = firingKey !== group.last_sent.replace(/^-$/, '') || resolved.length > 0;
    const repeat = firing.length > 0 && now - group.last_flush_at >= route.repeatIntervalMs;
    let published = false;
    if ((firing.length > 0 || resolved.length > 0) && (changed || repeat)) {
      const request: NotificationRequestDto = {
        id: createHash('sha256').update(`${group._id}:${group.seq}`).digest('hex').slice(0, 32),
        receiver: group.receiver,
        group_key: group.group_key,
        status: firing.length > 0 ? 'firing' : 'resolved',
        group_labels: group.group_labels,
        alerts: [...firing, ...resolved],
        timestamp: now,
      };
      await this.producer.publish('notifications', group.group_key, request, { id: request.id });
      notifications.inc({ status: request.status });
      published = true;
    }
    // Resolved alerts leave the group once handled; one that fired again meanwhile stays.
    const done = members.filter((m) => m.alert.status === 'resolved');
    if (done.length > 0) {
      await this.members.bulkWrite(
        done.map((m) => ({
          deleteOne: { filter: { _id: m._id, 'alert.id': m.alert.id, 'alert.status': 'resolved' } },
        })),
        { ordered: false },
      );
    }
    await this.groups.updateOne(
      { _id: group._id },
      {
        // '-' marks "sent, with nothing firing" so that everSent holds.
        $set: { ...next, flushed: true, ...(published ? { last_flush_at: now, last_sent: firingKey || '-' } : {}) },
        $inc: { seq: 1 },
      },
    );
    return published;
  }
}
