import { HttpException } from '@nestjs/common';
import type { FieldError } from '@airis/contracts';

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: FieldError[] };
}

/**
 * The one error shape of the public API: `{error: {code, message, fields?}}` with the HTTP
 * status, and response headers such as Retry-After. Thrown only by controllers and guards.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super({ error: { code, message, ...(fields ? { fields } : {}) } } satisfies ApiErrorBody, status);
  }

  static badRequest(message: string, fields?: FieldError[]): ApiError {
    return new ApiError(400, 'validation_failed', message, fields);
  }

  static notFound(what: string): ApiError {
    return new ApiError(404, 'not_found', `${what} not found`);
  }
}
