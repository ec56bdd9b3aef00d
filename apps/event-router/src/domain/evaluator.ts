import type { EventDto, MetricBatchDto, RuleSpecDto } from '@airis/contracts';
import type { AlertTemplate, Condition } from './alert-state';
import { type CompiledRule, compileRule, seriesLabels } from './compiled-rule';
import { fingerprint } from './fingerprint';
import type { Labels } from './matchers';
import { SlidingWindow } from './sliding-window';

/** One alertable series: a rule and one set of label values, fed by one ingest partition. */
export interface Series {
  fp: string;
  rule: CompiledRule;
  labels: Labels;
  source: string;
  partitionKey: string;
  window?: SlidingWindow;
  /** Key of `window` in the evaluator's table of shared windows, if it is shared. */
  windowKey?: string;
  /** Absence rules: time of the latest sample. */
  lastSeen: number;
  /** Event rules: a matching event arrived since the last evaluation. */
  eventSeen?: boolean;
  eventDescription?: string;
}

export interface Evaluation {
  readonly series: Series;
  /** Built on first access: most series of a round need none. */
  readonly template: AlertTemplate;
  readonly cond: Condition;
}

const EVENT_DEFAULT_KEYS = ['source', 'event_type'];

/**
 * Metric streams (metric name + source + tags, as the producer sends them) kept at most; past it
 * the table starts over (it is a cache: a stream is resolved again on its next sample).
 */
const MAX_STREAMS = 1 << 20;

/** What the samples of one stream feed. */
interface Stream {
  /** Every series (their count is what the stream's samples matched). */
  series: Series[];
  /** The distinct windows of the threshold series (rules of a metric share them, see seriesFor). */
  windows: SlidingWindow[];
  /** The absence series. */
  absence: Series[];
  /** The partition the stream's series were last fed from. */
  partitionKey: string;
}

/**
 * The stream cache is a trie over source, each tag key and value in the order the producer sent
 * them, then the metric name: no key text is built per sample, and a lookup is a few Map probes
 * with strings whose hashes V8 has cached (the metrics parser hands out the same string objects
 * for repeated text). Unambiguous whatever the text holds. Samples of a batch mostly carry equal
 * tags: then the node after the tags is reused and only the name is looked up.
 */
class StreamNode {
  next: Map<string, StreamNode> | undefined = undefined;
  stream: Stream | undefined = undefined;

  child(key: string): StreamNode {
    let next = this.next;
    if (next === undefined) {
      next = new Map();
      this.next = next;
    }
    let node = next.get(key);
    if (node === undefined) {
      node = new StreamNode();
      next.set(key, node);
    }
    return node;
  }
}

/** Same tags, in the same order (equal label sets in another order would do as well). */
function sameTags(a: Labels | null | undefined, b: Labels | null | undefined): boolean {
  if (a === b) return true;
  let n = 0;
  if (a) {
    if (!b) return false;
    for (const k in a) {
      if (a[k] !== b[k]) return false;
      n++;
    }
  }
  if (b) for (const k in b) if (n-- === 0 || !Object.hasOwn(b, k)) return false;
  return n === 0;
}

/** One series' condition in a round; its alert template is built only if the lifecycle asks. */
class SeriesEvaluation implements Evaluation {
  private built: AlertTemplate | undefined;

  constructor(
    private readonly evaluator: Evaluator,
    readonly series: Series,
    readonly cond: Condition,
  ) {}

  get template(): AlertTemplate {
    this.built ??= this.evaluator.template(this.series);
    return this.built;
  }
}

/** The identity of a label set: sorted pairs, JSON-quoted so that no label text can forge another set. */
function keyOf(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return JSON.stringify(keys.map((k) => [k, labels[k]]));
}

/** Flattens an event into matchable labels: fields plus `data.<dotted path>` for scalars. */
export function eventLabels(event: EventDto): Labels {
  const out: Labels = { source: event.source, event_type: event.event_type, severity: event.severity ?? 'info' };
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 4 || value === null || value === undefined) return;
    if (typeof value === 'object') {
      if (Array.isArray(value)) return;
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, depth + 1);
      return;
    }
    if (typeof value === 'string') out[path] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[path] = String(value);
  };
  walk(event.data, 'data', 0);
  return out;
}

