import { createServer } from 'node:http';
import { AppError } from '@airis/resilience';
import { createHttpClient, translateHttpFailure } from './http-client';

describe('translateHttpFailure (vendor answers → error codes)', () => {
  it.each([
    [401, 'auth_failed', 'PERMANENT'],
    [403, 'auth_failed', 'PERMANENT'],
    [404, 'not_found', 'PERMANENT'],
    [400, 'http_error', 'PERMANENT'],
    [422, 'http_error', 'PERMANENT'],
    [429, 'http_error', 'TRANSIENT'],
    [500, 'http_error', 'TRANSIENT'],
    [503, 'http_error', 'TRANSIENT'],
  ])('HTTP %i → %s (%s)', (status, code, errorClass) => {
    const e = translateHttpFailure('GET http://x/y', { status, body: '{"error":"nope"}' });
    expect([e.code, e.errorClass]).toEqual([code, errorClass]);
    expect(e.message).toContain(`HTTP ${status}`);
    expect(e.message).toContain('{"error":"nope"}');
  });

  it('names timeouts and unreachable peers', () => {
    const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });
    expect(translateHttpFailure('GET http://x', { error: timeout, timeoutMs: 250 })).toMatchObject({
      code: 'timeout',
      errorClass: 'TRANSIENT',
      message: 'GET http://x did not answer within 250 ms',
    });
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
    });
    expect(translateHttpFailure('GET http://x', { error: refused, timeoutMs: 250 })).toMatchObject({
      code: 'unreachable',
      message: 'cannot reach GET http://x (ECONNREFUSED): fetch failed: connect ECONNREFUSED 127.0.0.1:1',
    });
  });
});

describe('createHttpClient', () => {
  it('parses JSON, refuses non-JSON and redirects, and sends the query', async () => {
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/json')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: req.url, auth: req.headers.authorization }));
      } else if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login</html>');
      } else {
        res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const http = createHttpClient({ timeoutMs: 2000 });
    try {
      const ok = await http.request<{ url: string; auth: string }>({
        url: `${base}/json`,
        query: { a: 1, b: ['x', 'y'], skip: undefined },
        headers: { authorization: 'Bearer t' },
      });
      expect(ok.body).toEqual({ url: '/json?a=1&b=x&b=y', auth: 'Bearer t' });
      await expect(http.request({ url: `${base}/html` })).rejects.toMatchObject({ code: 'bad_response' });
      const redirect = await http.request({ url: `${base}/redirect` }).catch((e: unknown) => e);
      expect(redirect).toBeInstanceOf(AppError);
      expect((redirect as AppError).message).toMatch(/redirect/i);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
