import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI 3 document of the gateway (served at /api/docs, committed as docs/openapi.json). */
export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AIRIS-MON API')
    .setDescription(
      'Public REST API of the AIRIS-MON ingest gateway: metric and event ingest (the integration API of the seed), OTLP/HTTP metrics, Prometheus remote write, and the admin API over configuration resources.',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key: airis_<id>_<secret>' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('api/docs', app, () => buildOpenApi(app), { jsonDocumentUrl: 'api/docs/openapi.json' });
}
