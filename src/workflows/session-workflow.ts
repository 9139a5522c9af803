/**
 * `agentSession`: one agent session as a Temporal workflow. The loop is deterministic; every side effect (model
 * calls, tools) is an activity. This file is wiring and the loop: the rules live in {@link SessionState}, the
 * message handlers in session-handlers.ts, the activities' options in session-activities.ts, the patches in
 * patches.ts, and what a run carries into the next in session-continuation.ts.
 */
import { allHandlersFinished, CancellationScope, condition, ContinueAsNew, isCancellation, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { ContentBlock, ToolUseBlock } from '../shared/schemas/content.js';
import { textOf } from '../shared/schemas/content.js';
import type { SessionInput } from '../shared/schemas/session-input.js';
import type { SessionResult } from '../shared/schemas/session-messages.js';
import { resetContextIfDue } from './context-reset.js';
import { claimForkSource } from './fork-claim.js';
import { buildModelRequest } from './model-request.js';
import { isPatched } from './patches.js';
import { snapshotAtTurnEnd } from './sandbox-snapshots.js';
import { parseCarry, parseInput } from './session-arguments.js';
import { sessionConfig } from './session-config.js';
import { SessionContext } from './session-context.js';
import { SessionContinuation } from './session-continuation.js';
import { registerSessionHandlers } from './session-handlers.js';
import { SessionModel } from './session-model.js';
import { applyProfileSwitch, profileForRun, registerProfileSwitch } from './session-profile.js';
import { SessionState } from './session-state.js';
import { SessionTools } from './session-tools.js';
import { type FiguresRule, SessionVisibility } from './session-visibility.js';
import { SubAgents } from './sub-agents.js';
import { TranscriptArchive } from './transcript-archive.js';

/** The first line of the task, for the UI and the memo. */
function firstLine(input: SessionInput): string {
  const first = input.messages.find((message) => message.role === 'user');
  const text = first ? textOf(first.content) : '';
  const line = text.split('\n').find((candidate) => candidate.trim().length > 0) ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** Result blocks for tool calls that will not run (the turn was interrupted). */
function refusedToolResults(calls: ToolUseBlock[], why: string): ContentBlock[] {
  return calls.map((call) => ({ type: 'tool_result', tool_use_id: call.id, content: why, is_error: true }));
}

/**
 * @param rawInput the `SessionInput` (README.md, "The public contract").
 * @param rawCarry set by Keel alone, when the session continues as new: the state it carries into this run.
 */
export async function agentSessionWorkflow(rawInput: unknown, rawCarry?: unknown): Promise<SessionResult> {
  const input = parseInput(rawInput);
  const carry = parseCarry(rawCarry);
  const { workflowId } = workflowInfo();
  // Decided once, synchronously, before anything awaits (see patches.ts).
  const lean = isPatched('leanSteps');
  const config = sessionConfig(lean);
  const followProfile = carry !== undefined && isPatched('followProfile');
  const figuresRule: FiguresRule = !lean ? 'every-publish' : isPatched('figuresBySteps') ? 'steps' : 'interval';

  // A continued run's state is back before the handlers are set: messages that reached it first must find it.
  const state = new SessionState(input, carry?.state);
  const transcript = new TranscriptArchive(state, carry?.transcript);
  const context = new SessionContext(state);
  const visibility = new SessionVisibility(state, input.profile, figuresRule, input.metadata.tenant);
  const publish = (): void => visibility.publish();
  const setStatus = (status: SessionState['status']): void => {
    if (state.status === status) return;
    state.status = status;
    publish();
  };
  const subAgents = new SubAgents({ input, sessionId: workflowId, state, onChange: publish }, carry?.subAgents);
  const tools = new SessionTools(
    {
      input,
      sessionId: workflowId,
      state,
      resolveTools: config.resolveTools,
      leanSteps: lean,
      onWaitingForApproval: (waiting) => setStatus(waiting ? 'waiting_for_approval' : 'running'),
      subAgents,
      // `model` is set before any tool runs.
      callsLocally: () => model.profile.modelCall.local === true,
    },
    carry?.tools,
  );
  const continuation = new SessionContinuation({ state, transcript, context, tools, subAgents }, input, carry);
  registerSessionHandlers({ state, transcript, tools, subAgents, publish });
  registerProfileSwitch({ state, config });

  // A run that continued as new reads its transcript back and its profile again; a first run resolves it.
  await transcript.restore();
  context.fromCarry(carry?.context, input.system);
  await claimForkSource(input, carry === undefined);
  const profile = await profileForRun({ config, state, inputProfile: input.profile, continued: carry !== undefined, follow: followProfile });
  // The tools are resolved again in each run (their definitions go into its history); the sandbox carries over.
  await tools.resolve();
  const model = new SessionModel(profile, {
    resolveProfile: config.resolveProfile,
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
    if (unansweredCalls.length > 0) state.takeQueue(refusedToolResults(unansweredCalls, `not run: the user interrupted the turn (${reason})`));
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
      const softLimit = state.spend.softLimitHit(state.limits);
      if (softLimit) {
        state.spend.pause = softLimit;
        setStatus('waiting_for_budget');
        await condition(() => state.spend.softLimitHit(state.limits) === undefined || state.interruptRequested !== undefined);
        state.spend.pause = undefined;
        setStatus('running');
        continue;
      }
      // A safe point: the conversation ends with what the model must answer next.
      if (applyProfileSwitch(state, model)) publish();
      if (continuation.ready()) await continuation.tryContinueAsNew();
      // A sub-agent's call waits for the tree's budget lease (budget-leases.ts): the whole tree stops within one call.
      const lease = await subAgents.lease();
      if ('interrupted' in lease) continue;
      if (!lease.granted) {
        state.limitReached = lease.limit;
        return 'limit';
      }
      const specs = tools.specs();
      await resetContextIfDue({ state, model, sessionId: workflowId, system: input.system, tools: specs, task });
      const system = state.systemInContext ? input.system : undefined;
      // The stored context plus what is new, instead of the whole conversation (decided before the call, as failover
      // may build the request again for another profile).
      const fields = await context.request(system);
      // The turn before this call, for live subscribers, with local calls only: during an ordinary call a
      // subscriber's feed may query the transcript instead, and the default path's history stays as it was.
      const prelude = model.profile.modelCall.local === true ? state.prelude() : undefined;
      const response = await model.call(state.turn + 1, (active) => ({
        ...context.withContext(
          buildModelRequest(active, { sessionId: workflowId, turn: state.turn + 1, system, messages: state.modelMessages(), tools: specs }),
          fields,
        ),
        ...(prelude ? { prelude } : {}),
      }));
      const toolCalls = state.recordModelResponse(response);
      context.recorded(response);
      publish();
      // A sub-agent's spend counts against its parent's limits as it happens.
      await subAgents.reportToParent();
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
      state.takeQueue(await tools.run(toolCalls));
      await snapshotAtTurnEnd(tools.sandboxView(), workflowId, state.turn, model.profile.modelCall.local === true);
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
      const wake = (): boolean => hasInput() || continuation.ready();
      const woke = idleMs === undefined ? (await condition(wake), true) : await condition(wake, idleMs);
      if (woke && !hasInput()) {
        await continuation.tryContinueAsNew();
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
      await tools.dispose();
      throw error;
    }
    await CancellationScope.nonCancellable(async () => {
      state.endTurn('cancelled');
      setStatus('cancelled');
    });
  }
  await tools.dispose();
  // Let waiting `sendMessage` callers read their replies before the run closes (also after a cancellation,
  // when the root scope refuses new waits).
  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  return state.result();
}
