import { randomBytes } from 'node:crypto';
import { SecretBox } from '@airis/security';
import { addressAllowed, clientAddress } from '../http/client-address';
import { RateLimiter } from '../http/rate-limiter';
import { compileSource } from './source-registry';

const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));

describe('webhook-source specs', () => {
  it('reveals sealed secrets (current and previous) and compiles CIDRs', () => {
    const source = compileSource(
      'gh',
      3,
      {
        provider: 'github',
        secrets: [box.seal('new'), 'old'],
        allowed_cidrs: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1'],
      },
      box,
    );
    expect(source.secrets).toEqual(['new', 'old']);
    expect(addressAllowed(source, '10.20.30.40')).toBe(true);
    expect(addressAllowed(source, '2001:db8::1')).toBe(true);
    expect(addressAllowed(source, '192.0.2.1')).toBe(true);
    expect(addressAllowed(source, '192.0.2.2')).toBe(false);
    expect(addressAllowed(source, '11.0.0.1')).toBe(false);
  });

  it.each([
    [{ provider: 'bitbucket', secrets: ['s'] }, /provider/],
    [{ provider: 'github', secrets: [] }, /secrets/],
    [{ provider: 'github', secrets: ['a', 'b', 'c'] }, /secrets/],
    [{ provider: 'github', secrets: [{ $sealed: 'rot13' }] }, /secrets/],
    [{ provider: 'github', secrets: ['s'], allowed_cidrs: ['10.0.0.0/33'] }, /allowed_cidrs/],
    [{ provider: 'github', secrets: ['s'], allowed_cidrs: ['not-an-ip'] }, /allowed_cidrs/],
    [{ provider: 'github', secrets: ['s'], rate_limit_per_minute: 0 }, /rate_limit_per_minute/],
    [{ provider: 'github', secrets: ['s'], trusted_proxy_header: 'bad header' }, /trusted_proxy_header/],
    [{ provider: 'generic-hmac', secrets: ['s'], generic: { encoding: 'base32' } }, /encoding/],
    [{ provider: 'alertmanager', secrets: ['s'], alertmanager: { auth: 'digest' } }, /auth/],
    [{ provider: 'github', secrets: ['s'], surprise: true }, /surprise/],
  ])('refuses %j', (spec, message) => {
    expect(() => compileSource('x', 1, spec as Record<string, unknown>, box)).toThrow(message);
  });

  it('refuses a secret sealed under another master key', () => {
    const other = SecretBox.fromBase64(randomBytes(32).toString('base64'));
    expect(() => compileSource('x', 1, { provider: 'github', secrets: [other.seal('s')] }, box)).toThrow(/master key/);
  });
});

describe('client address', () => {
  const source = compileSource(
    's',
    1,
    {
      provider: 'github',
      secrets: ['s'],
      trusted_proxy_header: 'X-Forwarded-For',
      trusted_proxies: ['127.0.0.1', '10.0.0.0/8'],
    },
    box,
  );
  it.each([
    ['the peer when it is not a trusted proxy', '192.0.2.9', '198.51.100.1', '192.0.2.9'],
    [
      'the right-most untrusted hop behind trusted proxies',
      '127.0.0.1',
      '203.0.113.5, 198.51.100.1, 10.0.0.2',
      '198.51.100.1',
    ],
    ['an IPv4-mapped peer as IPv4', '::ffff:192.0.2.9', undefined, '192.0.2.9'],
    ['the peer when the header is garbage', '127.0.0.1', 'nonsense', '127.0.0.1'],
  ])('%s', (_name, peer, forwarded, expected) => {
    expect(clientAddress(source, peer, forwarded ? { 'x-forwarded-for': forwarded } : {})).toBe(expected);
  });
});

describe('rate limiter', () => {
  it('allows the per-minute budget, then says how long to wait, and refills', () => {
    const limiter = new RateLimiter();
    expect([0, 1, 2].map(() => limiter.take('s', 2, 0))).toEqual([0, 0, 30]);
    expect(limiter.take('other', 2, 0)).toBe(0);
    expect(limiter.take('s', 2, 30_000)).toBe(0);
  });
});
