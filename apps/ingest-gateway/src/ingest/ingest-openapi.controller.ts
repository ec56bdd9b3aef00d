import { Controller, HttpCode, Module, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ERROR_SCHEMA, EVENT_SCHEMA, INGEST_RESPONSE_SCHEMA, METRIC_BATCH_SCHEMA } from '../http/openapi-schemas';
import { NDJSON } from './ingest.routes';

function errorResponses(): MethodDecorator {
  const all = [
    ApiResponse({
      status: 207,
      description: 'Batch partly accepted: valid items written, invalid ones listed by index',
      schema: INGEST_RESPONSE_SCHEMA,
    }),
    ApiResponse({ status: 400, description: 'Invalid request format (field-level errors)', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 401, description: 'Authentication required', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 403, description: 'The key lacks the ingest scope', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 413, description: 'Body above the size limit', schema: ERROR_SCHEMA }),
    ApiResponse({
      status: 415,
      description: 'Content type other than application/json or application/x-ndjson',
      schema: ERROR_SCHEMA,
    }),
    ApiResponse({ status: 422, description: 'Idempotency-Key reused with a different body', schema: ERROR_SCHEMA }),
    ApiResponse({ status: 429, description: 'Rate limit exceeded (Retry-After)', schema: ERROR_SCHEMA }),
    ApiResponse({
      status: 503,
      description: 'Kafka did not acknowledge in time; retry after Retry-After with the same Idempotency-Key',
      schema: ERROR_SCHEMA,
    }),
  ];
  return (target, key, descriptor) => {
    for (const d of all) d(target, key, descriptor);
  };
}

const NOT_ROUTED = 'documentation only: the route is served by ingest.routes.ts';

/**
 * The OpenAPI description of the seed's two ingest endpoints. They are served as plain Fastify
 * routes (`registerIngestRoutes`, the hot path without Nest's per-request chain); this
 * controller (named as before, so operation ids stay) only carries their Swagger decorators and lives in `IngestOpenApiModule`, which is
 * scanned for the document in a separate, never-initialised Nest application — so it is never
 * routed and each path has exactly one handler.
 */
@ApiTags('ingest')
@ApiBearerAuth()
@Controller('api/v1')
export class IngestController {
  @Post('metrics/ingest')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ingest metrics data',
    description:
      'One batch `{timestamp, source, metrics[]}`, an array of them, or NDJSON. 200 only once Kafka has acked (acks=all).',
  })
  @ApiConsumes('application/json', NDJSON)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Makes retries safe: same key and body → stored response, no second write',
  })
  @ApiBody({ schema: { oneOf: [METRIC_BATCH_SCHEMA, { type: 'array', items: METRIC_BATCH_SCHEMA }] } })
  @ApiResponse({ status: 200, description: 'Metrics ingested successfully', schema: INGEST_RESPONSE_SCHEMA })
  @errorResponses()
  metrics(): never {
    throw new Error(NOT_ROUTED);
  }

  @Post('events/ingest')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ingest event data',
    description: 'One event `{timestamp, event_type, source, severity, data}`, an array of them, or NDJSON.',
  })
  @ApiConsumes('application/json', NDJSON)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiBody({ schema: { oneOf: [EVENT_SCHEMA, { type: 'array', items: EVENT_SCHEMA }] } })
  @ApiResponse({ status: 200, description: 'Event ingested successfully', schema: INGEST_RESPONSE_SCHEMA })
  @errorResponses()
  events(): never {
    throw new Error(NOT_ROUTED);
  }
}

@Module({ controllers: [IngestController] })
export class IngestOpenApiModule {}
