import type { HealthStatus } from '@airis/contracts';
import {
  type InstanceState,
  backlogAllowance,
  formatDuration,
  instanceVerdict,
  overallStatus,
  rollUp,
  severityOf,
} from './health-status';

const rules = { missedIntervals: 3, instanceExpiryMs: 60_000 };
const NOW = 1_000_000;
const inst = (
  instance: string,
  reported: HealthStatus,
  ageMs: number,
  extra: Partial<InstanceState> = {},
): InstanceState => ({
  instance,
  reported,
  last_seen: NOW - ageMs,
  interval_ms: 1000,
  ...extra,
});

describe('instanceVerdict', () => {
  it('keeps the reported status while reports arrive within the allowed silence', () => {
    expect(instanceVerdict('service', inst('a', 'degraded', 3000, { message: 'mongodb: slow' }), NOW, rules)).toEqual({
      instance: 'a',
      last_seen: NOW - 3000,
      status: 'degraded',
      reason: 'mongodb: slow',
    });
  });

  it('calls a silent service down and a silent integration unknown, saying why', () => {
    const service = instanceVerdict('service', inst('a', 'healthy', 3001), NOW, rules);
    expect(service.status).toBe('down');
    expect(service.reason).toBe('no heartbeat for 3.0 s (3 intervals of 1.0 s missed)');
    const integration = instanceVerdict('integration', inst('a', 'healthy', 10_000), NOW, rules);
    expect(integration.status).toBe('unknown');
    expect(integration.reason).toMatch(/^no check result for 10 s \(10 intervals/);
  });
});

describe('rollUp', () => {
  const table: [string, InstanceState[], HealthStatus, RegExp | undefined][] = [
    ['no instance', [], 'unknown', /no report received yet/],
    ['one healthy', [inst('a', 'healthy', 0, { message: '12 models' })], 'healthy', /^12 models$/],
    ['all healthy', [inst('a', 'healthy', 0), inst('b', 'healthy', 0)], 'healthy', undefined],
    [
      'one of two silent',
      [inst('a', 'healthy', 0), inst('b', 'healthy', 5000)],
      'degraded',
      /^1 of 2 instances not healthy: b down/,
    ],
    ['one of two degraded', [inst('a', 'healthy', 0), inst('b', 'degraded', 0)], 'degraded', /^1 of 2/],
    ['both silent', [inst('a', 'healthy', 5000), inst('b', 'healthy', 6000)], 'down', /^a down .*; b down/],
    ['one degraded, one down', [inst('a', 'degraded', 0), inst('b', 'down', 0)], 'degraded', /a degraded; b down/],
    ['one reported down', [inst('a', 'down', 0, { message: 'HTTP 503' })], 'down', /^HTTP 503$/],
    ['down and unknown', [inst('a', 'down', 0), inst('b', 'unknown', 0)], 'down', undefined],
    ['only unknown', [inst('a', 'unknown', 0)], 'unknown', undefined],
  ];
  it.each(table)('%s → %s', (_label, states, status, reason) => {
    const result = rollUp('service', states, NOW, rules);
    expect(result.status).toBe(status);
    if (reason) expect(result.reason).toMatch(reason);
  });

  it('leaves out an instance silent past the expiry (a scaled-away replica), unless it is the last one', () => {
    const gone = inst('old', 'healthy', 120_000);
    const result = rollUp('service', [inst('new', 'healthy', 0), gone], NOW, rules);
    expect(result).toMatchObject({ status: 'healthy' });
    expect(result.instances.map((i) => i.instance)).toEqual(['new']);
    const alone = rollUp('service', [gone], NOW, rules);
    expect(alone.status).toBe('down');
    expect(alone.instances).toHaveLength(1);
  });
});

describe('overallStatus', () => {
  const table: [HealthStatus[], string][] = [
    [[], 'healthy'],
    [['healthy', 'healthy'], 'healthy'],
    [['healthy', 'unknown'], 'healthy'],
    [['healthy', 'down'], 'degraded'],
    [['healthy', 'degraded'], 'degraded'],
    [['down', 'down'], 'down'],
    [['down', 'unknown'], 'down'],
    [['down', 'degraded'], 'degraded'],
  ];
  it.each(table)('%j → %s', (statuses, overall) => expect(overallStatus(statuses)).toBe(overall));
});

describe('severityOf and formatDuration', () => {
  it('maps statuses to event severities', () => {
    expect(['healthy', 'degraded', 'down', 'unknown'].map((s) => severityOf(s as HealthStatus))).toEqual([
      'info',
      'warning',
      'error',
      'warning',
    ]);
  });

  it('formats durations for people', () => {
    expect([900, 45_000, 600_000, 10_800_000].map(formatDuration)).toEqual(['0.9 s', '45 s', '10 min', '3 h']);
  });
});

describe('backlogAllowance', () => {
  it('is the largest delay still relevant, shrinking with time and capped', () => {
    const now = 100_000;
    expect(backlogAllowance([], now, 60_000)).toBe(0);
    // 5 s behind one second ago → 4 s not seen yet; the other partition is caught up.
    expect(
      backlogAllowance(
        [
          { delayMs: 5000, at: now - 1000 },
          { delayMs: 10, at: now },
        ],
        now,
        60_000,
      ),
    ).toBe(4000);
    // A stalled consumer: the allowance has run out.
    expect(backlogAllowance([{ delayMs: 5000, at: now - 9000 }], now, 60_000)).toBe(0);
    // A record with an ancient timestamp cannot blind the monitor.
    expect(backlogAllowance([{ delayMs: 86_400_000, at: now }], now, 60_000)).toBe(60_000);
  });
});
