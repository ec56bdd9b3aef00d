import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuthGuard, principalOf } from '../auth/auth.guard';
import { ApiError } from '../http/api-error';
import { toErrorResponse } from '../http/api-exception.filter';
import { IdempotencyStore } from './idempotency.store';
import {
  type IngestCommand,
  type IngestKind,
  type IngestOutcome,
  type IngestUseCase,
  IngestValidationError,
  ParseFailure,
  isKafkaUnavailable,
} from './ingest.usecase';

export const NDJSON = 'application/x-ndjson';

/** The JSON body as received, kept by the ingest server's JSON parser: written to Kafka as is when unchanged. */
export type RequestWithText = { bodyText?: string };
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export const INGEST_ROUTES: readonly { url: string; kind: IngestKind }[] = [
  { url: '/api/v1/metrics/ingest', kind: 'metrics' },
  { url: '/api/v1/events/ingest', kind: 'events' },
];

export interface IngestRouteDeps {
  auth: AuthGuard;
  ingest: IngestUseCase;
  retryAfterSeconds: number;
}

/**
 * The two hot ingest endpoints as plain Fastify routes on the application's Fastify instance —
 * not Nest controllers — so a request costs what it costs on bare Fastify: no Nest router
 * proxy, guard/interceptor/pipe chain or exception-zone per request. Same behaviour as the
 * Nest routes: the AuthGuard's check (401/403/429 + audit; here in the route's onRequest hook,
 * before the body is read), the ApiError shape for every error
 * (including Fastify's own 413/415/400 from body parsing, via the route's error handler). The
 * OpenAPI document describes them through the documentation-only `IngestController` (ingest-openapi.controller.ts).
 */
export function registerIngestRoutes(fastify: FastifyInstance, deps: IngestRouteDeps): void {
  const errorHandler = (error: unknown, _request: FastifyRequest, reply: FastifyReply): void => {
    // Fastify refuses other content types before reading the body; same answer as the handler's.
    const { status, body, headers } = toErrorResponse(
      (error as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? unsupportedMediaType() : error,
    );
    void reply.status(status).headers(headers).send(body);
  };
  // Key, scope and rate are checked on the headers, before Fastify reads the body: a client
  // without a valid key cannot make the gateway read (and parse) up to the body limit.
  // Synchronous for a known key with tokens left (no promise per request).
  const onRequest = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    let verdict: ReturnType<AuthGuard['authorize']>;
    try {
      verdict = deps.auth.authorize(request, 'ingest');
    } catch (error) {
      done(error as Error);
      return;
    }
    if (verdict instanceof Promise) verdict.then(() => done(), done);
    else done();
  };
  for (const { url, kind } of INGEST_ROUTES) {
    fastify.route({
      method: 'POST',
      url,
      errorHandler,
      onRequest,
      // One async frame per request: the command is built synchronously, errors mapped in the catch.
      handler: async (request, reply) => {
        const command = ingestCommand(kind, principalOf(request).keyId, request);
        let outcome: IngestOutcome;
        try {
          outcome = await deps.ingest.ingest(command);
        } catch (error) {
          throw apiErrorOf(error, deps.retryAfterSeconds);
        }
        if (outcome.type === 'conflict') {
          throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different body');
        }
        if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
        // Returned, not sent: Fastify sends it as it does a bare route's return value.
        void reply.status(outcome.response.status);
        return outcome.response.body;
      },
    });
  }
}

function unsupportedMediaType(): ApiError {
  return new ApiError(415, 'unsupported_media_type', `use application/json or ${NDJSON}`);
}

/** The request as an ingest command (400/415 as an ApiError). */
function ingestCommand(kind: IngestKind, keyId: string, request: FastifyRequest): IngestCommand {
  const header = request.headers['content-type'];
  const contentType = header === 'application/json' ? header : (header ?? '').split(';')[0]?.trim().toLowerCase();
  let command: IngestCommand;
  let ndjsonText: string | undefined;
  if (contentType === 'application/json') {
    const body = request.body;
    const batch = Array.isArray(body);
    const items = batch ? (body as unknown[]) : [body];
    if (items.length === 0)
      throw ApiError.badRequest('the batch is empty', [{ field: '', messages: ['array must not be empty'] }]);
    command = { kind, keyId, items, batch, requestHash: '' };
    if (!batch) command.raw = [(request as FastifyRequest & RequestWithText).bodyText];
  } else if (contentType === NDJSON) {
    ndjsonText = typeof request.body === 'string' ? request.body : '';
    const lines: string[] = [];
    const items = parseNdjson(ndjsonText, lines);
    if (items.length === 0)
      throw ApiError.badRequest('the batch is empty', [{ field: '', messages: ['no NDJSON line'] }]);
    command = { kind, keyId, items, batch: true, raw: lines, requestHash: '' };
  } else {
    throw unsupportedMediaType();
  }
  const idempotencyKey = headerValue(request.headers['idempotency-key']);
  if (idempotencyKey !== undefined) {
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw ApiError.badRequest('invalid Idempotency-Key', [
        { field: 'Idempotency-Key', messages: ['must be 1-255 visible ASCII characters'] },
      ]);
    }
    command.idempotencyKey = idempotencyKey;
    // Only retries need the body's hash: requests without a key skip re-serialising the body.
    command.requestHash = IdempotencyStore.requestHash(kind, ndjsonText ?? JSON.stringify(request.body));
  }
  return command;
}

/** A failed ingest as the API's answer: 400 for validation, 503 when Kafka did not ack. */
function apiErrorOf(error: unknown, retryAfterSeconds: number): unknown {
  if (error instanceof IngestValidationError) {
    if (!error.batch) return ApiError.badRequest('invalid request body', error.errors[0]?.fields ?? []);
    return new ApiError(
      400,
      'validation_failed',
      'no valid item in the batch',
      error.errors.flatMap((e) =>
        e.fields.map((f) => ({ ...f, field: `[${e.index}]${f.field ? `.${f.field}` : ''}` })),
      ),
    );
  }
  if (isKafkaUnavailable(error)) {
    return new ApiError(
      503,
      'kafka_unavailable',
      'the event store did not acknowledge the write in time; retry with the same Idempotency-Key',
      undefined,
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
  return error;
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
