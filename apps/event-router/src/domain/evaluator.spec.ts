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
