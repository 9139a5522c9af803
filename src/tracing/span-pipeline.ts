/**
 * The export side of tracing: an OTLP/HTTP exporter behind a batching processor, a tracer of our own (not the
 * global one, so that a worker and a client in one process keep their service names), and the process-wide
 * context propagation the Temporal interceptors rely on. Worker and client side.
 */
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from './tracing-config.js';

export interface SpanPipeline {
  resource: Resource;
  spanProcessor: SpanProcessor;
  tracer: otel.Tracer;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let propagationInstalled = false;

/**
 * The Temporal interceptors carry trace context in headers through the global propagator, and find the active
 * span through the global context manager: install both once per process.
 */
export function installContextPropagation(): void {
  if (propagationInstalled) return;
  propagationInstalled = true;
  otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

export function createSpanPipeline(config: TracingConfig): SpanPipeline {
  installContextPropagation();
  const resource = new Resource({ 'service.name': config.serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }), { scheduledDelayMillis: 1_000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  return {
    resource,
    spanProcessor,
    tracer: provider.getTracer('keel'),
    shutdown: () => provider.shutdown(),
  };
}
