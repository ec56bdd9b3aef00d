import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, buildConnector } from 'undici';
import { SsrfGuard, SsrfRefusedError } from './ssrf-guard';

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** The first bytes of the body (enough for logs and provider error parsing). */
  body: string;
  latencyMs: number;
}

const MAX_BODY = 16 * 1024;
const MAX_TARGETS = 10_000;

/**
 * The first MAX_BODY bytes of a response body as text; the rest is read and dropped (up to
 * 1 MiB, then the body is destroyed). Plain events, not an async iterator (cheaper per request).
 */
function readCapped(stream: Readable): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let body = '';
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer): void => {
      if (size < MAX_BODY) body += chunk.subarray(0, MAX_BODY - size).toString('utf8');
      size += chunk.length;
      if (size > 1024 * 1024) {
        done = true;
        stream.off('data', onData);
        stream.destroy();
        resolve(body);
      }
    };
    stream.on('data', onData);
    stream.once('end', () => {
      done = true;
      resolve(body);
    });
    stream.once('error', (error) => {
      done = true;
      reject(error);
    });
    stream.once('close', () => {
      if (!done) reject(new Error('response body closed before its end'));
    });
  });
}

/**
 * POSTs with undici through an Agent whose connector checks every resolved address with the
 * SSRF guard (IP literals are checked before connecting, names in the socket's lookup), so the
 * address checked is the address connected to. Redirects are never followed (3xx = failure).
 */
export class HttpSender {
  private readonly agents = new Map<string, { agent: Agent; guard: SsrfGuard }>();
  private readonly targets = new Map<string, { origin: string; path: string }>();

  constructor(private readonly options: { timeoutMs: number; baseAllow: readonly string[]; connections?: number }) {}

  guardFor(extraAllow: readonly string[] = []): SsrfGuard {
    return this.agentFor(extraAllow).guard;
  }

  async post(req: OutboundRequest, extraAllow: readonly string[] = []): Promise<OutboundResponse> {
    const { agent } = this.agentFor(extraAllow);
    const { origin, path } = this.target(req.url);
    const started = performance.now();
    // The agent's own request (origin and path parsed once per URL), not undici's top-level
    // `request(url)`, which parses the URL again on every call.
    const res = await agent.request({
      origin,
      path,
      method: 'POST',
      headers: req.headers,
      body: req.body,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const body = await readCapped(res.body);
    const headers: Record<string, string> = {};
    for (const k in res.headers) {
      const v = res.headers[k];
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    return { status: res.statusCode, headers, body, latencyMs: performance.now() - started };
  }

  /** Origin and path of a URL, parsed once (receivers' URLs are few; the cache is bounded). */
  private target(url: string): { origin: string; path: string } {
    let t = this.targets.get(url);
    if (!t) {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`invalid URL protocol: ${u.protocol}`);
      t = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (this.targets.size >= MAX_TARGETS) this.targets.clear();
      this.targets.set(url, t);
    }
    return t;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.agents.values()].map((a) => a.agent.close()));
    this.agents.clear();
  }

  private agentFor(extraAllow: readonly string[]): { agent: Agent; guard: SsrfGuard } {
    const allow = [...new Set([...this.options.baseAllow, ...extraAllow])].sort();
    const key = allow.join(',');
    let entry = this.agents.get(key);
    if (!entry) {
      const guard = new SsrfGuard(allow);
      const base = buildConnector({
        lookup: guard.lookup,
        timeout: this.options.timeoutMs,
      } as buildConnector.BuildOptions);
      const connect: buildConnector.connector = (opts, callback) => {
        const host = opts.hostname.replace(/^\[|\]$/g, '');
        if (isIP(host) !== 0) {
          const verdict = guard.check(host);
          if (!verdict.allowed) {
            callback(new SsrfRefusedError(host, host, verdict.reason ?? 'blocked'), null);
            return;
          }
        }
        base(opts, callback);
      };
      entry = {
        guard,
        agent: new Agent({ connect, connections: this.options.connections ?? 64, keepAliveTimeout: 30_000 }),
      };
      this.agents.set(key, entry);
    }
    return entry;
  }
}

/** Finds an SSRF refusal inside undici's error wrapping. */
export function ssrfRefusal(error: unknown): SsrfRefusedError | undefined {
  let e: unknown = error;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof SsrfRefusedError) return e;
    if (e instanceof AggregateError) {
      const inner = (e.errors as unknown[]).find((x): x is SsrfRefusedError => x instanceof SsrfRefusedError);
      if (inner) return inner;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
