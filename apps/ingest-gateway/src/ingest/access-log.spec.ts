import Fastify, { type FastifyInstance } from 'fastify';
import { accessLog } from './ingest-server';

type Line = { level: number; msg: string; res: { statusCode: number }; req: { url: string }; responseTime: number };

async function serverLogging(logLevel: string): Promise<{ app: FastifyInstance; lines: Line[] }> {
  const lines: Line[] = [];
  const app = Fastify();
  app.get('/ok', () => Promise.resolve({ ok: true }));
  app.get('/refused', () => Promise.reject(Object.assign(new Error('no key'), { statusCode: 401 })));
  app.get('/unavailable', () => Promise.reject(Object.assign(new Error('kafka down'), { statusCode: 503 })));
  accessLog(
    app,
    { service: 'ingest-gateway', logLevel },
    { write: (line: string) => lines.push(JSON.parse(line) as Line) },
  );
  await app.ready();
  return { app, lines };
}

describe('ingest access log', () => {
  it('at warn, logs only 5xx answers, once the response is finished', async () => {
    const { app, lines } = await serverLogging('warn');
    for (const url of ['/ok', '/refused', '/unavailable']) await app.inject({ method: 'GET', url });
    expect(lines.map((l) => [l.msg, l.req.url, l.res.statusCode])).toEqual([['request errored', '/unavailable', 503]]);
    expect(lines[0]?.level).toBe(50);
    expect(lines[0]?.responseTime).toBeGreaterThanOrEqual(0);
    await app.close();
  });

  it('at info, logs every answer, 5xx at error level', async () => {
    const { app, lines } = await serverLogging('info');
    for (const url of ['/ok', '/refused', '/unavailable']) await app.inject({ method: 'GET', url });
    expect(lines.map((l) => [l.msg, l.req.url, l.res.statusCode, l.level])).toEqual([
      ['request completed', '/ok', 200, 30],
      ['request completed', '/refused', 401, 30],
      ['request errored', '/unavailable', 503, 50],
    ]);
    await app.close();
  });

  it('at fatal, logs nothing', async () => {
    const { app, lines } = await serverLogging('fatal');
    await app.inject({ method: 'GET', url: '/unavailable' });
    expect(lines).toEqual([]);
    await app.close();
  });
});
