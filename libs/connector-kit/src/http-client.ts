import { AppError } from '@airis/resilience';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Absolute URL. */
  url: string;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  json?: unknown;
  timeoutMs?: number;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  latency_ms: number;
}

export interface HttpClient {
  /** Sends and parses a JSON answer; vendor failures come back as AppError with a clear message. */
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

const SNIPPET = 300;

function withQuery(url: string, query: HttpRequest['query']): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v as readonly string[]) u.searchParams.append(k, item);
    else u.searchParams.append(k, String(v));
  }
  return u.toString();
}

function causeCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Translates HTTP-level trouble into AppError codes the runtime understands (DESIGN.md §7:
 * vendor errors are translated at the connector edge): `timeout`, `unreachable` and 5xx/429
 * are TRANSIENT; `auth_failed` (401/403), `not_found`, other 4xx and `bad_response` PERMANENT.
 */
export function translateHttpFailure(
  what: string,
  failure: { status: number; body: string } | { error: unknown; timeoutMs: number },
): AppError {
  if ('status' in failure) {
    const snippet = failure.body.slice(0, SNIPPET).trim();
    const tail = snippet ? `: ${snippet}` : '';
    if (failure.status === 401 || failure.status === 403) {
      return AppError.permanent('auth_failed', `authentication rejected by ${what} (HTTP ${failure.status})${tail}`);
    }
    if (failure.status === 404) return AppError.permanent('not_found', `${what} answered HTTP 404${tail}`);
    if (failure.status === 429 || failure.status >= 500) {
      return AppError.transient('http_error', `${what} answered HTTP ${failure.status}${tail}`);
    }
    return AppError.permanent('http_error', `${what} answered HTTP ${failure.status}${tail}`);
  }
  const { error, timeoutMs } = failure;
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return AppError.transient('timeout', `${what} did not answer within ${timeoutMs} ms`, error);
  }
  const code = causeCode(error);
  // undici says only "fetch failed"; the reason (refused, TLS, redirect refused...) is the cause.
  const cause = (error as { cause?: { message?: unknown } }).cause?.message;
  const detail = [(error as Error).message ?? String(error), typeof cause === 'string' ? cause : undefined]
    .filter(Boolean)
    .join(': ');
  return AppError.transient('unreachable', `cannot reach ${what}${code ? ` (${code})` : ''}: ${detail}`, error);
}

/** fetch-based client (undici in Node) with a per-request timeout. */
export function createHttpClient(defaults: { timeoutMs: number; userAgent?: string }): HttpClient {
  return {
    async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
      const timeoutMs = req.timeoutMs ?? defaults.timeoutMs;
      const url = withQuery(req.url, req.query);
      const what = `${req.method ?? 'GET'} ${new URL(url).origin}${new URL(url).pathname}`;
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': defaults.userAgent ?? 'airis-mon-connector',
        ...req.headers,
      };
      if (req.json !== undefined) headers['content-type'] = 'application/json';
      const started = performance.now();
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method: req.method ?? 'GET',
          headers,
          body: req.json === undefined ? null : JSON.stringify(req.json),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
        text = await response.text();
      } catch (error) {
        throw translateHttpFailure(what, { error, timeoutMs });
      }
      const latency_ms = performance.now() - started;
      if (!response.ok) throw translateHttpFailure(what, { status: response.status, body: text });
      let body: unknown;
      try {
        body = text.length === 0 ? {} : JSON.parse(text);
      } catch {
        throw AppError.permanent(
          'bad_response',
          `${what} answered HTTP ${response.status} with a body that is not JSON`,
        );
      }
      if (body === null || typeof body !== 'object') {
        throw AppError.permanent(
          'bad_response',
          `${what} answered HTTP ${response.status} with JSON that is not an object`,
        );
      }
      return { status: response.status, body: body as T, latency_ms };
    },
  };
}
