/**
 * The rules for one model turn's tool calls: which run, which wait for approval, which are refused, and the
 * `tool_result` block each one gets. Pure and deterministic; src/workflows/session-tools.ts does the waiting and
 * runs the activities.
 */
import type { ContentBlock, ToolUseBlock } from '../shared/schemas/content.js';
import type { ResolvedTool, ToolCallOutput } from '../shared/schemas/tools.js';
import { STORED_REF_FIELD } from '../shared/schemas/stored-block.js';
import type { ApprovalOutcome } from './tool-approvals.js';

/** What to do with one tool call. */
export type PlannedToolCall =
  | { call: ToolUseBlock; action: 'refuse'; output: ToolCallOutput }
  | { call: ToolUseBlock; action: 'run'; tool: ResolvedTool }
  | { call: ToolUseBlock; action: 'await-approval'; tool: ResolvedTool };

export interface ToolCallPlanContext {
  /** The session's tools by name. */
  tools: ReadonlyMap<string, ResolvedTool>;
  /** Tool names whose calls wait for a decision. */
  approvalTools: ReadonlySet<string>;
}

/** Plans each call, in the model's order. A call to a tool the session does not have is refused, never run. */
export function planToolCalls(calls: ToolUseBlock[], context: ToolCallPlanContext): PlannedToolCall[] {
  return calls.map((call) => {
    const tool = context.tools.get(call.name);
    if (!tool) return { call, action: 'refuse', output: { content: unknownToolMessage(call.name, [...context.tools.keys()]), isError: true } };
    return { call, action: context.approvalTools.has(call.name) ? 'await-approval' : 'run', tool };
  });
}

export function unknownToolMessage(name: string, available: string[]): string {
  return available.length === 0
    ? `unknown tool "${name}": no tools are enabled in this session`
    : `unknown tool "${name}"; the tools of this session are: ${available.join(', ')}`;
}

/** The model-facing output for a call that waited for approval and does not run. */
export function outputForUnapproved(outcome: Exclude<ApprovalOutcome, { kind: 'approved' }>): ToolCallOutput {
  switch (outcome.kind) {
    case 'denied':
      return { content: `not run: a reviewer denied this call${outcome.reason ? `: ${outcome.reason}` : ''}`, isError: true };
    case 'substituted':
      return { content: outcome.result, isError: false };
    case 'timed-out':
      return {
        content: `not run: no reviewer decided on this call within ${outcome.afterSeconds} s, so it counts as denied`,
        isError: true,
      };
    case 'interrupted':
      return { content: `not run: the user interrupted the turn (${outcome.reason})`, isError: true };
  }
}

/** Tells the model that the input it sent was changed by a reviewer before the tool ran. */
export function withEditedInputNote(output: ToolCallOutput, input: unknown): ToolCallOutput {
  return { ...output, content: `[a reviewer approved this call with edited input: ${JSON.stringify(input)}]\n${output.content}` };
}

/** The message for a call whose activity failed for good (retries spent, timed out, worker lost). */
export function activityFailureMessage(tool: ResolvedTool, reason: string): string {
  const retryNote = tool.safeToRetry
    ? ''
    : ' It is not retried automatically because running it twice may not be safe; it may have run in part.';
  return `the ${tool.name} tool failed: ${reason}.${retryNote}`;
}

export function toolResultBlock(call: ToolUseBlock, output: ToolCallOutput): ContentBlock {
  return {
    type: 'tool_result',
    tool_use_id: call.id,
    content: output.content,
    ...(output.isError ? { is_error: true } : {}),
    // A long output stays in the content store; the model call restores it (cut to the profile's limit).
    ...(output.storedRef ? { [STORED_REF_FIELD]: output.storedRef } : {}),
  };
}


/**
 * Why a tool's activity failed, in words the model can act on. Reads Temporal's failure chain by name (the
 * classes differ between the workflow sandbox and the worker): a timeout, a lost worker, or the last error.
 */
export function describeActivityFailure(error: unknown, tool: ResolvedTool): string {
  let cause: unknown = error;
  // ActivityFailure wraps the reason as its cause.
  if (cause instanceof Error && cause.name === 'ActivityFailure' && cause.cause) cause = cause.cause;
  if (cause instanceof Error && cause.name === 'TimeoutFailure') {
    const timeoutType = (cause as Error & { timeoutType?: string }).timeoutType;
    if (timeoutType === 'HEARTBEAT') {
      return `the worker running it stopped responding (no heartbeat for ${(tool.heartbeatTimeoutMs ?? tool.timeoutMs) / 1000} s); it was probably lost mid-call`;
    }
    if (timeoutType === 'START_TO_CLOSE') return `it did not finish within ${tool.timeoutMs / 1000} s`;
    return `it timed out (${timeoutType ?? 'unknown timeout'})`;
  }
  if (cause instanceof Error) {
    const type = (cause as Error & { type?: string }).type;
    return type ? `${cause.message} (${type})` : cause.message;
  }
  return String(cause);
}
