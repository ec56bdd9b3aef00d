import { isIP } from 'node:net';
import { type CompiledSource, blockListHas } from '../sources/source-registry';

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4 CIDRs match IPv4 clients on dual-stack sockets. */
export function normaliseAddress(address: string): string {
  const trimmed = address.trim();
  return trimmed.toLowerCase().startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

/**
 * The client of a request: the socket peer, unless the source names a proxy header and the peer
 * is one of its trusted proxies; then the right-most address of the header that is not itself
 * a trusted proxy (left-most entries are whatever the client claimed).
 */
export function clientAddress(
  source: CompiledSource,
  peer: string | undefined,
  headers: Record<string, string | undefined>,
): string {
  const direct = normaliseAddress(peer ?? '');
  const headerName = source.spec.trusted_proxy_header?.toLowerCase();
  if (!headerName || !blockListHas(source.trustedProxies, direct)) return direct;
  const chain = (headers[headerName] ?? '')
    .split(',')
    .map((a) => normaliseAddress(a))
    .filter((a) => isIP(a) !== 0);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] as string;
    if (!blockListHas(source.trustedProxies, hop)) return hop;
  }
  return chain[0] ?? direct;
}

export function addressAllowed(source: CompiledSource, address: string): boolean {
  return source.allowed === undefined || blockListHas(source.allowed, address);
}
