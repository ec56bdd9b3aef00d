import { ConfigError, loadConfig } from '@airis/config';
import { groupLag, serviceOfGroup } from './consumer-lag.monitor';
import { HealthMonitorConfig } from './health-monitor.config';

describe('HealthMonitorConfig', () => {
  it('has documented defaults', () => {
    expect(loadConfig(HealthMonitorConfig, {})).toMatchObject({
      HEALTH_MISSED_INTERVALS: 3,
      HEALTH_DEFAULT_INTERVAL_MS: 60_000,
      HEALTH_LAG_THRESHOLD: 10_000,
      HEALTH_DELIVERY_FAILURE_THRESHOLD: 0.2,
    });
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig(HealthMonitorConfig, {
        HEALTH_MISSED_INTERVALS: '0',
        HEALTH_HISTORY_RETENTION_MS: '1000',
        HEALTH_DELIVERY_FAILURE_THRESHOLD: '2',
        HEALTH_LAG_POLL_INTERVAL_MS: 'often',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const v of [
      'HEALTH_MISSED_INTERVALS',
      'HEALTH_HISTORY_RETENTION_MS',
      'HEALTH_DELIVERY_FAILURE_THRESHOLD',
      'HEALTH_LAG_POLL_INTERVAL_MS',
    ]) {
      expect(problems).toContain(v);
    }
  });
});

describe('consumer lag', () => {
  it('sums end − committed over partitions, skipping uncommitted ones and unknown topics', () => {
    const ends = new Map([
      [
        't1',
        new Map([
          [0, 10],
          [1, 5],
        ]),
      ],
    ]);
    expect(
      groupLag(
        [
          {
            topic: 't1',
            partitions: [
              { partition: 0, offset: '4' },
              { partition: 1, offset: '-1' },
            ],
          },
          { topic: 't2', partitions: [{ partition: 0, offset: '1' }] },
        ],
        ends,
      ),
    ).toEqual({ total: 6, by_topic: { t1: 6 } });
  });

  it('recognises the hub’s service groups only, with or without the namespace', () => {
    expect(serviceOfGroup('airis.notifier')).toBe('notifier');
    expect(serviceOfGroup('airis.event-router', 'ns.')).toBe('event-router');
    expect(serviceOfGroup('ns.airis.health-monitor', 'ns.')).toBe('health-monitor');
    for (const other of ['airis.config.notifier.1f2e', 'collector-ab12', 'airis.', 'other.airis.notifier']) {
      expect(serviceOfGroup(other, 'ns.')).toBeUndefined();
    }
  });
});