/**
 * The ids of the latest batches of one partition, to drop redeliveries (a producer retry, a
 * replay after a rebalance) before they reach any window. Bounded: the oldest ids go first.
 */
export class RecentIds {
  private readonly ring: string[];
  private readonly set = new Set<string>();
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<string>(capacity);
  }

  /** True the first time an id is seen (within the last `capacity` ids). */
  admit(id: string): boolean {
    if (this.set.has(id)) return false;
    const old = this.ring[this.next];
    if (old !== undefined) this.set.delete(old);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.set.add(id);
    return true;
  }
}

/**
 * Rules and the in-memory series they evaluate. Pure (no I/O): the ticker asks it for conditions
 * and hands them to the alert lifecycle.
 */
export class Evaluator {
  private readonly rules = new Map<string, CompiledRule>();
  private byMetric = new Map<string, CompiledRule[]>();
  private anyMetric: CompiledRule[] = [];
  private eventRules: CompiledRule[] = [];
  readonly series = new Map<string, Series>();
  /** rule id → label key → series: finds a series without hashing its labels. */
  private readonly index = new Map<string, Map<string, Series>>();
  /** Absence series whose last-seen time changed since the last snapshot. */
  readonly dirtySeen = new Set<Series>();
  private readonly recent = new Map<string, RecentIds>();
  /** Metric stream → the series its samples feed; cleared whenever rules or partitions change. */
  private streams = new StreamNode();
  private streamCount = 0;
  /** Shared windows: `<rule epoch> <metric> <window ms> <label key>` → window. */
  private readonly sharedWindows = new Map<string, SlidingWindow>();
  /** Bumped by every rule change: a changed rule's series never join a window with older samples. */
  private epoch = 0;

  constructor(private readonly dedupCapacity = 100_000) {}

  ruleCount(): number {
    return this.rules.size;
  }

  getRule(id: string): CompiledRule | undefined {
    return this.rules.get(id);
  }

  /** Adds or replaces a rule; the windows of a changed rule start over. Throws on a bad spec. */
  setRule(id: string, revision: number, spec: RuleSpecDto): void {
    const compiled = compileRule(id, revision, spec);
    this.dropRuleSeries(id);
    if (spec.enabled === false) this.rules.delete(id);
    else this.rules.set(id, compiled);
    this.reindex();
  }

  deleteRule(id: string): void {
    this.rules.delete(id);
    this.dropRuleSeries(id);
    this.reindex();
  }

  private dropRuleSeries(ruleId: string): void {
    const byLabels = this.index.get(ruleId);
    if (!byLabels) return;
    this.index.delete(ruleId);
    for (const s of byLabels.values()) this.forget(s);
  }

  private reindex(): void {
    this.epoch++;
    this.clearStreams();
    this.byMetric = new Map();
    this.anyMetric = [];
    this.eventRules = [];
    for (const rule of this.rules.values()) {
      if (rule.type === 'event') this.eventRules.push(rule);
      else if (rule.metric === undefined) this.anyMetric.push(rule);
      else {
        const list = this.byMetric.get(rule.metric) ?? [];
        list.push(rule);
        this.byMetric.set(rule.metric, list);
      }
    }
  }

  /** Drops what belongs to a partition this instance no longer owns. */
  dropPartition(partitionKey: string): void {
    this.recent.delete(partitionKey);
    this.clearStreams();
    for (const byLabels of this.index.values()) {
      for (const [key, s] of byLabels) {
        if (s.partitionKey !== partitionKey) continue;
        byLabels.delete(key);
        this.forget(s);
      }
    }
  }

  private clearStreams(): void {
    this.streams = new StreamNode();
    this.streamCount = 0;
  }

  private forget(s: Series): void {
    this.series.delete(s.fp);
    this.dirtySeen.delete(s);
    if (s.windowKey !== undefined && this.sharedWindows.get(s.windowKey) === s.window) {
      this.sharedWindows.delete(s.windowKey);
    }
  }

