import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

let sdk: { start(): void; shutdown(): Promise<void> } | undefined;
let propagationOnly = false;

/**
 * W3C trace context in and out of every Kafka record, even with no exporter: a context manager
 * (so a handler runs "inside" the producer's trace) and the W3C propagator.
 */
export function useW3CPropagation(): void {
  if (propagationOnly || sdk) return;
  propagationOnly = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/**
 * With an OTLP endpoint, the OpenTelemetry SDK records and exports spans; without one, trace
 * context still propagates (useW3CPropagation). The SDK and its exporter are loaded only when
 * an endpoint is set: they hold ~11 MB of heap that a service without one would carry for nothing.
 */
export async function startTracing(options: { serviceName: string; otlpEndpoint?: string | undefined }): Promise<void> {
  if (!options.otlpEndpoint) {
    useW3CPropagation();
    return;
  }
  if (sdk || propagationOnly) return;
  const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  if (sdk || propagationOnly) return;
  const started = new NodeSDK({
    serviceName: options.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
    textMapPropagator: new W3CTraceContextPropagator(),
  });
  started.start();
  sdk = started;
}

export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
