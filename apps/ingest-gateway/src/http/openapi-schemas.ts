import { LIMITS } from '@airis/contracts';
import type { ApiBodyOptions } from '@nestjs/swagger';

type SchemaObject = NonNullable<Extract<ApiBodyOptions, { schema?: unknown }>['schema']> & Record<string, unknown>;

/** OpenAPI schemas of the public bodies; the seed's shapes, with the limits the validators apply. */
export const METRIC_BATCH_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['source', 'metrics'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', maxLength: 128, description: 'Optional producer-chosen id; the CloudEvents id downstream.' },
    timestamp: {
      type: 'integer',
      minimum: 0,
      maximum: LIMITS.timestampMs,
      description: 'Unix timestamp in milliseconds; receipt time when absent.',
    },
    source: { type: 'string', minLength: 1, maxLength: 256, description: 'Source system identifier' },
    metrics: {
      type: 'array',
      minItems: 1,
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['name', 'value'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 256 },
          value: { type: 'number' },
          unit: { type: 'string', maxLength: 64 },
          tags: { type: 'object', maxProperties: 64, additionalProperties: { type: 'string', maxLength: 1024 } },
        },
      },
    },
  },
};

export const EVENT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['source', 'event_type'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', maxLength: 128 },
    timestamp: { type: 'integer', minimum: 0, maximum: LIMITS.timestampMs },
    event_type: { type: 'string', minLength: 1, maxLength: 256 },
    source: { type: 'string', minLength: 1, maxLength: 256 },
    severity: { type: 'string', enum: ['info', 'warning', 'error', 'critical'] },
    data: { type: 'object', additionalProperties: true },
  },
};

export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: {
          type: 'array',
          items: {
            type: 'object',
            properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    },
  },
};

export const INGEST_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['accepted', 'partial'] },
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    ids: {
      type: 'array',
      items: { type: 'string', nullable: true },
      description: 'CloudEvents id per item (null if rejected)',
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, fields: ERROR_SCHEMA.properties?.['error'] ?? {} },
      },
    },
  },
};

export const WEBHOOK_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name', 'url', 'events'],
  properties: {
    name: { type: 'string' },
    url: { type: 'string', format: 'uri' },
    events: { type: 'array', items: { type: 'string' } },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    secret: { type: 'string', description: 'Webhook signing secret (write-only; stored encrypted)' },
    enabled: { type: 'boolean' },
  },
};
