/**
 * A transcript as a person reads it: who said what, tool calls with their input, tool results (errors in red),
 * and Keel's markers (context resets, interruptions, limits). Pure; client-side.
 */
import type { ContentBlock } from '../../shared/schemas/content.js';
import type { TranscriptEntry } from '../../shared/schemas/session-messages.js';
import { compactJson, hangingIndent, truncate } from './format.js';
import type { Style } from './style.js';

export interface RenderOptions {
  /** Longest text shown for a tool result, characters. @default 400 */
  maxResultCharacters?: number;
  /** Show thinking blocks (cut to their first 200 characters). @default false */
  showThinking?: boolean;
}

/** Width of the speaker column. */
export const LABEL_WIDTH = 11;

/** A speaker label, padded to the column. */
export function label(text: string, color: (value: string) => string): string {
  return color(text.padEnd(LABEL_WIDTH));
}

function resultText(block: Extract<ContentBlock, { type: 'tool_result' }>): string {
  const content = block.content;
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : `[${part.type}]`)).join('\n');
}

function renderBlock(role: 'user' | 'assistant', block: ContentBlock, style: Style, options: RenderOptions): string[] {
  const speaker = role === 'user' ? label('user', style.cyan) : label('assistant', style.green);
  switch (block.type) {
    case 'text':
      return [`${speaker}${hangingIndent(block.text, LABEL_WIDTH)}`];
    case 'tool_use':
      return [`${label('tool call', style.magenta)}${style.bold(block.name)} ${compactJson(block.input)} ${style.dim(`(${block.id})`)}`];
    case 'tool_result': {
      const text = truncate(resultText(block), options.maxResultCharacters ?? 400);
      const tag = block.is_error ? label('tool error', style.red) : label('result', style.magenta);
      return [`${tag}${style.dim(`(${block.tool_use_id})`)} ${hangingIndent(text, LABEL_WIDTH)}`];
    }
    case 'thinking':
      return options.showThinking ? [`${label('thinking', style.dim)}${style.dim(truncate(block.thinking, 200))}`] : [];
    case 'redacted_thinking':
      return [];
    default:
      return [`${speaker}${style.dim(`[${block.type}]`)}`];
  }
}

/** The lines of one transcript entry. */
export function renderTranscriptEntry(entry: TranscriptEntry, style: Style, options: RenderOptions = {}): string[] {
  if (entry.kind === 'marker') {
    const detail = entry.detail ? `: ${entry.detail}` : '';
    return [style.yellow(`── ${entry.marker.replace(/-/g, ' ')}${detail} (turn ${entry.turn}, context ${entry.epoch}) ──`)];
  }
  const blocks: ContentBlock[] = typeof entry.content === 'string' ? [{ type: 'text', text: entry.content }] : entry.content;
  return blocks.flatMap((block) => renderBlock(entry.role, block, style, options));
}

/** The lines of a whole transcript, with a rule at each new turn. */
export function renderTranscript(entries: TranscriptEntry[], style: Style, options: RenderOptions = {}): string[] {
  const lines: string[] = [];
  let turn = -1;
  for (const entry of entries) {
    if (entry.kind === 'message' && entry.role === 'assistant' && entry.turn !== turn) {
      turn = entry.turn;
      lines.push(style.dim(`· turn ${turn}`));
    }
    lines.push(...renderTranscriptEntry(entry, style, options));
  }
  return lines;
}
