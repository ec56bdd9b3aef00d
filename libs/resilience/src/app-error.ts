/**
 * Errors carry a stable string code and a class; the class alone decides what happens next:
 * TRANSIENT is retried with backoff, PERMANENT goes to the dead-letter topic (DESIGN.md §7).
 */
export type ErrorClass = 'TRANSIENT' | 'PERMANENT';

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly errorClass: ErrorClass,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  static transient(code: string, message: string, cause?: unknown): AppError {
    return new AppError(code, 'TRANSIENT', message, { cause });
  }

  static permanent(code: string, message: string, cause?: unknown): AppError {
    return new AppError(code, 'PERMANENT', message, { cause });
  }
}

/** Error names of drivers whose failures mean "try again later" (connection-level trouble). */
const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoWriteConcernError',
  'KafkaJSConnectionError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  // @airis/kafka's producer thread crashed and is being restarted.
  'ProducerThreadDown',
]);
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

export interface Classified {
  code: string;
  errorClass: ErrorClass;
  message: string;
  /**
   * false when the class is a guess (an error we do not recognise). Callers retry a guess only a
   * bounded number of times: a recognised outage is worth waiting out, an unknown bug is not.
   */
  certain: boolean;
}

/** Classifies any thrown value; unknown errors are a TRANSIENT guess. */
export function classifyError(error: unknown): Classified {
  if (error instanceof AppError) {
    return { code: error.code, errorClass: error.errorClass, message: error.message, certain: true };
  }
  if (error instanceof Error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (TRANSIENT_NAMES.has(error.name) || (typeof errno === 'string' && TRANSIENT_CODES.has(errno))) {
      const code = typeof errno === 'string' ? errno : error.name;
      return { code, errorClass: 'TRANSIENT', message: error.message, certain: true };
    }
    if ((error as { retriable?: unknown }).retriable === false) {
      return { code: error.name, errorClass: 'PERMANENT', message: error.message, certain: true };
    }
    return { code: error.name || 'Error', errorClass: 'TRANSIENT', message: error.message, certain: false };
  }
  return { code: 'UNKNOWN', errorClass: 'TRANSIENT', message: String(error), certain: false };
}
