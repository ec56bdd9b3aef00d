import { ValidateBy, type ValidationOptions, buildMessage } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

export const LIMITS = {
  name: 256,
  source: 256,
  tagKey: 128,
  tagValue: 1024,
  tagCount: 64,
  metricsPerBatch: 10_000,
  id: 128,
  /** The largest time a JavaScript Date can hold (ms); later timestamps cannot be rendered. */
  timestampMs: 8_640_000_000_000_000,
} as const;

function isStringRecord(value: unknown, maxEntries: number, maxKey: number, maxValue: number): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length > maxEntries) return false;
  return entries.every(([k, v]) => k.length > 0 && k.length <= maxKey && typeof v === 'string' && v.length <= maxValue);
}

/**
 * A flat `{string: string}` map (the seed's `tags: additionalProperties: string`), bounded so a
 * single producer cannot blow up label cardinality or message size.
 */
export function IsStringRecord(
  limits: { maxEntries?: number; maxKey?: number; maxValue?: number } = {},
  options?: ValidationOptions,
): PropertyDecorator {
  const maxEntries = limits.maxEntries ?? LIMITS.tagCount;
  const maxKey = limits.maxKey ?? LIMITS.tagKey;
  const maxValue = limits.maxValue ?? LIMITS.tagValue;
  const validate = ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (value: unknown) => isStringRecord(value, maxEntries, maxKey, maxValue),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be an object of at most ${maxEntries} string values (keys 1-${maxKey} chars, values up to ${maxValue} chars)`,
        ),
      },
    },
    options,
  );
  // propertyNames is draft-06+; the decorator's type only knows OpenAPI's subset.
  const schema = JSONSchema({
    type: 'object',
    maxProperties: maxEntries,
    additionalProperties: { type: 'string', maxLength: maxValue },
    ...{ propertyNames: { minLength: 1, maxLength: maxKey } },
  });
  return (target: object, key: string | symbol) => {
    validate(target, key);
    schema(target, key as string);
  };
}

/** A JSON object (not an array, not null) with arbitrary members. */
export function IsPlainObject(options?: ValidationOptions): PropertyDecorator {
  const validate = ValidateBy(
    {
      name: 'isPlainObject',
      validator: {
        validate: (value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value),
        defaultMessage: buildMessage((each) => `${each}$property must be a JSON object`),
      },
    },
    options,
  );
  const schema = JSONSchema({ type: 'object', additionalProperties: true });
  return (target: object, key: string | symbol) => {
    validate(target, key);
    schema(target, key as string);
  };
}
