import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, type SchemaObject, SwaggerModule } from '@nestjs/swagger';

/*
 * JSON schemas of the health API's answers, for the OpenAPI document (the report shape is the
 * seed's, extended; README "API" explains each figure).
 */
const STATUS: SchemaObject = { type: 'string', enum: ['healthy', 'degraded', 'down', 'unknown'] };
const nullableNumber: SchemaObject = { type: 'number', nullable: true };

const WINDOW: SchemaObject = {
  type: 'object',
  required: ['checks', 'error_rate', 'availability', 'latency_p50_ms', 'latency_p95_ms', 'items', 'throughput_per_min'],
  properties: {
    checks: { type: 'integer', description: 'Reports received in the window.' },
    error_rate: { ...nullableNumber, description: 'Share of reports that said down.' },
    availability: { ...nullableNumber, description: 'Share of observed time not down, from the status history.' },
    latency_p50_ms: nullableNumber,
    latency_p95_ms: nullableNumber,
    items: { ...nullableNumber, description: 'Sum of the reports’ items.' },
    throughput_per_min: { ...nullableNumber, description: 'Items per minute.' },
  },
};

export const COMPONENT_ENTRY: SchemaObject = {
  type: 'object',
  required: ['status', 'message', 'kind', 'since', 'instances', 'latency_ms', 'windows'],
  properties: {
    status: STATUS,
    message: { type: 'string', description: 'Reason for the status; OK or the latest message when healthy.' },
    kind: { type: 'string', enum: ['service', 'integration'] },
    since: { type: 'integer', description: 'When the current status began (ms).' },
    last_report: { type: 'integer', nullable: true },
    last_success: { type: 'integer', nullable: true },
    instances: {
      type: 'object',
      properties: { total: { type: 'integer' }, healthy: { type: 'integer' } },
    },
    latency_ms: { type: 'object', properties: { p50: nullableNumber, p95: nullableNumber } },
    windows: { type: 'object', properties: { '1h': WINDOW, '24h': WINDOW } },
    consumer_lag: {
      type: 'object',
      description: 'Services only: lag of the service’s consumer group.',
      properties: {
        group: { type: 'string' },
        total: { type: 'integer' },
        by_topic: { type: 'object', additionalProperties: { type: 'integer' } },
        at: { type: 'integer' },
      },
    },
  },
};

export const HEALTH_REPORT: SchemaObject = {
  type: 'object',
  required: ['timestamp', 'overall_status', 'summary', 'integrations'],
  properties: {
    timestamp: { type: 'integer', description: 'When the report was made (ms).' },
    overall_status: {
      type: 'string',
      enum: ['healthy', 'degraded', 'down'],
      description:
        'healthy when nothing is degraded or down (unknown does not count); down when every component with a known status is down; degraded otherwise.',
    },
    summary: {
      type: 'object',
      properties: Object.fromEntries(
        ['healthy', 'degraded', 'down', 'unknown', 'total'].map((k) => [k, { type: 'integer' }]),
      ),
    },
    integrations: { type: 'object', additionalProperties: COMPONENT_ENTRY },
  },
};

const SERIES: SchemaObject = {
  type: 'object',
  properties: {
    t: { type: 'array', items: { type: 'integer' }, description: 'Bucket starts, seconds.' },
    latency_p95_ms: { type: 'array', items: nullableNumber },
    error_rate: { type: 'array', items: nullableNumber },
  },
};

export const COMPONENT_DETAIL: SchemaObject = {
  allOf: [
    COMPONENT_ENTRY,
    {
      type: 'object',
      properties: {
        name: { type: 'string' },
        timestamp: { type: 'integer' },
        instance_list: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              instance: { type: 'string' },
              status: STATUS,
              reported_status: STATUS,
              message: { type: 'string', nullable: true },
              last_seen: { type: 'integer' },
              interval_ms: { type: 'integer' },
              last_success: { type: 'integer', nullable: true },
            },
          },
        },
        history: {
          type: 'object',
          properties: {
            transitions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  from: STATUS,
                  to: STATUS,
                  reason: { type: 'string', nullable: true },
                  at: { type: 'integer' },
                },
              },
            },
            series_1h: SERIES,
            series_24h: SERIES,
          },
        },
      },
    },
  ],
};

export const API_ERROR: SchemaObject = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** The OpenAPI 3 document of the health monitor's API. */
export function buildHealthOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AIRIS-MON health monitor')
    .setDescription('Health of every service and integration of the hub: report, per-component history, live stream.')
    .setVersion('1.0.0')
    .build();
  return SwaggerModule.createDocument(app, config);
}
