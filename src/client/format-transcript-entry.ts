/**
 * One-line renderings of transcript entries for people: the demo's progress output and CLI views.
 */
import type { ContentBlock } from '../shared/schemas/content.js';
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';

function clip(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

function formatBlock(role: 'user' | 'assistant', block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return `${role === 'user' ? 'user' : 'assistant'}: ${clip(block.text)}`;
    case 'tool_use':
      return `tool call ${block.name} ${clip(JSON.stringify(block.input), 160)}`;
    case 'tool_result': {
      const content = typeof block.content === 'string' ? block.content : JSON.stringify(block.content ?? '');
      return `tool result${block.is_error ? ' (error)' : ''}: ${clip(content, 160)}`;
    }
    case 'thinking':
      return `thinking: ${clip(block.thinking, 120)}`;
    case 'redacted_thinking':
      return 'thinking (redacted)';
    default:
      return `${role}: [${block.type}]`;
  }
}

/** The lines that describe one entry: one per content block, or one for a marker. */
export function formatTranscriptEntry(entry: TranscriptEntry): string[] {
  if (entry.kind === 'marker') return [`-- ${entry.marker}${entry.detail ? `: ${entry.detail}` : ''} (turn ${entry.turn}) --`];
  if (typeof entry.content === 'string') return [`${entry.role}: ${clip(entry.content)}`];
  return entry.content.map((block) => formatBlock(entry.role, block));
}
