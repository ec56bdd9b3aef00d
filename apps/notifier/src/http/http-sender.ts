import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
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

/**
 * POSTs with undici through an Agent whose connector checks every resolved address with the
 * SSRF guard (IP literals are checked before connecting, names in the socket's lookup), so the
 * address checked is the address connected to. Redirects are never followed (3xx = failure).
 */
export class HttpSender {
  private readonly agents = new Map<string, { agent: Agent; guard: SsrfGuard }>();

  constructor(private readonly options: { timeoutMs: number; baseAllow: readonly string[]; connections?: number }) {}

  guardFor(extraAllow: readonly string[] = []): SsrfGuard {
    return this.agentFor(extraAllow).guard;
  }

  async post(req: OutboundRequest, extraAllow: readonly string[] = []): Promise<OutboundResponse> {
    const { agent } = this.agentFor(extraAllow);
    const started = performance.now();
    const res = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      dispatcher: agent,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    let body = '';
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (size < MAX_BODY) body += buf.subarray(0, MAX_BODY - size).toString('utf8');
      size += buf.length;
      if (size > 1024 * 1024) {
        res.body.destroy();
        break;
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    return { status: res.statusCode, headers, body, latencyMs: performance.now() - started };
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
