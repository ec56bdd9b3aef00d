import { compileMatchers, parseMatcher } from './matchers';
import { formatDuration, parseDuration } from './duration';

describe('matchers', () => {
  const labels = { severity: 'critical', env: 'prod-eu', team: '' };

  it.each([
    [{ label: 'severity', op: '=', value: 'critical' }, true],
    [{ label: 'severity', op: '!=', value: 'critical' }, false],
    [{ label: 'env', op: '=~', value: 'prod.*' }, true],
    [{ label: 'env', op: '=~', value: 'prod' }, false], // anchored
    [{ label: 'env', op: '!~', value: 'dev|staging' }, true],
    [{ label: 'missing', op: '=', value: '' }, true], // a missing label is ""
    [{ label: 'missing', op: '!=', value: '' }, false],
  ] as const)('%o → %s', (matcher, expected) => {
    expect(compileMatchers([matcher])(labels)).toBe(expected);
  });

  it('needs every matcher to hold, and none means everything', () => {
    expect(compileMatchers(undefined)({})).toBe(true);
    expect(
      compileMatchers([
        { label: 'severity', op: '=', value: 'critical' },
        { label: 'env', op: '=', value: 'dev' },
      ])(labels),
    ).toBe(false);
  });

  it('parses the text form', () => {
    expect(parseMatcher('severity=~"critical|high"')).toEqual({ label: 'severity', op: '=~', value: 'critical|high' });
    expect(parseMatcher('env != prod')).toEqual({ label: 'env', op: '!=', value: 'prod' });
    expect(parseMatcher('msg="say \\"hi\\""')).toEqual({ label: 'msg', op: '=', value: 'say "hi"' });
  });

  it.each(['', 'severity', '=critical', 'a=b c', 'a=~"("', '1abc=x', 'a="unterminated'])('rejects %p', (text) => {
    expect(() => parseMatcher(text)).toThrow();
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'm', '5 m', '-5m', '1.5h', '5w'])('rejects %p', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });

  it('formats for humans', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(61_000)).toBe('1m1s');
    expect(formatDuration(250)).toBe('250ms');
  });
});
