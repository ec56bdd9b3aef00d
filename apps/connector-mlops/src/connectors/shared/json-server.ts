import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

export interface JsonRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type JsonRoute = (
  req: JsonRequest,
) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>;

export interface JsonServer {
  url: string;
  requests: JsonRequest[];
  close(): Promise<void>;
}

/**
 * A local HTTP server on 127.0.0.1 for tests that stand in for a platform's REST API: every
 * request is recorded, the route decides the answer. Used by the conformance and int-specs.
 */
export async function startJsonServer(route: JsonRoute): Promise<JsonServer> {
  const requests: JsonRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const request: JsonRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(request);
      Promise.resolve(route(request)).then(
        ({ status, body: out }) => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(typeof out === 'string' ? out : JSON.stringify(out));
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(error) }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A route that never answers within `ms` (for timeout tests). */
export function slow<T>(ms: number, answer: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(answer), ms).unref());
}
