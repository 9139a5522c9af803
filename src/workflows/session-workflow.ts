/**
 * `agentSession`: one agent session as a Temporal workflow. The loop is deterministic; every side effect (model
 * calls, tools) is an activity. This file is wiring: message handlers, the loop, and Temporal visibility. The rules
 * live in {@link SessionState}.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  isCancellation,
  log,
  setHandler,
  upsertMemo,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureTypes } from '../shared/failure-types.js';
import {
  interruptSignal,
  raiseBudgetUpdate,
  resetContextSignal,
  sendMessageUpdate,
  stateQuery,
  transcriptQuery,
  userMessageSignal,
} from '../shared/messages.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { sessionInputSchema, type SessionInput } from '../shared/schemas/session-input.js';
import { checkClientArgument } from '../shared/schemas/client-argument.js';
import {
  interruptInputSchema,
  raiseBudgetInputSchema,
  resetContextInputSchema,
  stateQueryInputSchema,
  transcriptQueryInputSchema,
  userMessageInputSchema,
  type AssistantTurn,
  type SessionResult,
} from '../shared/schemas/session-messages.js';
import type { ContentBlock, ToolUseBlock } from '../shared/schemas/content.js';
import type { ToolSpec } from '../shared/schemas/model-call.js';
import { textOf } from '../shared/schemas/content.js';
import { refuseRaise } from './budget.js';
import { resetContextIfDue } from './context-reset.js';
import { snapshotAtTurnEnd } from './sandbox-snapshots.js';
import { buildModelRequest } from './model-request.js';
import { SessionModel } from './session-model.js';
import { claimForkSource } from './fork-claim.js';
import { parseCarry } from './parse-carry.js';
import { SessionHistory } from './session-history.js';
import { SessionState } from './session-state.js';
import { SessionTools } from './session-tools.js';
import { SessionVisibility } from './session-visibility.js';
import { sessionConfig } from './session-config.js';
import { leanSteps } from './lean-steps-patch.js';

function parseInput(raw: unknown): SessionInput {
  const parsed = sessionInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: FailureTypes.InvalidSessionInput,
      message: `invalid session input: ${describeIssues(parsed.error)}`,
      nonRetryable: true,
    });
  }
  return parsed.data;
}

/** The first line of the task, for the UI and the memo. */
function firstLine(input: SessionInput): string {
  const first = input.messages.find((message) => message.role === 'user');
  const text = first ? textOf(first.content) : '';
  const line = text.split('\n').find((candidate) => candidate.trim().length > 0) ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** Result blocks for tool calls that will not run (no such tool yet, or the turn was interrupted). */
function refusedToolResults(calls: ToolUseBlock[], why: (call: ToolUseBlock) => string): ContentBlock[] {
  return calls.map((call) => ({ type: 'tool_result', tool_use_id: call.id, content: why(call), is_error: true }));
}

/**
 * @param rawInput the `SessionInput` (README.md, "The public contract").
 * @param rawCarry set by Keel alone, when the session continues as new: the state it carries into this run.
 */
export async function agentSessionWorkflow(rawInput: unknown, rawCarry?: unknown): Promise<SessionResult> {
  const input = parseInput(rawInput);
  const { workflowId } = workflowInfo();
  const lean = leanSteps();
  const { resolveProfile, resolveTools } = sessionConfig(lean);

  const state = new SessionState(input);
  const history = new SessionHistory(state, input, parseCarry(rawCarry));

  const visibility = new SessionVisibility(state, input.profile, lean, input.metadata.tenant);
  const publish = (): void => visibility.publish();
  const setStatus = (status: SessionState['status']): void => {
    if (state.status === status) return;
    state.status = status;
    publish();
  };


  const sessionTools = new SessionTools({
    input,
    sessionId: workflowId,
    state,
    resolveTools,
    leanSteps: lean,
    onWaitingForApproval: (waiting) => setStatus(waiting ? 'waiting_for_approval' : 'running'),
  });
  sessionTools.registerHandlers();

  setHandler(stateQuery, (...args: unknown[]) => {
    // `state` takes no argument; one sent anyway is answered with a query error (a query never fails a task).
    const checked = checkClientArgument(stateQueryInputSchema, args[0], 'state query argument');
    if (!checked.ok) throw new Error(checked.reason);
    return { ...state.view(sessionTools.sandboxView()), pendingApprovals: sessionTools.approvals.pending() };
  });
  setHandler(transcriptQuery, (query) => {
    const checked = checkClientArgument(transcriptQueryInputSchema.nullish(), query, 'transcript query argument');
    if (!checked.ok) throw new Error(checked.reason);
    return history.transcriptPage(checked.value?.fromIndex ?? 0);
  });

  setHandler(userMessageSignal, (message) => {
    const checked = checkClientArgument(userMessageInputSchema, message, 'message');
    if (!checked.ok) {
      log.warn(`userMessage ignored: ${checked.reason}`);
      return;
    }
    if (state.isFinal) return;
    state.enqueue({ id: checked.value.id ?? uuid4(), content: checked.value.content });
  });

  setHandler(
    sendMessageUpdate,
    async (message): Promise<AssistantTurn> => {
      const id = message.id ?? uuid4();
      // A repeated id is not queued again: the caller waits for (or reads) the reply to the first one.
      state.enqueue({ id, content: message.content });
      // Non-cancellable: when the session is cancelled the caller still gets an answer (endedBy: cancelled).
      await CancellationScope.nonCancellable(() => condition(() => state.replies.has(id) || state.isFinal));
      const reply = state.replies.get(id);
      if (reply) return reply;
      return {
        messageId: id,
        turn: state.turn,
        text: state.finalText,
        content: [],
        stopReason: null,
        endedBy: state.status,
        usage: { ...state.usage },
      };
    },
    {
      validator: (message) => {
        const checked = checkClientArgument(userMessageInputSchema, message, 'message');
        if (!checked.ok) throw new Error(checked.reason);
        if (state.isFinal) throw new Error(`the session has ended (${state.status}); it takes no more messages`);
      },
    },
  );

  setHandler(interruptSignal, (request) => {
    const checked = checkClientArgument(interruptInputSchema.nullish(), request, 'interrupt');
    if (!checked.ok) {
      log.warn(`interrupt ignored: ${checked.reason}`);
      return;
    }
    if (state.status === 'running' || state.status === 'waiting_for_budget' || state.status === 'waiting_for_approval') {
      state.requestInterrupt(checked.value?.reason);
    }
  });

  setHandler(resetContextSignal, (request) => {
    const checked = checkClientArgument(resetContextInputSchema.nullish(), request, 'context reset');
    if (!checked.ok) {
      log.warn(`resetContext ignored: ${checked.reason}`);
      return;
    }
    // Made before the next model call, never during one.
    if (!state.isFinal) state.pendingContextReset = checked.value ?? {};
  });

  setHandler(
    raiseBudgetUpdate,
    (request) => {
      // The validator parsed the request already (validators do not run on replay; the recorded request passed it).
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

  // Handlers are in place before the first await, so queries and messages are served from the start. A run that
  // continued as new has its profile (and the rest of its state) back from the previous run.
  const carriedProfile = await history.restore();
  await claimForkSource(input, rawCarry === undefined || rawCarry === null);
  const profile =
    carriedProfile ??
    (await resolveProfile(input.profile).catch((error: unknown) => {
      if (isCancellation(error)) throw error;
      throw ApplicationFailure.create({
        type: FailureTypes.ConfigUnknownProfile,
        message: `cannot resolve profile "${input.profile}": ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}`,
        nonRetryable: true,
      });
    }));
  if (!carriedProfile) state.attachProfile(profile);
  // The tools are resolved again in each run (their definitions go into its history); the sandbox carries over.
  sessionTools.restoreCarried(history.extensions.tools);
  history.carryAlong('tools', () => sessionTools.carried());
  await sessionTools.resolve();
  const model = new SessionModel(profile, {
    resolveProfile,
    onFailover: (event) => {
      state.recordFailover(event, model.profile);
      publish();
    },
  });
  const task = input.messages.find((message) => message.role === 'user')?.content;
  upsertMemo({ profile: profile.name, model: profile.model, task: firstLine(input), metadata: input.metadata });
  publish();

  /** Ends the turn because of an interrupt: tool calls left unanswered get an error result. */
  const stopForInterrupt = (unansweredCalls: ToolUseBlock[]): void => {
    const reason = state.takeInterrupt();
    if (unansweredCalls.length > 0) {
      state.takeQueue(refusedToolResults(unansweredCalls, () => `not run: the user interrupted the turn (${reason})`));
    }
    state.addMarker('interrupted', reason);
    state.endTurn('interrupted');
  };

  /** Runs model turns until the model ends its turn, a limit is reached or the user interrupts. */
  const runTurn = async (): Promise<'ended' | 'interrupted' | 'limit'> => {
    for (;;) {
      if (state.interruptRequested !== undefined) {
        stopForInterrupt([]);
        return 'interrupted';
      }
      const limit = state.exceededLimitBeforeCall();
      if (limit) {
        state.limitReached = limit;
        return 'limit';
      }
      const softLimit = state.softLimitHit();
      if (softLimit) {
        state.budgetPause = softLimit;
        setStatus('waiting_for_budget');
        await condition(() => state.softLimitHit() === undefined || state.interruptRequested !== undefined);
        state.budgetPause = undefined;
        setStatus('running');
        continue;
      }
      // A safe point: the conversation ends with what the model must answer next.
      if (history.readyToContinueAsNew()) await history.tryContinueAsNew();
      const tools: ToolSpec[] = sessionTools.specs();
      await resetContextIfDue({ state, model, sessionId: workflowId, system: input.system, tools, task });
      const system = state.systemInContext ? input.system : undefined;
      // The stored context plus what is new, instead of the whole conversation (decided before the call, as failover
      // may build the request again for another profile).
      const context = await history.modelRequest(system);
      const response = await model.call(state.turn + 1, (active) =>
        history.withContext(
          buildModelRequest(active, { sessionId: workflowId, turn: state.turn + 1, system, messages: state.modelMessages(), tools }),
          context,
        ),
      );
      const toolCalls = state.recordModelResponse(response);
      history.recorded(response);
      publish();
      if (state.interruptRequested !== undefined) {
        stopForInterrupt(toolCalls);
        return 'interrupted';
      }
      if (toolCalls.length === 0) {
        // Messages that arrived during the turn are answered by another model call, not dropped.
        if (state.queue.length > 0) {
          state.takeQueue();
          continue;
        }
        state.endTurn();
        return 'ended';
      }
      state.takeQueue(await sessionTools.run(toolCalls));
      await snapshotAtTurnEnd(sessionTools.sandboxView(), workflowId, state.turn);
    }
  };

  try {
    for (;;) {
      if (state.queue.length > 0) state.takeQueue();
      if (state.awaitsModel()) {
        setStatus('running');
        const outcome = await runTurn();
        if (outcome === 'limit') {
          state.addMarker('limit-reached', state.limitReached);
          state.endTurn('limit_reached');
          setStatus('limit_reached');
          break;
        }
        if (outcome === 'ended' && input.mode === 'task' && state.queue.length === 0) {
          setStatus('completed');
          break;
        }
      }
      setStatus('waiting_for_input');
      const idleMs = state.limits.idleTimeoutSeconds !== undefined ? state.limits.idleTimeoutSeconds * 1000 : undefined;
      const hasInput = (): boolean => state.queue.length > 0;
      const wake = (): boolean => hasInput() || history.readyToContinueAsNew();
      const woke = idleMs === undefined ? (await condition(wake), true) : await condition(wake, idleMs);
      if (woke && !hasInput()) {
        await history.tryContinueAsNew();
        continue;
      }
      if (!woke) {
        state.limitReached = 'idleTimeoutSeconds';
        setStatus('limit_reached');
        break;
      }
    }
  } catch (error) {
    // Continuing as new is not an end: the next run goes on with the same sandbox.
    if (error instanceof ContinueAsNew) throw error;
    if (!isCancellation(error)) {
      await sessionTools.dispose();
      throw error;
    }
    await CancellationScope.nonCancellable(async () => {
      state.endTurn('cancelled');
      setStatus('cancelled');
    });
  }
  await sessionTools.dispose();
  // Let waiting `sendMessage` callers read their replies before the run closes (also after a cancellation,
  // when the root scope refuses new waits).
  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  return state.result();
}
