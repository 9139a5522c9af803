/**
 * Workflow-bundle code, added only when tracing is on: spans for the workflow run, its `sendMessage` /
 * `userMessage` handlers and each activity it schedules, exported through the SDK's span sink, with each turn as
 * one trace. A turn is started by a message, whose span carries the client's trace; the activities the turn
 * schedules (model calls, tools) are parented to that message instead of to the workflow run, which for a chat
 * session lasts days. The first turn stays under the run, which the client's start began.
 *
 * Tick-neutral by design, so that turning tracing on or off never changes how a history replays: no interceptor
 * awaits, wraps a result in a new promise, or delays a command; each span ends on a reaction attached beside the
 * caller's. (The SDK's own OpenTelemetry interceptors add microtask yields for histories recorded without them,
 * which reorders a session's commands: a worker that turned them on mid-session could not replay its sessions.)
 * Imports only `@temporalio/workflow`, `@opentelemetry/*` and the SDK interceptors package's bundle-safe parts.
 */
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime.js';
import * as otel from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { extractContextFromHeaders, headersWithContext } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import { ContextManager } from '@temporalio/interceptors-opentelemetry/lib/workflow/context-manager.js';
import { SpanExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter.js';
import {
  ContinueAsNew,
  workflowInfo,
  type ActivityInput,
  type DisposeInput,
  type Next,
  type SignalInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The message names that start a turn: part of the public contract (README.md, "The public contract"). */
const TURN_SIGNAL = 'userMessage';
const TURN_UPDATE = 'sendMessage';

let tracer: otel.Tracer | undefined;
let contextManager: ContextManager | undefined;

/** The workflow's tracer: spans leave the sandbox through the `exporter` sink the worker registers. */
function getTracer(): otel.Tracer {
  if (!tracer) {
    contextManager = new ContextManager();
    const provider = new BasicTracerProvider();
    provider.addSpanProcessor(new SimpleSpanProcessor(new SpanExporter()));
    provider.register({ contextManager });
    tracer = provider.getTracer('keel-workflow');
  }
  return tracer;
}

/**
 * Runs `run` inside a new span and returns its promise unchanged; the span ends when it settles. A ContinueAsNew
 * is the run's normal end, not an error.
 */
function traced<T>(name: string, parent: otel.Context | undefined, attributes: otel.Attributes, run: () => Promise<T>): Promise<T> {
  const base = parent ?? otel.context.active();
  const span = getTracer().startSpan(name, { attributes }, base);
  const result = otel.context.with(otel.trace.setSpan(base, span), run);
  result.then(
    () => {
      span.setStatus({ code: otel.SpanStatusCode.OK });
      span.end();
    },
    (error: unknown) => {
      if (error instanceof ContinueAsNew) span.setStatus({ code: otel.SpanStatusCode.OK });
      else {
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        if (error instanceof Error) span.recordException(error);
      }
      span.end();
    },
  );
  return result;
}

/** Per-workflow state: contexts of messages not yet answered, and the context of the turn in progress. */
class Turns {
  pending: otel.Context[] = [];
  current: otel.Context | undefined;

  /** The context the next activity runs in: a message that arrived since the last activity starts a new turn. */
  forNextActivity(): otel.Context | undefined {
    if (this.pending.length > 0) {
      this.current = this.pending[0];
      this.pending = [];
    }
    return this.current;
  }
}

class TracingInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly turns: Turns) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { workflowType, workflowId, runId } = workflowInfo();
    return traced(`RunWorkflow:${workflowType}`, extractContextFromHeaders(input.headers), { temporalWorkflowId: workflowId, run_id: runId }, () => next(input));
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return traced(`HandleSignal:${input.signalName}`, extractContextFromHeaders(input.headers), {}, () => {
      if (input.signalName === TURN_SIGNAL) this.turns.pending.push(otel.context.active());
      return next(input);
    });
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return traced(`HandleUpdate:${input.name}`, extractContextFromHeaders(input.headers), { temporalUpdateId: input.updateId }, () => {
      if (input.name === TURN_UPDATE) this.turns.pending.push(otel.context.active());
      return next(input);
    });
  }
}

class TracingOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly turns: Turns) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return traced(`StartActivity:${input.activityType}`, this.turns.forNextActivity(), { temporalActivityType: input.activityType }, () =>
      next({ ...input, headers: headersWithContext(input.headers) }),
    );
  }
}

class TracingInternals implements WorkflowInternalsInterceptor {
  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    contextManager?.disable();
    next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  // Registers the propagator before any header is read.
  getTracer();
  const turns = new Turns();
  return {
    inbound: [new TracingInbound(turns)],
    outbound: [new TracingOutbound(turns)],
    internals: [new TracingInternals()],
  };
};
