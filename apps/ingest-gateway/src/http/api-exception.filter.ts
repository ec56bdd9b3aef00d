import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { AppError } from '@airis/resilience';
import type { FastifyReply } from 'fastify';
import { ApiError } from './api-error';

interface StatusError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const logger = new Logger('http');

/** Maps anything thrown at the HTTP edge to `{error: {code, message, fields?}}`; never a stack trace. */
export function toErrorResponse(error: unknown): { status: number; body: unknown; headers: Record<string, string> } {
  if (error instanceof ApiError)
    return { status: error.getStatus(), body: error.getResponse(), headers: error.headers };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { status, body: { error: { code: codeOf(status), message: error.message } }, headers: {} };
  }
  if (error instanceof AppError && error.code === 'config_conflict') {
    return { status: 409, body: { error: { code: 'conflict', message: error.message } }, headers: {} };
  }
  const e = error as StatusError;
  // Errors of Fastify's own request pipeline (body limit, content type, JSON syntax).
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code =
      e.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'payload_too_large'
        : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'unsupported_media_type'
          : e.statusCode === 400
            ? 'malformed_body'
            : codeOf(e.statusCode);
    return { status: e.statusCode, body: { error: { code, message: e.message ?? 'bad request' } }, headers: {} };
  }
  logger.error(`unhandled error: ${(error as Error)?.stack ?? String(error)}`);
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, headers: {} };
}

function codeOf(status: number): string {
  switch (status) {
    case 400:
      return 'malformed_body';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return status >= 500 ? 'unavailable' : 'error';
  }
}

/** Also receives Fastify's own errors (body limit, content type, JSON syntax): Nest routes them here. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = toErrorResponse(error);
    void reply.status(status).headers(headers).send(body);
  }
}
