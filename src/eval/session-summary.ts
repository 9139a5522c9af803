/**
 * One side of an eval's comparison: what a session did, in the numbers and sequences the report puts side by side.
 * Client-side; pure but for {@link readSessionSummary}.
 */
import type { Client } from '@temporalio/client';
import type { SessionHandle } from '../client/session-handle.js';
import { contentBlocks, textOf } from '../shared/schemas/content.js';
import type { SessionStateView, TranscriptEntry } from '../shared/schemas/session-messages.js';
import { retryQuery } from './retry-query.js';
import { transcriptToolCalls } from './transcript-tool-calls.js';

export interface ToolCallSummary {
  name: string;
  input: unknown;
  isError: boolean;
}

export interface SessionSummary {
  id: string;
  profile: string;
  model: string;
  /** The session's status as read (or `failed`, `terminated`, `timed_out` for a run that ended so). */
  status: string;
  /**
   * What is compared: a task session's end status; for a chat session, `answered` when every message got its
   * reply, else the status that stopped it (`limit_reached`, `failed`, ...).
   */
  outcome: string;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Milliseconds its model calls and tools took (session-history.ts). */
  activeMs: number;
  /**
   * Its latency, milliseconds: a task session's wall time from start to close; a chat session's turns' wall times
   * summed (session-history.ts), since between turns it waits for its user.
   */
  wallMs: number;
  toolCalls: ToolCallSummary[];
  /** The text of the last assistant message. */
  finalText: string;
}

const endings: Record<string, string> = { FAILED: 'failed', TERMINATED: 'terminated', TIMED_OUT: 'timed_out' };

/** The last assistant message's text. */
export function finalTextOf(transcript: TranscriptEntry[]): string {
  for (let index = transcript.length - 1; index >= 0; index -= 1) {
    const entry = transcript[index]!;
    if (entry.kind === 'message' && entry.role === 'assistant' && contentBlocks(entry.content).some((block) => block.type === 'text')) return textOf(entry.content);
  }
  return '';
}

/** The times read from a session's history (session-history.ts). */
export interface SessionTimes {
  activeMs: number;
  wallMs: number;
  turnsWallMs: number;
}

export function summarizeSession(id: string, state: SessionStateView, transcript: TranscriptEntry[], times: SessionTimes, ending?: string): SessionSummary {
  const status = ending ?? state.status;
  const answered = status === 'waiting_for_input' || status === 'cancelled' || status === 'completed';
  return {
    id,
    profile: state.profile,
    model: state.model,
    status,
    outcome: state.mode === 'chat' && answered ? 'answered' : status,
    turns: state.turn,
    inputTokens: state.usage.inputTokens,
    outputTokens: state.usage.outputTokens,
    costUsd: state.usage.costUsd,
    activeMs: times.activeMs,
    wallMs: state.mode === 'chat' ? times.turnsWallMs : times.wallMs,
    toolCalls: transcriptToolCalls(transcript).map(({ name, input, isError }) => ({ name, input, isError })),
    finalText: finalTextOf(transcript),
  };
}

/** A session's state and transcript, and how its run ended when it did not end as a session (a failure). */
export async function readSessionOutcome(client: Client, handle: SessionHandle): Promise<{ state: SessionStateView; transcript: TranscriptEntry[]; ending?: string }> {
  // One after the other: each query of an ended session replays its history on a worker.
  const state = await retryQuery(() => handle.state());
  const transcript = await retryQuery(() => handle.fullTranscript());
  const description = await client.workflow.getHandle(handle.workflowId).describe();
  const ending = endings[description.status.name];
  return { state, transcript, ...(ending ? { ending } : {}) };
}
