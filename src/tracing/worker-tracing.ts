/**
 * Tracing for a Keel worker: spans for the workflow (run, updates, signals, each activity it schedules), for each
 * activity as it runs (model calls, tools), exported over OTLP. The workflow's spans leave the sandbox through a
 * sink and are exported by the worker, never during replay. Worker-side; opt-in (see tracing-config.ts).
 */
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import { siblingModulePath } from '../internal/sibling-module-path.js';
import { loadTracingConfig, type TracingConfig } from './tracing-config.js';
import { createSpanPipeline } from './span-pipeline.js';

/**
 * The workflow interceptor modules tracing adds to the bundle: Keel's tick-neutral tracing interceptors, which
 * also make each turn one trace. A prebuilt bundle must include them (`bundleWorkflowCode({
 * workflowInterceptorModules })`). Adding or removing them changes no command: histories replay either way.
 */
export const tracingWorkflowInterceptorModules: string[] = [siblingModulePath('./workflow/turn-tracing-interceptors', import.meta.url)];

export interface WorkerTracing {
  interceptors: WorkerInterceptors;
  sinks: InjectedSinks<Record<string, never>> & Record<string, unknown>;
  workflowInterceptorModules: string[];
  /** Exports buffered spans and stops. Call after the worker has stopped. */
  shutdown(): Promise<void>;
}

/** Worker tracing from a config, or from the environment; undefined when tracing is off. */
export function createWorkerTracing(source: NodeJS.ProcessEnv | TracingConfig, defaultServiceName = 'keel-worker'): WorkerTracing | undefined {
  const config = 'tracesUrl' in source ? (source as TracingConfig) : loadTracingConfig(source as NodeJS.ProcessEnv, defaultServiceName);
  if (!config) return undefined;
  const pipeline = createSpanPipeline(config);
  return {
    interceptors: {
      workflowModules: tracingWorkflowInterceptorModules,
      activity: [
        (context) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(context, { tracer: pipeline.tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(context),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(pipeline.spanProcessor, pipeline.resource) } as never,
    workflowInterceptorModules: tracingWorkflowInterceptorModules,
    shutdown: () => pipeline.shutdown(),
  };
}
