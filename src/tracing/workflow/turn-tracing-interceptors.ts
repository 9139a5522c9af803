/**
 * Workflow-bundle code, added only when tracing is on: the SDK's OpenTelemetry workflow interceptors, plus one
 * rule of Keel's so that each turn is one trace. A turn is started by a message (the `sendMessage` update or the
 * `userMessage` signal), whose span carries the client's trace; the activities the turn schedules (model calls,
 * tools) are parented to that message instead of to the workflow run, which for a chat session lasts days. The
 * first turn stays under the run, which the client's start began. Adds headers only; issues no command, so it
 * cannot change determinism. Imports only `@temporalio/workflow`, the SDK interceptors and `@opentelemetry/api`.
 */
import * as otel from '@opentelemetry/api';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type {
  ActivityInput,
  Next,
  SignalInput,
  UpdateInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The message names that start a turn: part of the public contract (CONTRACT.md). */
const TURN_SIGNAL = 'userMessage';
const TURN_UPDATE = 'sendMessage';

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

class TurnInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly turns: Turns) {}

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    // Runs inside the SDK's HandleSignal span: the active context is the message's.
    if (input.signalName === TURN_SIGNAL) this.turns.pending.push(otel.context.active());
    return next(input);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    if (input.name === TURN_UPDATE) this.turns.pending.push(otel.context.active());
    return next(input);
  }
}

class TurnOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly turns: Turns) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    // Placed before the SDK's outbound interceptor, so that its StartActivity span takes this parent.
    const context = this.turns.forNextActivity();
    return context ? otel.context.with(context, () => next(input)) : next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const turns = new Turns();
  return {
    inbound: [new OpenTelemetryInboundInterceptor(), new TurnInbound(turns)],
    outbound: [new TurnOutbound(turns), new OpenTelemetryOutboundInterceptor()],
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};
