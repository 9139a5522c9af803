/**
 * Replies for the scripted model server that several test files push, and the reading of what the model was sent
 * back: a text answer, a turn of tool calls, and the tool results in the model's next request.
 */
import type { RecordedRequest, ScriptedReply, ScriptedUsage } from '../../src/dev/scripted-model/index.js';

export type ToolCall = { id: string; name: string; input: Record<string, unknown> };

/** A message of one text block; `usage` only when a test counts tokens or cost. */
export function textReply(text: string, usage?: ScriptedUsage): ScriptedReply {
  return { kind: 'message', content: [{ type: 'text', text }], ...(usage ? { usage } : {}) };
}

/** A message that calls these tools, in this order. */
export function toolCallsReply(...calls: ToolCall[]): ScriptedReply {
  return { kind: 'message', content: calls.map((call) => ({ type: 'tool_use' as const, ...call })) };
}

/** The tool results the model received in a request, by tool_use id. */
export function toolResultsIn(request: RecordedRequest): Map<string, { content: string; isError: boolean }> {
  const results = new Map<string, { content: string; isError: boolean }>();
  for (const block of request.body.messages.at(-1).content) {
    if (block.type === 'tool_result') results.set(block.tool_use_id, { content: block.content, isError: block.is_error === true });
  }
  return results;
}
