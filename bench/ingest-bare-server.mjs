// B2 baseline: a bare Fastify server (the same Fastify the gateway runs on) with the same JSON
// body parsing and the same shape of response as the gateway's ingest endpoint.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 5 * 1024 * 1024 });
app.post('/api/v1/metrics/ingest', async (request, reply) => {
  const body = request.body;
  if (!body || typeof body !== 'object' || !Array.isArray(body.metrics)) return reply.code(400).send({ error: 'bad' });
  return { status: 'accepted', accepted: 1, rejected: 0, ids: [randomUUID()] };
});
await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.send?.({ port: app.server.address().port });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
