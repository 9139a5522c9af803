/**
 * The tool calls of a transcript with the results the model saw and, for calls that waited for a person, the
 * recorded decision: what an eval session replays (`replay.toolCalls`) and what the report compares. Pure;
 * client-side.
 */
import { contentBlocks, type ContentBlock } from '../shared/schemas/content.js';
import type { RecordedToolCall } from '../shared/schemas/recorded-tool-calls.js';
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';
import { storedRefOf } from '../shared/schemas/stored-block.js';

/** A tool result's content as text (the Messages API also allows blocks; their text parts are kept). */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: { type?: unknown; text?: unknown }) => (block?.type === 'text' && typeof block.text === 'string' ? block.text : ''))
    .join('\n');
}

/**
 * Each tool call in the transcript, in order, with its result and recorded decision. A call whose result is not
 * in the transcript (the session ended before it) is left out: there is nothing to replay.
 */
export function transcriptToolCalls(transcript: TranscriptEntry[]): RecordedToolCall[] {
  const calls = new Map<string, { turn: number; name: string; input: unknown }>();
  const order: string[] = [];
  const results = new Map<string, Pick<RecordedToolCall, 'content' | 'isError' | 'storedRef'>>();
  const decisions = new Map<string, string>();
  for (const entry of transcript) {
    if (entry.kind === 'marker') {
      // `<tool> <id>: <decision>` (tool-approvals.ts `describeOutcome`).
      const match = entry.marker === 'tool-decision' ? /^\S+ (\S+): (.*)$/s.exec(entry.detail ?? '') : null;
      if (match) decisions.set(match[1]!, match[2]!);
      continue;
    }
    for (const block of contentBlocks(entry.content) as Array<ContentBlock & Record<string, unknown>>) {
      if (block.type === 'tool_use' && entry.role === 'assistant' && !calls.has(block.id as string)) {
        calls.set(block.id as string, { turn: entry.turn, name: block.name as string, input: block.input });
        order.push(block.id as string);
      }
      if (block.type === 'tool_result') {
        const storedRef = storedRefOf(block);
        results.set(block.tool_use_id as string, { content: resultText(block.content), isError: block.is_error === true, ...(storedRef ? { storedRef } : {}) });
      }
    }
  }
  return order.flatMap((id) => {
    const call = calls.get(id)!;
    const result = results.get(id);
    if (!result) return [];
    const decision = decisions.get(id);
    return [{ turn: call.turn, name: call.name, input: call.input, ...result, ...(decision !== undefined ? { decision } : {}) }];
  });
}
