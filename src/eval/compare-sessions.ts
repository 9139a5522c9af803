/**
 * One row of an eval's report: a recorded session and its re-run side by side, what changed (outcome, tool-call
 * sequence, final text), where the tool calls part, and what the re-run's tool calls cost in effects (answered from
 * the record, run in a sandbox, not run). Pure; client-side.
 */
import { NOT_RUN_IN_EVAL, type RecordedToolCall, type SessionReplay } from '../shared/schemas/recorded-tool-calls.js';
import { sameJson } from '../shared/same-json.js';
import { RecordedToolCalls } from '../shared/recorded-tool-calls.js';
import type { SessionSummary } from './session-summary.js';
import { diffLines, type DiffLine } from './text-diff.js';

export interface ToolCallCounts {
  /** Matched a recorded call: answered with its recorded result, nothing ran. */
  replayed: number;
  /** Differed and ran in a sandbox from the recorded files. */
  ran: number;
  /** Differed and could not run faithfully (outside the sandbox, no snapshot, an approval nobody gave). */
  notRun: number;
}

export interface SessionComparison {
  recorded: SessionSummary;
  candidate: SessionSummary;
  changed: { outcome: boolean; toolCalls: boolean; text: boolean };
  /** The index of the first tool call that differs (or that one side lacks); absent when the sequences agree. */
  toolCallsPartAt?: number;
  toolCallCounts: ToolCallCounts;
  textDiff: DiffLine[];
}

/** How the candidate's tool calls were answered, matched the way the session matched them (recorded-tool-calls.ts). */
export function countToolCalls(replay: SessionReplay, candidate: SessionSummary, results: RecordedToolCall[]): ToolCallCounts {
  const recorded = new RecordedToolCalls(replay);
  const counts: ToolCallCounts = { replayed: 0, ran: 0, notRun: 0 };
  candidate.toolCalls.forEach((call, index) => {
    if (recorded.take(call.name, call.input)) counts.replayed += 1;
    else if (results[index]?.content.startsWith(NOT_RUN_IN_EVAL)) counts.notRun += 1;
    else counts.ran += 1;
  });
  return counts;
}

export function compareSessions(recorded: SessionSummary, candidate: SessionSummary, toolCallCounts: ToolCallCounts): SessionComparison {
  const length = Math.max(recorded.toolCalls.length, candidate.toolCalls.length);
  let partAt: number | undefined;
  for (let index = 0; index < length && partAt === undefined; index += 1) {
    const a = recorded.toolCalls[index];
    const b = candidate.toolCalls[index];
    if (!a || !b || a.name !== b.name || !sameJson(a.input, b.input)) partAt = index;
  }
  return {
    recorded,
    candidate,
    changed: { outcome: recorded.outcome !== candidate.outcome, toolCalls: partAt !== undefined, text: recorded.finalText !== candidate.finalText },
    ...(partAt !== undefined ? { toolCallsPartAt: partAt } : {}),
    toolCallCounts,
    textDiff: diffLines(recorded.finalText, candidate.finalText),
  };
}
