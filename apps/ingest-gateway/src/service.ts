import { SERVICE_PORTS, ServiceEnv, loadConfig, processEnvironment } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayEnv } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { AuthGuard } from './auth/auth.guard';
import { IngestUseCase } from './ingest/ingest.usecase';
import { NDJSON } from './ingest/ingest.routes';
import { attachIngestServer, createIngestServer } from './ingest/ingest-server';
import { setupOpenApi } from './openapi';

/**
 * Body types of Nest's routes besides JSON (NDJSON text, protobuf bytes), and the ingest
 * endpoints on a Fastify instance of their own behind the same HTTP server (ingest-server.ts).
 */
export async function configureHttp(app: NestFastifyApplication, config: GatewayEnv): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // JSON as Fastify parses it (prototype-poisoning checks included), up to the ingest body limit.
  const json = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: config.INGEST_BODY_LIMIT_BYTES }, (request, body, done) => {
    // Fastify's default parser completes through `done`; its return value is not a promise to wait for.
    void json(request as Parameters<typeof json>[0], body.toString('utf8'), done);
  });
  fastify.addContentTypeParser(
    NDJSON,
    { parseAs: 'string', bodyLimit: config.INGEST_BODY_LIMIT_BYTES },
    (_req, body, done) => done(null, body),
  );
  fastify.addContentTypeParser(
    ['application/x-protobuf', 'application/protobuf'],
    { parseAs: 'buffer', bodyLimit: config.INGEST_BODY_LIMIT_BYTES },
    (_req, body, done) => done(null, body),
  );
  // The hot ingest endpoints: a plain Fastify instance without Nest's hooks and middleware.
  const ingest = await createIngestServer({
    auth: app.get(AuthGuard),
    ingest: app.get(IngestUseCase),
    retryAfterSeconds: config.INGEST_RETRY_AFTER_SECONDS,
    bodyLimit: config.INGEST_BODY_LIMIT_BYTES,
    service: 'ingest-gateway',
    logLevel: app.get(ServiceEnv).LOG_LEVEL,
  });
  attachIngestServer(app.getHttpServer(), ingest);
  fastify.addHook('onClose', async () => {
    await ingest.close();
  });
}

/** The public REST API: metric and event ingest, admin API, OTLP and Prometheus remote write. */
export function gatewayService(env: Record<string, string | undefined> = processEnvironment()): ServiceDefinition {
  const config = loadConfig(GatewayEnv, env);
  return {
    name: 'ingest-gateway',
    defaultPort: SERVICE_PORTS['ingest-gateway'],
    imports: [GatewayModule.forRoot(config)],
    bodyLimit: config.INGEST_BODY_LIMIT_BYTES,
    env,
    beforeListen: async (app) => {
      await configureHttp(app, config);
      await setupOpenApi(app);
    },
  };
}
