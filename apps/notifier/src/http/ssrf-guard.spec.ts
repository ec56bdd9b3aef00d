import { SsrfGuard, SsrfRefusedError } from './ssrf-guard';

describe('SSRF guard', () => {
  const guard = new SsrfGuard();

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique local'],
    ['fd00:ec2::254', 'unique local'],
    ['224.0.0.1', 'multicast'],
    ['not-an-ip', 'not an IP'],
  ])('refuses %s (%s)', (ip, reason) => {
    const v = guard.check(ip);
    expect(v.allowed).toBe(false);
    expect(v.reason).toContain(reason);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::1111', '172.32.0.1', '192.169.0.1'])('allows public %s', (ip) => {
    expect(guard.check(ip).allowed).toBe(true);
  });

  it('allows what the allow-list names, and only that', () => {
    const g = new SsrfGuard(['127.0.0.1/32', '10.1.0.0/16']);
    expect(g.check('127.0.0.1').allowed).toBe(true);
    expect(g.check('127.0.0.2').allowed).toBe(false);
    expect(g.check('10.1.200.3').allowed).toBe(true);
    expect(g.check('10.2.0.1').allowed).toBe(false);
  });

  it('refuses a name that resolves to loopback in the connect-time lookup', async () => {
    const err = await new Promise<Error | null>((resolve) =>
      guard.lookup('localhost', { all: true }, (e) => resolve(e)),
    );
    expect(err).toBeInstanceOf(SsrfRefusedError);
    expect((err as SsrfRefusedError).host).toBe('localhost');
  });

  it('resolves an allowed name normally', async () => {
    const g = new SsrfGuard(['127.0.0.0/8', '::1/128']);
    const result = await new Promise<string>((resolve, reject) =>
      g.lookup('localhost', {}, (e, address) => (e ? reject(e) : resolve(address as string))),
    );
    expect(['127.0.0.1', '::1']).toContain(result);
  });

  it('rejects a malformed allow-list entry at construction', () => {
    expect(() => new SsrfGuard(['nope/8'])).toThrow(/CIDR/);
  });
});
