import { RouteTree, groupKey, groupLabels } from './route-tree';
import { inTimeInterval } from './time-intervals';
import { toPagerDutySeverity } from './severity';

const defaults = { receiver: 'default', groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 };

describe('route tree', () => {
  const tree = RouteTree.compile(
    {
      receiver: 'slack-all',
      group_by: ['alertname'],
      routes: [
        { receiver: 'pagerduty', matchers: [{ label: 'severity', op: '=~', value: 'critical|high' }], continue: true },
        {
          matchers: [{ label: 'team', op: '=', value: 'ml' }],
          group_wait: '5s',
          routes: [{ receiver: 'ml-oncall', matchers: [{ label: 'env', op: '=', value: 'prod' }] }],
        },
        { receiver: 'catch-all-never', matchers: [{ label: 'team', op: '=', value: 'ml' }] },
      ],
    },
    defaults,
  );

  it('pages only critical/high and goes on matching with continue', () => {
    const r = tree.match({ alertname: 'x', severity: 'critical', team: 'ml', env: 'prod' });
    expect(r.map((x) => x.receiver)).toEqual(['pagerduty', 'ml-oncall']);
    expect(tree.match({ severity: 'warning', team: 'data' }).map((x) => x.receiver)).toEqual(['slack-all']);
  });

  it('inherits receiver, grouping and timings, and stops at the first match without continue', () => {
    const [ml] = tree.match({ severity: 'warning', team: 'ml', env: 'dev' });
    expect(ml).toMatchObject({ receiver: 'slack-all', path: '0.1', groupBy: ['alertname'], groupWaitMs: 5000 });
    const [oncall] = tree.match({ team: 'ml', env: 'prod' });
    expect(oncall).toMatchObject({ receiver: 'ml-oncall', groupWaitMs: 5000, repeatIntervalMs: 14_400_000 });
  });

  it('builds stable group keys from group_by', () => {
    const [route] = tree.match({ alertname: 'disk', severity: 'info', host: 'a' });
    const g = groupLabels(route!, { alertname: 'disk', host: 'a' });
    expect(g).toEqual({ alertname: 'disk' });
    expect(groupKey(route!, g)).toBe('slack-all/0:{alertname="disk"}');
    const all = RouteTree.compile({ group_by: ['...'] }, defaults).match({ b: '2', a: '1' })[0]!;
    expect(groupKey(all, groupLabels(all, { b: '2', a: '1' }))).toBe('default/0:{a="1",b="2"}');
  });
});

describe('time intervals', () => {
  const spec = {
    time_intervals: [{ weekdays: ['monday:friday'], times: [{ start_time: '09:00', end_time: '17:00' }] }],
  };
  it.each([
    ['2026-11-23T10:00:00Z', true], // Monday
    ['2026-11-23T17:00:00Z', false], // end is exclusive
    ['2026-11-22T10:00:00Z', false], // Sunday
    ['2026-11-27T08:59:00Z', false],
  ])('%s in business hours: %s', (iso, expected) => {
    expect(inTimeInterval(spec, Date.parse(iso))).toBe(expected);
  });

  it('honours the location, months and negative days of month', () => {
    const berlin = { ...spec, location: 'Europe/Berlin' };
    expect(inTimeInterval(berlin, Date.parse('2026-11-23T08:30:00Z'))).toBe(true); // 09:30 in Berlin
    const lastDay = { time_intervals: [{ days_of_month: ['-1'], months: ['november'] }] };
    expect(inTimeInterval(lastDay, Date.parse('2026-11-30T12:00:00Z'))).toBe(true);
    expect(inTimeInterval(lastDay, Date.parse('2026-11-29T12:00:00Z'))).toBe(false);
  });
});

describe('severity mapping', () => {
  it('maps the seed severities onto PagerDuty', () => {
    expect(['info', 'warning', 'error', 'critical', 'high'].map((s) => toPagerDutySeverity(s as 'high'))).toEqual([
      'info',
      'warning',
      'error',
      'critical',
      'error',
    ]);
  });
});
