/**
 * Context resets and compaction, made right before a model call so that none happens in the middle of a turn's
 * call. Workflow code: the rules are in `context-policy.ts`; this adds the summarising model call (an activity
 * with its own retries) and records the reset in the session state.
 */
import { ActivityFailure, isCancellation, log } from '@temporalio/workflow';
import { textOf, type MessageContent } from '../shared/schemas/content.js';
import type { ToolSpec } from '../shared/schemas/model-call.js';
import {
  keptTailStart,
  rebuildContext,
  resetNote,
  resetStrategyFor,
  resetWouldShrink,
  summaryConversation,
  summaryInstruction,
  summaryText,
  triggerCrossed,
} from './context-policy.js';
import { buildSummaryRequest } from './model-request.js';
import type { SessionModel } from './session-model.js';
import type { SessionState } from './session-state.js';

export interface ContextResetOptions {
  state: SessionState;
  model: SessionModel;
  sessionId: string;
  /** The session's system prompt. */
  system: string | undefined;
  /** The tools the next call offers (a summarising call over a conversation with tool calls must define them). */
  tools: ToolSpec[];
  /** The session's task: its first user message. */
  task: MessageContent | undefined;
}

function describeKept(keep: SessionModel['profile']['contextPolicy']['keep'], opening: 'summary' | 'note'): string {
  const kept = [
    ...(keep.system ? ['system prompt'] : []),
    ...(keep.task ? ['task'] : []),
    ...(keep.lastTurns > 0 ? [`last ${keep.lastTurns} turn(s)`] : []),
    ...(keep.summary ? [opening] : []),
  ];
  return kept.length > 0 ? kept.join(', ') : 'the pending message only';
}

/**
 * Resets the context when a `resetContext` signal asked for it or the active profile's policy is due, and returns
 * whether it did. An automatic reset that would drop nothing is skipped. A compaction whose summarising call fails
 * for good becomes a plain reset (the marker says so); cancellation is passed on.
 */
export async function resetContextIfDue(options: ContextResetOptions): Promise<boolean> {
  const { state, model } = options;
  const profile = model.profile;
  const policy = profile.contextPolicy;
  const requested = state.pendingContextReset;
  const messages = state.modelMessages();
  let why: string;
  if (requested) {
    state.pendingContextReset = undefined;
    why = `requested by resetContext${requested.reason ? `: ${requested.reason}` : ''}`;
  } else if (triggerCrossed(policy, profile.contextWindow, state.lastContextTokens) && resetWouldShrink(messages, policy.keep)) {
    why = `the last call read ${state.lastContextTokens} input tokens, past ${policy.triggerFraction} of the ${profile.contextWindow}-token window`;
  } else {
    return false;
  }

  const turn = state.turn + 1;
  const droppedMessages = keptTailStart(messages, policy.keep.lastTurns);
  let strategy = resetStrategyFor(policy, requested?.strategy);
  let opening = resetNote({ turn, droppedMessages });
  let openingKind: 'summary' | 'note' = 'note';
  let compactionProblem = '';
  if (strategy === 'compact' && policy.keep.summary) {
    try {
      const system = state.systemInContext ? options.system : undefined;
      const request = buildSummaryRequest(profile, {
        sessionId: options.sessionId,
        turn,
        ...(system !== undefined ? { system } : {}),
        messages: summaryConversation(messages, summaryInstruction(policy.keep, policy.summaryPrompt)),
        tools: options.tools,
      });
      const response = await model.summarize(turn, request);
      state.recordSpend('compaction', response.usage);
      const summary = textOf(response.content).trim();
      if (summary) {
        opening = summaryText(summary);
        openingKind = 'summary';
      } else {
        compactionProblem = 'the summary came back empty';
      }
    } catch (error) {
      if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
      compactionProblem = `the summarising call failed: ${error.cause?.message ?? error.message}`;
      log.warn('context compaction failed; resetting without a summary', { error: compactionProblem });
    }
    if (compactionProblem) strategy = 'reset';
  }

  const rebuilt = rebuildContext({ messages, task: options.task, keep: policy.keep, opening });
  const detail =
    `${strategy}${compactionProblem ? ` (compaction abandoned: ${compactionProblem})` : ''}, ${why}; ` +
    `${rebuilt.droppedMessages} message(s) dropped; kept: ${describeKept(policy.keep, openingKind)}`;
  state.applyContextReset(rebuilt.messages, { keepSystem: policy.keep.system, detail });
  return true;
}
