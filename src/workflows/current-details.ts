/**
 * The session's current details for the Temporal UI (`setCurrentDetails`, Temporal markdown): status, turn, usage
 * and profile, then the last step in words. Pure and bundle-safe. Current details are served by a query, never
 * written to history, so changing this text cannot affect replay.
 */
import { textOf, type ContentBlock } from '../shared/schemas/content.js';
import type { SessionStatus, TranscriptEntry } from '../shared/schemas/session-messages.js';

export interface CurrentDetailsInput {
  status: SessionStatus;
  turn: number;
  tokens: number;
  costUsd: number;
  profile: string;
  /** The transcript's last entry, if any. */
  lastEntry: TranscriptEntry | undefined;
}

function quoted(text: string, max = 80): string {
  const line = text.split('\n').find((candidate) => candidate.trim().length > 0)?.trim() ?? '';
  return `"${line.length > max ? `${line.slice(0, max - 3)}...` : line}"`;
}

/** The last step in words, e.g. `the model asked for bash, write_file`. */
export function describeLastStep(entry: TranscriptEntry | undefined): string | undefined {
  if (!entry) return undefined;
  if (entry.kind === 'marker') return `${entry.marker.replace(/-/g, ' ')}${entry.detail ? `: ${quoted(entry.detail)}` : ''}`;
  const blocks: ContentBlock[] = typeof entry.content === 'string' ? [{ type: 'text', text: entry.content }] : entry.content;
  if (entry.role === 'assistant') {
    const tools = blocks.flatMap((block) => (block.type === 'tool_use' ? [block.name] : []));
    if (tools.length > 0) return `the model asked for ${tools.join(', ')}`;
    return `the model replied ${quoted(textOf(blocks))}`;
  }
  const results = blocks.filter((block) => block.type === 'tool_result');
  if (results.length > 0) {
    const errors = results.filter((block) => block.type === 'tool_result' && block.is_error === true).length;
    return `${results.length} tool result${results.length === 1 ? '' : 's'}${errors > 0 ? ` (${errors} error${errors === 1 ? '' : 's'})` : ''}`;
  }
  return `user message ${quoted(textOf(blocks))}`;
}

export function describeCurrentDetails(input: CurrentDetailsInput): string {
  const headline = `**${input.status}**, turn ${input.turn}, ${input.tokens} tokens, $${input.costUsd.toFixed(4)} (profile ${input.profile})`;
  const lastStep = describeLastStep(input.lastEntry);
  return lastStep ? `${headline}\n\nlast step: ${lastStep}` : headline;
}
