import { context, trace } from '@opentelemetry/api';
import { useW3CPropagation } from '@airis/observability';
import { contextFromHeaders, traceHeaders } from './trace-context';

describe('W3C trace context in record headers', () => {
  beforeAll(() => useW3CPropagation());

  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('extracts the producer context from Buffer headers and injects it back unchanged', () => {
    const ctx = contextFromHeaders({ traceparent: Buffer.from(traceparent), tracestate: Buffer.from('vendor=1') });
    expect(trace.getSpanContext(ctx)?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceHeaders(ctx)).toEqual({ traceparent, tracestate: 'vendor=1' });
  });

  it('adds nothing when there is no trace', () => {
    expect(traceHeaders(context.active())).toEqual({});
    expect(trace.getSpanContext(contextFromHeaders(undefined))).toBeUndefined();
  });
});
