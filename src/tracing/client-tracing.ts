/**
 * Tracing for Keel's clients (the CLI, SessionClient users): a span per start, update, signal and query, whose
 * context travels to the workflow in the Temporal headers. Client-side; opt-in (see tracing-config.ts).
 */
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { loadTracingConfig, type TracingConfig } from './tracing-config.js';
import { createSpanPipeline } from './span-pipeline.js';

export interface ClientTracing {
  workflowClientInterceptors: OpenTelemetryWorkflowClientInterceptor[];
  /** Exports buffered spans; call before the process exits. */
  shutdown(): Promise<void>;
}

/** Client tracing from a config, or from the environment; undefined when tracing is off. */
export function createClientTracing(source: NodeJS.ProcessEnv | TracingConfig, defaultServiceName = 'keel-client'): ClientTracing | undefined {
  const config = 'tracesUrl' in source ? (source as TracingConfig) : loadTracingConfig(source as NodeJS.ProcessEnv, defaultServiceName);
  if (!config) return undefined;
  const pipeline = createSpanPipeline(config);
  return {
    workflowClientInterceptors: [new OpenTelemetryWorkflowClientInterceptor({ tracer: pipeline.tracer })],
    shutdown: () => pipeline.shutdown(),
  };
}
