/**
 * A session's transcript as plain text for a grading model (`keel eval --rubric`): each message as `role: text`,
 * tool calls and results as short bracketed lines, markers by name; bounded, keeping the head (the task) and the
 * tail (how it ended) of a long one. Pure; client-side.
 */
import { contentBlocks } from '../shared/schemas/content.js';
import { MAX_GRADED_TRANSCRIPT_CHARACTERS } from '../shared/schemas/rubric-grade.js';
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';

/** What a tool call's input or result shows of itself, characters. */
const TOOL_DETAIL_CHARACTERS = 400;

const cut = (text: string, length: number) => (text.length > length ? `${text.slice(0, length)}...` : text);

function entryText(entry: TranscriptEntry): string {
  if (entry.kind === 'marker') return `[${entry.marker}${entry.detail ? `: ${cut(entry.detail, TOOL_DETAIL_CHARACTERS)}` : ''}]`;
  const parts = contentBlocks(entry.content).map((block) => {
    if (block.type === 'text') return block.text;
    if (block.type === 'tool_use') return `[tool call ${block.name} ${cut(JSON.stringify(block.input ?? {}), TOOL_DETAIL_CHARACTERS)}]`;
    if (block.type === 'tool_result') {
      const content = block.content ?? '';
      const result = typeof content === 'string' ? content : content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : `[${part.type}]`)).join('\n');
      return `[tool result${block.is_error ? ' (error)' : ''}: ${cut(result, TOOL_DETAIL_CHARACTERS)}]`;
    }
    return `[${block.type}]`;
  });
  return `${entry.role}: ${parts.join('\n')}`;
}

/** The transcript as text of at most `maxCharacters`: a long one keeps a quarter from its start and the rest from its end. */
export function transcriptText(transcript: TranscriptEntry[], maxCharacters = MAX_GRADED_TRANSCRIPT_CHARACTERS): string {
  const text = transcript.map(entryText).join('\n\n');
  if (text.length <= maxCharacters) return text;
  const note = `\n\n[... ${text.length - maxCharacters} characters left out ...]\n\n`;
  const head = Math.floor((maxCharacters - note.length) / 4);
  const tail = maxCharacters - note.length - head;
  return `${text.slice(0, head)}${note}${text.slice(text.length - tail)}`;
}
