import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { pinoOptions } from '@airis/observability';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino from 'pino';
import {
  INGEST_ROUTES,
  NDJSON,
  type IngestRouteDeps,
  type RequestWithText,
  registerIngestRoutes,
} from './ingest.routes';

export interface IngestServerOptions extends IngestRouteDeps {
  bodyLimit: number;
  service: string;
  logLevel: string;
}

/**
 * The hot ingest endpoints on a Fastify instance of their own (the same Fastify version as
 * Nest's), so that a request runs only what those routes need: none of the instance-wide
 * `onRequest`/`onResponse` hooks the Nest Fastify adapter adds, no `@fastify/middie` (Nest's
 * middleware engine, which runs pino-http for every request) and no Nest body-parser wrapper.
 * The instance never listens: `attachIngestServer` hands it the requests of the one HTTP server.
 */
export async function createIngestServer(options: IngestServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: options.bodyLimit, trustProxy: false, return503OnClosing: true });
  app.decorateRequest('bodyText', undefined);
  // JSON as Fastify parses it (prototype-poisoning checks included), keeping the text: a single
  // ingest body that needs no change is written to Kafka as posted, without re-serialising.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    (request as unknown as RequestWithText).bodyText = body as string;
    void json(request, body as string, done);
  });
  app.addContentTypeParser(NDJSON, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  registerIngestRoutes(app, options);
  accessLog(app, options);
  await app.ready();
  return app;
}

/**
 * The access log line pino-http writes for Nest's routes ("request completed", level info; 5xx
 * "request errored", level error), with the same logger options, only checked per request
 * against the level (no per-request child logger). Below info (the default `warn`), only 5xx are
 * logged, and only errors pay for it: their `onError` hook waits for the response to finish, so a
 * successful request runs no hook at all.
 */
export function accessLog(
  app: FastifyInstance,
  options: Pick<IngestServerOptions, 'service' | 'logLevel'>,
  destination?: pino.DestinationStream,
): void {
  const { level, base, redact } = pinoOptions({ service: options.service, logLevel: options.logLevel });
  const logger = destination ? pino({ level, base, redact }, destination) : pino({ level, base, redact });
  const log = (request: FastifyRequest, reply: FastifyReply): void => {
    const failed = reply.statusCode >= 500;
    const entry = {
      req: { id: request.id, method: request.method, url: request.url, headers: request.headers },
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime),
    };
    if (failed) logger.error(entry, 'request errored');
    else logger.info(entry, 'request completed');
  };
  if (logger.isLevelEnabled('info')) {
    app.addHook('onResponse', (request, reply, done) => {
      log(request, reply);
      done();
    });
  } else if (logger.isLevelEnabled('error')) {
    app.addHook('onError', (request, reply, _error, done) => {
      reply.raw.once('finish', () => {
        if (reply.statusCode >= 500) log(request, reply);
      });
      done();
    });
  }
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const INGEST_PATHS = new Set(INGEST_ROUTES.map((r) => r.url));

/**
 * One HTTP server, two routers: `POST` to an ingest path goes to the ingest instance, everything
 * else (admin API, OTLP, remote write, health, metrics, docs, and other methods on the ingest
 * paths) to Nest's Fastify instance, whose `request` listener this wraps.
 */
export function attachIngestServer(server: Server, ingest: FastifyInstance): void {
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1) throw new Error(`expected one request listener, found ${listeners.length}`);
  const nest = listeners[0] as RequestListener;
  server.removeListener('request', nest);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') {
      const url = req.url ?? '';
      const q = url.indexOf('?');
      if (INGEST_PATHS.has(q < 0 ? url : url.slice(0, q))) {
        ingest.routing(req, res);
        return;
      }
    }
    nest(req, res);
  });
}
