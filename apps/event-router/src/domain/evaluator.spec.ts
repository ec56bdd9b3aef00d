import type { MetricBatchDto, RuleSpecDto } from '@airis/contracts';
import { Evaluator, RecentIds, eventLabels } from './evaluator';

const rule: RuleSpecDto = {
  type: 'threshold',
  name: 'errors',
  severity: 'warning',
  metric: 'errors',
  matchers: [{ label: 'env', op: '=', value: 'prod' }],
  comparison: '>',
  threshold: 15,
  aggregation: 'sum',
  window: '1m',
};
const batch = (value: number, env = 'prod'): MetricBatchDto => ({
  source: 'svc',
  metrics: [{ name: 'errors', value, tags: { env } }],
});

describe('Evaluator', () => {
  it('counts a redelivered batch once', () => {
    const e = new Evaluator();
    e.setRule('r', 1, rule);
    const now = Date.now();
    e.ingestMetrics(batch(10), 'b1', now, 'metrics:0');
    e.ingestMetrics(batch(10), 'b1', now, 'metrics:0');
    e.ingestMetrics(batch(10, 'dev'), 'b2', now, 'metrics:0');
    const [ev] = e.evaluate(now, () => true);
    expect(ev?.cond).toEqual({ active: false, value: 10 });
    e.ingestMetrics(batch(10), 'b3', now, 'metrics:0');
    expect(e.evaluate(now, () => true)[0]?.cond).toEqual({ active: true, value: 20 });
  });

  it('gives the same fingerprint for the same rule and labels, in any instance', () => {
    const a = new Evaluator();
    const b = new Evaluator();
    a.setRule('r', 1, rule);
    b.setRule('r', 2, rule);
    a.ingestMetrics(batch(1), 'x', Date.now(), 'metrics:0');
    b.ingestMetrics(batch(1), 'y', Date.now(), 'metrics:3');
    expect([...a.series.keys()]).toEqual([...b.series.keys()]);
  });

  it('evaluates only the partitions it owns and forgets the ones it loses', () => {
    const e = new Evaluator();
    e.setRule('r', 1, rule);
    e.ingestMetrics(batch(1), 'x', Date.now(), 'metrics:4');
    expect(e.evaluate(Date.now(), (p) => p !== 'metrics:4')).toHaveLength(0);
    e.dropPartition('metrics:4');
    expect(e.series.size).toBe(0);
  });

  it('keeps the previous revision when a new one does not compile', () => {
    const e = new Evaluator();
    e.setRule('r', 1, rule);
    expect(() => e.setRule('r', 2, { ...rule, matchers: [{ label: 'a', op: '=~', value: '(' }] })).toThrow();
    expect(e.getRule('r')?.revision).toBe(1);
  });

  const sumOf = (e: Evaluator, ruleId: string): (number | undefined)[] =>
    e
      .evaluate(Date.now(), () => true)
      .filter((ev) => ev.series.rule.id === ruleId)
      .map((ev) => ev.cond.value);

  it('feeds every rule of a metric, and a rule changed later starts from an empty window', () => {
    const e = new Evaluator();
    e.setRule('a', 1, rule);
    e.setRule('b', 1, { ...rule, aggregation: 'count' });
    const now = Date.now();
    e.ingestMetrics(batch(10), 'b1', now, 'metrics:0');
    e.ingestMetrics(batch(7), 'b2', now, 'metrics:0');
    expect(sumOf(e, 'a')).toEqual([17]);
    expect(sumOf(e, 'b')).toEqual([2]);
    // A new rule of the same metric and window sees only what comes after it.
    e.setRule('c', 1, rule);
    e.ingestMetrics(batch(1), 'b3', now, 'metrics:0');
    expect(sumOf(e, 'a')).toEqual([18]);
    expect(sumOf(e, 'c')).toEqual([1]);
    // A changed rule starts over; the others keep their windows.
    e.setRule('a', 2, { ...rule, threshold: 100 });
    e.ingestMetrics(batch(2), 'b4', now, 'metrics:0');
    expect(sumOf(e, 'a')).toEqual([2]);
    expect(sumOf(e, 'c')).toEqual([3]);
    expect(sumOf(e, 'b')).toEqual([4]);
  });

  it('keeps streams apart whatever their tags hold, in any tag order', () => {
    const e = new Evaluator();
    e.setRule('r', 1, { ...rule, matchers: [] });
    const now = Date.now();
    const send = (id: string, tags: Record<string, string>, value = 1): void => {
      e.ingestMetrics({ source: 'svc', metrics: [{ name: 'errors', value, tags }] }, id, now, 'metrics:0');
    };
    send('1', { x: 'y', z: 'w' });
    send('2', { z: 'w', x: 'y' }); // same labels, other order: same series
    send('3', { x: 'y\u0001z\u0002w' }); // would spell the first stream's key without care
    send('4', { x: 'y\u0001z\u0002w' });
    send('5', { x: 'y', z: 'w\u0000' });
    const byLabels = new Map(
      e.evaluate(now, () => true).map((ev) => [JSON.stringify(ev.series.labels), ev.cond.value]),
    );
    expect(byLabels).toEqual(
      new Map([
        [JSON.stringify({ x: 'y', z: 'w', source: 'svc' }), 2],
        [JSON.stringify({ x: 'y\u0001z\u0002w', source: 'svc' }), 2],
        [JSON.stringify({ x: 'y', z: 'w\u0000', source: 'svc' }), 1],
      ]),
    );
  });

  it('tells the samples of one batch apart by their own tags', () => {
    const e = new Evaluator();
    e.setRule('r', 1, { ...rule, matchers: [] });
    const now = Date.now();
    e.ingestMetrics(
      {
        source: 'svc',
        metrics: [
          { name: 'errors', value: 1, tags: { a: '1', b: '2' } },
          { name: 'errors', value: 2, tags: { a: '1', b: '2' } },
          { name: 'errors', value: 4, tags: { b: '2', a: '1' } },
          { name: 'errors', value: 8, tags: { a: '1' } },
          { name: 'errors', value: 16, tags: { a: '1', b: '2', c: '3' } },
          { name: 'errors', value: 32 },
          { name: 'errors', value: 64, tags: {} },
          { name: 'errors', value: 128, tags: { a: '1', b: 'x' } },
        ],
      },
      'b1',
      now,
      'metrics:0',
    );
    const byLabels = new Map(
      e.evaluate(now, () => true).map((ev) => [JSON.stringify(ev.series.labels), ev.cond.value]),
    );
    expect(byLabels).toEqual(
      new Map([
        [JSON.stringify({ a: '1', b: '2', source: 'svc' }), 7],
        [JSON.stringify({ a: '1', source: 'svc' }), 8],
        [JSON.stringify({ a: '1', b: '2', c: '3', source: 'svc' }), 16],
        [JSON.stringify({ source: 'svc' }), 96],
        [JSON.stringify({ a: '1', b: 'x', source: 'svc' }), 128],
      ]),
    );
  });

  it('moves a series to the partition that feeds it now', () => {
    const e = new Evaluator();
    e.setRule('r', 1, rule);
    e.ingestMetrics(batch(1), 'x', Date.now(), 'metrics:1');
    e.ingestMetrics(batch(1), 'y', Date.now(), 'metrics:2');
    expect(e.evaluate(Date.now(), (p) => p === 'metrics:2')).toHaveLength(1);
    expect(e.evaluate(Date.now(), (p) => p === 'metrics:1')).toHaveLength(0);
  });

  it('matches absence rules per stream and marks their last-seen time', () => {
    const e = new Evaluator();
    e.setRule('abs', 1, { type: 'absence', name: 'quiet', severity: 'warning', metric: 'errors', for: '1m' });
    e.ingestMetrics(batch(1), 'x', 1000, 'metrics:0');
    e.ingestMetrics(batch(1, 'dev'), 'y', 5000, 'metrics:0');
    expect([...e.dirtySeen].map((s) => [s.labels, s.lastSeen])).toEqual([[{ source: 'svc' }, 5000]]);
    expect(e.evaluate(65_000, () => true).map((ev) => ev.cond)).toEqual([{ active: true, value: 60 }]);
  });

  it('flattens event data for matchers', () => {
    expect(
      eventLabels({ source: 's', event_type: 't', data: { stage: 'prod', n: 3, deep: { ok: true }, list: [1] } }),
    ).toEqual({
      source: 's',
      event_type: 't',
      severity: 'info',
      'data.stage': 'prod',
      'data.n': '3',
      'data.deep.ok': 'true',
    });
  });
});

describe('RecentIds', () => {
  it('admits an id once while it is among the last N', () => {
    const r = new RecentIds(2);
    expect([r.admit('a'), r.admit('a'), r.admit('b'), r.admit('c'), r.admit('a')]).toEqual([
      true,
      false,
      true,
      true,
      true,
    ]);
  });
});