  /**
   * The series of a rule for a label set, created on first use. A threshold rule of one metric
   * that keeps all labels gets exactly the samples of one stream, like every other such rule of
   * that metric matching the stream: series created in the same rule epoch with the same window
   * length share one window (the bench's 100 rules over 20 metrics store each sample once, not
   * five times). A rule change starts a new epoch, so a changed rule still starts from an empty
   * window, as before.
   */
  private seriesFor(
    rule: CompiledRule,
    labels: Labels,
    source: string,
    partitionKey: string,
    labelKey?: string,
  ): Series {
    // Two levels, so the (cached-hash) label key string is looked up as is, never concatenated.
    let byLabels = this.index.get(rule.id);
    if (!byLabels) {
      byLabels = new Map();
      this.index.set(rule.id, byLabels);
    }
    const key = labelKey ?? keyOf(labels);
    let s = byLabels.get(key);
    if (!s) {
      s = { fp: fingerprint(rule.id, labels), rule, labels: { ...labels }, source, partitionKey, lastSeen: 0 };
      if (rule.type === 'threshold') {
        if (labelKey !== undefined && rule.metric !== undefined) {
          s.windowKey = `${this.epoch}\u0000${rule.metric}\u0000${rule.windowMs}\u0000${labelKey}`;
          s.window = this.sharedWindows.get(s.windowKey);
          if (!s.window) {
            s.window = new SlidingWindow(rule.windowMs);
            this.sharedWindows.set(s.windowKey, s.window);
          }
        } else {
          s.window = new SlidingWindow(rule.windowMs);
        }
      }
      byLabels.set(key, s);
      this.series.set(s.fp, s);
    }
    s.partitionKey = partitionKey;
    return s;
  }

  /** Restores an absence series from its snapshot (after a partition changed hands). */
  restoreSeen(ruleId: string, labels: Labels, source: string, partitionKey: string, lastSeen: number): void {
    const rule = this.rules.get(ruleId);
    if (!rule || rule.type !== 'absence') return;
    const s = this.seriesFor(rule, labels, source, partitionKey);
    s.lastSeen = Math.max(s.lastSeen, lastSeen);
  }

