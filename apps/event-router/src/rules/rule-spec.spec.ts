import {
  InhibitRuleSpecDto,
  RouteSpecDto,
  RuleSpecDto,
  SilenceSpecDto,
  TimeIntervalSpecDto,
  validateContract,
} from '@airis/contracts';

const threshold = {
  type: 'threshold',
  name: 'gpu',
  severity: 'critical',
  metric: 'gpu_util',
  comparison: '>',
  threshold: 90,
};

describe('router config kinds', () => {
  it('accepts the README examples', () => {
    expect(validateContract(RuleSpecDto, { ...threshold, window: '5m', for: '2m', aggregation: 'p95' }).ok).toBe(true);
    expect(validateContract(RuleSpecDto, { type: 'absence', name: 'hb', severity: 'warning', for: '10m' }).ok).toBe(
      true,
    );
    expect(
      validateContract(RouteSpecDto, {
        receiver: 'slack',
        group_by: ['alertname'],
        routes: [
          { receiver: 'pd', matchers: [{ label: 'severity', op: '=~', value: 'critical|high' }], continue: true },
        ],
      }).ok,
    ).toBe(true);
    expect(
      validateContract(TimeIntervalSpecDto, {
        time_intervals: [{ weekdays: ['saturday:sunday'], times: [{ start_time: '00:00', end_time: '24:00' }] }],
      }).ok,
    ).toBe(true);
  });

  it.each([
    ['unknown type', RuleSpecDto, { ...threshold, type: 'magic' }, 'type'],
    ['threshold without metric', RuleSpecDto, { ...threshold, metric: undefined }, 'metric'],
    ['threshold without threshold', RuleSpecDto, { ...threshold, threshold: undefined }, 'threshold'],
    ['bad comparison', RuleSpecDto, { ...threshold, comparison: '=>' }, 'comparison'],
    ['bad aggregation', RuleSpecDto, { ...threshold, aggregation: 'median' }, 'aggregation'],
    ['bad duration', RuleSpecDto, { ...threshold, for: '5 minutes' }, 'for'],
    ['absence without for', RuleSpecDto, { type: 'absence', name: 'a', severity: 'info' }, 'for'],
    ['seed severity high is not an alert severity', RuleSpecDto, { ...threshold, severity: 'high' }, 'severity'],
    [
      'bad matcher op',
      RuleSpecDto,
      { ...threshold, matchers: [{ label: 'a', op: '~', value: 'b' }] },
      'matchers[0].op',
    ],
    ['unknown field', RuleSpecDto, { ...threshold, treshold: 1 }, 'treshold'],
    ['nested route error', RouteSpecDto, { routes: [{ group_wait: 'soon' }] }, 'routes[0].group_wait'],
    ['silence without matchers', SilenceSpecDto, { matchers: [], starts_at: 0, ends_at: 1 }, 'matchers'],
    [
      'inhibit rule without target',
      InhibitRuleSpecDto,
      { source_matchers: [{ label: 'a', op: '=', value: 'b' }] },
      'target_matchers',
    ],
    [
      'bad time of day',
      TimeIntervalSpecDto,
      { time_intervals: [{ times: [{ start_time: '25:00', end_time: '26:00' }] }] },
      'time_intervals[0].times[0].start_time',
    ],
  ] as const)('rejects %s', (_name, schema, spec, field) => {
    const result = validateContract(schema as new () => object, spec);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toContain(field);
  });
});
