import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { IngestOpenApiModule } from './ingest/ingest-openapi.controller';

function documentConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('AIRIS-MON API')
    .setDescription(
      'Public REST API of the AIRIS-MON ingest gateway: metric and event ingest (the integration API of the seed), OTLP/HTTP metrics, Prometheus remote write, and the admin API over configuration resources.',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key: airis_<id>_<secret>' })
    .build();
}

/**
 * The OpenAPI 3 document of the gateway (served at /api/docs, committed as docs/openapi.json).
 * The ingest endpoints are plain Fastify routes; their description comes from the
 * documentation-only controller, scanned in a Nest application of its own that is never
 * initialised (so never routed), and is merged in front of the Nest-served paths.
 */
export async function buildOpenApi(app: NestFastifyApplication): Promise<OpenAPIObject> {
  const config = documentConfig();
  const docsApp = await NestFactory.create<NestFastifyApplication>(IngestOpenApiModule, new FastifyAdapter(), {
    logger: false,
  });
  try {
    const ingest = SwaggerModule.createDocument(docsApp, config);
    const rest = SwaggerModule.createDocument(app, config);
    return {
      ...rest,
      paths: { ...ingest.paths, ...rest.paths },
      components: {
        ...rest.components,
        schemas: { ...ingest.components?.schemas, ...rest.components?.schemas },
      },
    };
  } finally {
    await docsApp.close();
    // `logger: false` above replaces Nest's process-wide logger: give the service its own back.
    app.useLogger(app.get(Logger));
  }
}

export async function setupOpenApi(app: NestFastifyApplication): Promise<void> {
  const document = await buildOpenApi(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
}
