/**
 * Tracing for a Keel worker: spans for the workflow (run, updates, signals, each activity it schedules), for each
 * activity as it runs (model calls, tools), exported over OTLP. The workflow's spans leave the sandbox through a
 * sink and are exported by the worker, never during replay. Worker-side; opt-in (see tracing-config.ts).
 */
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadTracingConfig, type TracingConfig } from './tracing-config.js';
import { createSpanPipeline } from './span-pipeline.js';

const require = createRequire(import.meta.url);

/**
 * The workflow interceptor modules tracing adds to the bundle: the SDK's, then Keel's, which parents each turn's
 * activities to the message that started the turn. A prebuilt bundle must include them
 * (`bundleWorkflowCode({ workflowInterceptorModules })`).
 */
export const tracingWorkflowInterceptorModules: string[] = [fileURLToPath(new URL('./workflow/turn-tracing-interceptors.ts', import.meta.url))];

/** Kept for reference in docs and tests: the SDK module Keel's interceptors build on. */
export const sdkWorkflowInterceptorsModule = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

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
