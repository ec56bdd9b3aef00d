import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;
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
 * context still propagates (useW3CPropagation).
 */
export function startTracing(options: { serviceName: string; otlpEndpoint?: string | undefined }): void {
  if (!options.otlpEndpoint) {
    useW3CPropagation();
    return;
  }
  if (sdk || propagationOnly) return;
  sdk = new NodeSDK({
    serviceName: options.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
    textMapPropagator: new W3CTraceContextPropagator(),
  });
  sdk.start();
}

export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
