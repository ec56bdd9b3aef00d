import { SERVICE_PORTS, loadConfig, processEnvironment } from '@airis/config';
import type { ServiceDefinition } from '@airis/service';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayEnv } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { fastifyErrorHandler } from './http/api-exception.filter';
import { NDJSON } from './ingest/ingest.controller';
import { setupOpenApi } from './openapi';

/** Registers the body types of the ingest routes besides JSON: NDJSON text and protobuf bytes. */
export function configureHttp(app: NestFastifyApplication, config: GatewayEnv): void {
  const fastify = app.getHttpAdapter().getInstance();
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
  // Nest installs a default handler first; ours maps Fastify's own errors to the API's error shape.
  fastify.setErrorHandler(fastifyErrorHandler);
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
    beforeListen: (app) => {
      configureHttp(app, config);
      setupOpenApi(app);
    },
  };
}
