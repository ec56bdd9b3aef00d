import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthGuard, RequireScope, principalOf } from '../auth/auth.guard';
import { ApiError } from '../http/api-error';
import { ERROR_SCHEMA, EVENT_SCHEMA, INGEST_RESPONSE_SCHEMA, METRIC_BATCH_SCHEMA } from '../http/openapi-schemas';
import { IdempotencyStore } from './idempotency.store';
import {
  type IngestKind,
  IngestUseCase,
  IngestValidationError,
  ParseFailure,
  isKafkaUnavailable,
} from './ingest.usecase';
import { GatewayRuntime } from '../gateway-runtime';

export const NDJSON = 'application/x-ndjson';

/** The JSON body's text, kept by the gateway's JSON parser (service.ts). */
export type RequestWithText = { bodyText?: string };
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

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

/** The seed's two ingest endpoints; single bodies, JSON arrays and NDJSON batches. */
@ApiTags('ingest')
@ApiBearerAuth()
@Controller('api/v1')
@UseGuards(AuthGuard)
export class IngestController {
  constructor(
    private readonly ingest: IngestUseCase,
    private readonly runtime: GatewayRuntime,
  ) {}

  @Post('metrics/ingest')
  @HttpCode(200)
  @RequireScope('ingest')
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
  metrics(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    return this.handle('metrics', request, reply);
  }

  @Post('events/ingest')
  @HttpCode(200)
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Ingest event data',
    description: 'One event `{timestamp, event_type, source, severity, data}`, an array of them, or NDJSON.',
  })
  @ApiConsumes('application/json', NDJSON)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiBody({ schema: { oneOf: [EVENT_SCHEMA, { type: 'array', items: EVENT_SCHEMA }] } })
  @ApiResponse({ status: 200, description: 'Event ingested successfully', schema: INGEST_RESPONSE_SCHEMA })
  @errorResponses()
  events(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    return this.handle('events', request, reply);
  }

  private async handle(kind: IngestKind, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const principal = principalOf(request);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    let items: unknown[];
    let batch: boolean;
    let hashInput: () => string;
    let raw: (string | undefined)[] | undefined;
    if (contentType === 'application/json') {
      const body = request.body;
      batch = Array.isArray(body);
      items = batch ? (body as unknown[]) : [body];
      if (!batch) raw = [(request as FastifyRequest & RequestWithText).bodyText];
      if (items.length === 0)
        throw ApiError.badRequest('the batch is empty', [{ field: '', messages: ['array must not be empty'] }]);
      hashInput = () => JSON.stringify(body);
    } else if (contentType === NDJSON) {
      const text = typeof request.body === 'string' ? request.body : '';
      batch = true;
      const lines: string[] = [];
      items = parseNdjson(text, lines);
      raw = lines;
      if (items.length === 0)
        throw ApiError.badRequest('the batch is empty', [{ field: '', messages: ['no NDJSON line'] }]);
      hashInput = () => text;
    } else {
      throw new ApiError(415, 'unsupported_media_type', `use application/json or ${NDJSON}`);
    }
    const idempotencyKey = headerValue(request.headers['idempotency-key']);
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw ApiError.badRequest('invalid Idempotency-Key', [
        { field: 'Idempotency-Key', messages: ['must be 1-255 visible ASCII characters'] },
      ]);
    }
    try {
      const outcome = await this.ingest.ingest({
        kind,
        keyId: principal.keyId,
        items,
        ...(raw ? { raw } : {}),
        batch,
        ...(idempotencyKey ? { idempotencyKey } : {}),
        // Only retries need the body's hash: skip re-serialising thousands of metrics otherwise.
        requestHash: idempotencyKey ? IdempotencyStore.requestHash(kind, hashInput()) : '',
      });
      if (outcome.type === 'conflict') {
        throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different body');
      }
      if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
      void reply.status(outcome.response.status);
      return outcome.response.body;
    } catch (error) {
      if (error instanceof IngestValidationError) {
        if (!error.batch) throw ApiError.badRequest('invalid request body', error.errors[0]?.fields ?? []);
        throw new ApiError(
          400,
          'validation_failed',
          'no valid item in the batch',
          error.errors.flatMap((e) =>
            e.fields.map((f) => ({ ...f, field: `[${e.index}]${f.field ? `.${f.field}` : ''}` })),
          ),
        );
      }
      if (isKafkaUnavailable(error)) {
        throw new ApiError(
          503,
          'kafka_unavailable',
          'the event store did not acknowledge the write in time; retry with the same Idempotency-Key',
          undefined,
          {
            'retry-after': String(this.runtime.retryAfterSeconds),
          },
        );
      }
      throw error;
    }
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** NDJSON lines → items; a bad line becomes a ParseFailure at its index (blank lines are skipped). */
export function parseNdjson(text: string, lines?: string[]): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    lines?.push(trimmed);
    try {
      out.push(JSON.parse(trimmed));
    } catch (error) {
      out.push(new ParseFailure(`line is not JSON: ${(error as Error).message}`));
    }
  }
  return out;
}
