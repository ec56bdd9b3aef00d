import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import type { ContractClass } from './topics';

export interface FieldError {
  /** Dotted path with array indexes, e.g. `metrics[3].value`. Empty for the whole body. */
  field: string;
  /** Human-readable messages, one per failed constraint. */
  messages: string[];
}

export type ContractResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

function flatten(errors: ValidationError[], parent: string, out: FieldError[]): void {
  for (const error of errors) {
    const segment = /^\d+$/.test(error.property) ? `[${error.property}]` : error.property;
    const path = parent === '' ? segment : segment.startsWith('[') ? parent + segment : `${parent}.${segment}`;
    if (error.constraints) {
      const messages = Object.values(error.constraints).map((m) =>
        // class-validator says "property x should not exist" for unknown members; name the path.
        m.startsWith('property ') ? `unknown field ${path}` : m,
      );
      out.push({ field: path, messages });
    }
    if (error.children?.length) flatten(error.children, path, out);
  }
}

/**
 * Validates a parsed JSON value against a contract class. Unknown fields are errors (a typo must
 * not be silently dropped); members of free-form objects such as `data` are left as they are.
 */
export function validateContract<T extends object>(schema: ContractClass<T>, value: unknown): ContractResult<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [{ field: '', messages: ['body must be a JSON object'] }] };
  }
  const instance = plainToInstance(schema, value, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length === 0) return { ok: true, value: instance };
  const out: FieldError[] = [];
  flatten(errors, '', out);
  return { ok: false, errors: out };
}

/** One-line summary of field errors, for logs and DLQ headers. */
export function describeFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field || '(body)'}: ${e.messages.join('; ')}`).join(' | ');
}
