import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Address ranges an outbound notification may not reach unless allow-listed. */
const BLOCKED: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT (incl. cloud metadata 100.100.100.200)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (incl. cloud metadata 169.254.169.254)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fc00::', 7, 'ipv6', 'unique local (private)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
  ['fd00:ec2::254', 128, 'ipv6', 'cloud metadata'],
];

const BLOCKED_LISTS = BLOCKED.map(([base, bits, fam, reason]) => {
  const list = new BlockList();
  list.addSubnet(base, bits, fam);
  return { list, fam, reason };
});

export interface SsrfVerdict {
  allowed: boolean;
  /** Why it was refused (the range's name). */
  reason?: string;
}

/** Thrown by the guarded lookup; the sender turns it into a refused delivery and an audit event. */
export class SsrfRefusedError extends Error {
  readonly code = 'SSRF_REFUSED';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`refused to connect to ${host} (${address}): ${reason} address not allow-listed`);
    this.name = 'SsrfRefusedError';
  }
}

function subnet(list: BlockList, cidr: string): void {
  const [base, bits] = cidr.split('/');
  const family = isIP(base ?? '');
  if (!base || family === 0 || bits === undefined) throw new Error(`not a CIDR: ${cidr}`);
  list.addSubnet(base, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Decides whether an address may be connected to. Checked on the resolved address at connect
 * time (see `lookup`), so a name that resolves to a private address — or re-resolves to one
 * after a check (DNS rebinding) — is refused at the socket, not only at validation.
 */
export class SsrfGuard {
  private readonly allow = new BlockList();
  readonly allowList: readonly string[];

  constructor(allowCidrs: readonly string[] = []) {
    this.allowList = [...allowCidrs].sort();
    for (const c of this.allowList) subnet(this.allow, c);
  }

  check(address: string): SsrfVerdict {
    let family = isIP(address);
    if (family === 0) return { allowed: false, reason: 'not an IP address' };
    let ip = address;
    // IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it is.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) {
      ip = mapped[1];
      family = 4;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.allow.check(ip, type)) return { allowed: true };
    for (const { list, fam, reason } of BLOCKED_LISTS) {
      if (fam === type && list.check(ip, type)) return { allowed: false, reason };
    }
    return { allowed: true };
  }

  /** A `dns.lookup`-compatible function for `net.connect` that refuses blocked results. */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean; family?: number } | undefined,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const family = options?.family === 4 || options?.family === 6 ? options.family : 0;
    dnsLookup(hostname, { family, all: true }, (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, []);
        return;
      }
      const refused = addresses.map((a) => ({ a, v: this.check(a.address) })).find((x) => !x.v.allowed);
      // One blocked answer refuses the name: an attacker would otherwise race the good one.
      if (refused) {
        callback(new SsrfRefusedError(hostname, refused.a.address, refused.v.reason ?? 'blocked'), []);
        return;
      }
      if (options?.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  };
}
