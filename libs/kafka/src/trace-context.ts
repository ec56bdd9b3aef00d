import { type Context, ROOT_CONTEXT, context, propagation } from '@opentelemetry/api';
import { type KafkaHeaders, headerString } from '@airis/contracts';

/** W3C trace context of the active span as record headers (traceparent, tracestate). */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context a record was produced in, so handling it continues the same trace. */
export function contextFromHeaders(headers: KafkaHeaders | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, headers ?? {}, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => headerString(carrier, key),
  });
}