  /**
   * Feeds a batch to every matching rule. `batchId` is the CloudEvents id: a redelivered batch
   * adds nothing to the windows.
   *
   * Hot path (every sample of every batch): a sample's stream (name, source, tags) is looked up
   * once in a cache of the series it feeds — rule matching, label sets and series keys are worked
   * out only the first time a stream is seen — and then costs two stores per series.
   */
  ingestMetrics(batch: MetricBatchDto, batchId: string, timeMs: number, partitionKey: string): number {
    if (this.byMetric.size === 0 && this.anyMetric.length === 0) return 0;
    let recent = this.recent.get(partitionKey);
    if (!recent) {
      recent = new RecentIds(this.dedupCapacity);
      this.recent.set(partitionKey, recent);
    }
    if (!recent.admit(batchId)) return 0;
    let matched = 0;
    const metrics = batch.metrics;
    const source = batch.source;
    const everyMetric = this.anyMetric.length > 0;
    let tagsNode: StreamNode | undefined;
    let prevTags: Labels | null | undefined;
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i];
      if (!m) continue;
      if (!everyMetric && !this.byMetric.has(m.name)) continue;
      const tags = m.tags;
      if (tagsNode === undefined || !sameTags(tags, prevTags)) {
        tagsNode = this.streams.child(source);
        if (tags) for (const k in tags) tagsNode = tagsNode.child(k).child(tags[k] as string);
        prevTags = tags;
      }
      const node = tagsNode.child(m.name);
      const stream = node.stream ?? this.resolveStream(node, m.name, source, tags, partitionKey);
      if (stream.partitionKey !== partitionKey) {
        stream.partitionKey = partitionKey;
        for (const s of stream.series) s.partitionKey = partitionKey;
      }
      const windows = stream.windows;
      for (let w = 0; w < windows.length; w++) (windows[w] as SlidingWindow).add(timeMs, m.value);
      for (const s of stream.absence) {
        if (timeMs > s.lastSeen) {
          s.lastSeen = timeMs;
          this.dirtySeen.add(s);
        }
      }
      matched += stream.series.length;
    }
    return matched;
  }

  /** Matches a stream against the rules of its metric once, and caches the series it feeds. */
  private resolveStream(
    node: StreamNode,
    name: string,
    source: string,
    tags: Labels | null | undefined,
    partitionKey: string,
  ): Stream {
    const input: Labels = { ...tags, source };
    const stream: Stream = { series: [], windows: [], absence: [], partitionKey };
    let allKey: string | undefined;
    for (const rules of [this.byMetric.get(name), this.anyMetric]) {
      if (!rules) continue;
      for (const rule of rules) {
        if (!rule.matches(input)) continue;
        let s: Series;
        if (rule.groupBy === undefined && rule.type === 'threshold') {
          allKey ??= keyOf(input);
          s = this.seriesFor(rule, input, source, partitionKey, allKey);
        } else {
          const labels = seriesLabels(rule, input, rule.type === 'absence' ? ['source'] : 'all');
          s = this.seriesFor(rule, labels, source, partitionKey);
        }
        stream.series.push(s);
        if (s.window) {
          if (!stream.windows.includes(s.window)) stream.windows.push(s.window);
        } else {
          stream.absence.push(s);
        }
      }
    }
    if (this.streamCount >= MAX_STREAMS) {
      this.clearStreams(); // `node` is then detached: this stream is used once, then resolved again
    } else {
      node.stream = stream;
      this.streamCount++;
    }
    return stream;
  }

  ingestEvent(event: EventDto, partitionKey: string): number {
    if (this.eventRules.length === 0) return 0;
    const input = eventLabels(event);
    let matched = 0;
    for (const rule of this.eventRules) {
      if (!rule.matches(input)) continue;
      const s = this.seriesFor(rule, seriesLabels(rule, input, EVENT_DEFAULT_KEYS), event.source, partitionKey);
      s.eventSeen = true;
      const message = event.data?.['message'];
      if (typeof message === 'string') s.eventDescription = message.slice(0, 4096);
      matched++;
    }
    return matched;
  }

  /** The condition of every series this instance owns, at `now`. */
  evaluate(now: number, owns: (partitionKey: string) => boolean): Evaluation[] {
    const out: Evaluation[] = [];
    for (const s of this.series.values()) {
      if (!owns(s.partitionKey)) continue;
      out.push(new SeriesEvaluation(this, s, this.condition(s, now)));
    }
    return out;
  }

  private condition(s: Series, now: number): Condition {
    const rule = s.rule;
    switch (rule.type) {
      case 'threshold': {
        s.window?.evict(now);
        const value = s.window?.aggregate(rule.aggregation);
        return value === undefined ? { active: false } : { active: rule.compare(value), value };
      }
      case 'event': {
        const active = s.eventSeen === true;
        s.eventSeen = false;
        return { active };
      }
      case 'absence': {
        const silentFor = now - s.lastSeen;
        return { active: silentFor >= rule.absentForMs, value: silentFor / 1000 };
      }
    }
  }

  template(s: Series): AlertTemplate {
    const rule = s.rule;
    const spec = rule.spec;
    const labels: Labels = {
      ...s.labels,
      ...spec.labels,
      alertname: spec.name,
      severity: spec.severity,
      rule_id: rule.id,
    };
    if (labels['source'] === undefined) labels['source'] = s.source;
    return {
      _id: s.fp,
      rule_id: rule.id,
      name: spec.name,
      severity: spec.severity,
      description: spec.description ?? s.eventDescription ?? describeRule(rule),
      source: s.source,
      alert_type: rule.type === 'threshold' ? 'threshold' : rule.type,
      labels,
      annotations: { ...spec.annotations },
      ...(rule.type === 'threshold' && spec.threshold !== undefined ? { threshold: spec.threshold } : {}),
      partition_key: s.partitionKey,
    };
  }
}

export function describeRule(rule: CompiledRule): string {
  const spec = rule.spec;
  switch (rule.type) {
    case 'threshold':
      return `${rule.aggregation}(${spec.metric ?? ''}) over ${spec.window ?? '5m'} ${spec.comparison ?? '>'} ${spec.threshold ?? 0}`;
    case 'event':
      return `event matching rule ${spec.name}`;
    case 'absence':
      return `no data${spec.metric ? ` for ${spec.metric}` : ''} for ${spec.for ?? '0s'}`;
  }
}
