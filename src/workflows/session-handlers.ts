/**
 * The session's message handlers (CONTRACT.md, "Messages in" and "Messages out"): each checks its argument, as every
 * client argument is checked (`checkClientArgument`), and calls into the session's parts. A signal drops a bad
 * argument with a log line, an update's validator refuses it (nothing enters history), a query answers it with an
 * error. Set before the workflow's first await, so that messages are served from the start. Workflow code.
 */
import { CancellationScope, condition, log, setHandler, uuid4 } from '@temporalio/workflow';
import {
  budgetLeaseSignal,
  childReportSignal,
  decideToolCallUpdate,
  interruptSignal,
  raiseBudgetUpdate,
  resetContextSignal,
  sendMessageUpdate,
  stateQuery,
  transcriptQuery,
  userMessageSignal,
} from '../shared/messages.js';
import { checkClientArgument, type CheckedArgument } from '../shared/schemas/client-argument.js';
import {
  interruptInputSchema,
  raiseBudgetInputSchema,
  resetContextInputSchema,
  stateQueryInputSchema,
  transcriptQueryInputSchema,
  userMessageInputSchema,
  type AssistantTurn,
  type UserMessageInput,
} from '../shared/schemas/session-messages.js';
import { refuseRaise } from './budget.js';
import type { SessionState } from './session-state.js';
import type { SessionTools } from './session-tools.js';
import type { SubAgents } from './sub-agents.js';
import { sessionStateView } from './session-view.js';
import type { TranscriptArchive } from './transcript-archive.js';

/** The parts the handlers read and change. */
export interface SessionHandlerParts {
  state: SessionState;
  transcript: TranscriptArchive;
  tools: SessionTools;
  subAgents: SubAgents;
  /** Shows a change outside history (search attributes, current details). */
  publish(): void;
}

/** The one check of a user message, shared by the `userMessage` signal and the `sendMessage` update's validator. */
export function checkUserMessage(state: SessionState, raw: unknown): CheckedArgument<UserMessageInput> {
  const checked = checkClientArgument(userMessageInputSchema, raw, 'message');
  if (checked.ok && state.isFinal) return { ok: false, reason: `the session has ended (${state.status}); it takes no more messages` };
  return checked;
}

/** The reply a `sendMessage` caller gets: the turn that answered it, or, once the session has ended, how it ended. */
function replyTo(state: SessionState, messageId: string): AssistantTurn {
  return (
    state.replies.get(messageId) ?? {
      messageId,
      turn: state.turn,
      text: state.finalText,
      content: [],
      stopReason: null,
      endedBy: state.status,
      usage: { ...state.usage },
    }
  );
}

const interruptible: ReadonlySet<SessionState['status']> = new Set(['running', 'waiting_for_budget', 'waiting_for_approval']);

/** Sets every handler of the session. */
export function registerSessionHandlers({ state, transcript, tools, subAgents, publish }: SessionHandlerParts): void {
  setHandler(stateQuery, (...args: unknown[]) => {
    // `state` takes no argument; one sent anyway is answered with a query error (a query never fails a task).
    const checked = checkClientArgument(stateQueryInputSchema, args[0], 'state query argument');
    if (!checked.ok) throw new Error(checked.reason);
    return sessionStateView(state, { sandbox: tools.sandboxView(), pendingApprovals: tools.approvals.pending(), children: subAgents.view() });
  });

  setHandler(transcriptQuery, (query) => {
    const checked = checkClientArgument(transcriptQueryInputSchema.nullish(), query, 'transcript query argument');
    if (!checked.ok) throw new Error(checked.reason);
    return transcript.page(checked.value?.fromIndex ?? 0);
  });

  setHandler(userMessageSignal, (message) => {
    const checked = checkUserMessage(state, message);
    if (!checked.ok) return log.warn(`userMessage ignored: ${checked.reason}`);
    state.enqueue({ id: checked.value.id ?? uuid4(), content: checked.value.content });
  });

  setHandler(
    sendMessageUpdate,
    // The validator checked the message (validators do not run on replay; the recorded message passed it).
    async (message): Promise<AssistantTurn> => {
      const id = message.id ?? uuid4();
      // A repeated id is not queued again: the caller waits for (or reads) the reply to the first one.
      state.enqueue({ id, content: message.content });
      // Non-cancellable: when the session is cancelled the caller still gets an answer (endedBy: cancelled).
      await CancellationScope.nonCancellable(() => condition(() => state.replies.has(id) || state.isFinal));
      return replyTo(state, id);
    },
    {
      validator: (message) => {
        const checked = checkUserMessage(state, message);
        if (!checked.ok) throw new Error(checked.reason);
      },
    },
  );

  setHandler(interruptSignal, (request) => {
    const checked = checkClientArgument(interruptInputSchema.nullish(), request, 'interrupt');
    if (!checked.ok) return log.warn(`interrupt ignored: ${checked.reason}`);
    if (interruptible.has(state.status)) state.requestInterrupt(checked.value?.reason);
  });

  setHandler(resetContextSignal, (request) => {
    const checked = checkClientArgument(resetContextInputSchema.nullish(), request, 'context reset');
    if (!checked.ok) return log.warn(`resetContext ignored: ${checked.reason}`);
    // Made before the next model call, never during one.
    if (!state.isFinal) state.pendingContextReset = checked.value ?? {};
  });

  setHandler(
    raiseBudgetUpdate,
    (request) => {
      const raised = state.raiseBudget(request);
      publish();
      return raised;
    },
    {
      validator: (request) => {
        const checked = checkClientArgument(raiseBudgetInputSchema, request, 'budget');
        if (!checked.ok) throw new Error(checked.reason);
        if (state.isFinal) throw new Error(`the session has ended (${state.status}); its budget can no longer change`);
        const refused = refuseRaise(state.limits, checked.value);
        if (refused) throw new Error(refused);
      },
    },
  );

  setHandler(childReportSignal, (report) => subAgents.report(report));
  setHandler(budgetLeaseSignal, (answer) => subAgents.leaseAnswered(answer));

  setHandler(decideToolCallUpdate, (decision) => tools.approvals.decide(decision), {
    validator: (decision) => {
      const rejection = tools.approvals.rejectionOf(decision);
      if (rejection) throw new Error(rejection);
    },
  });
}
