/**
 * Forking a session: a new session whose opening conversation is another session's transcript up to the end of a
 * given turn, with the same settings unless overridden (a new profile, to try another model on a failed run).
 * Client-side.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodePayload } from './decode-payload.js';
import { ValidationError } from '../errors.js';
import type { Message, ToolUseBlock } from '../shared/schemas/content.js';
import { contentBlocks } from '../shared/schemas/content.js';
import type { SessionInput, SessionInputRequest } from '../shared/schemas/session-input.js';
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';
import { validateSessionInput } from './session-client.js';
import { sessionRunIds } from './session-runs.js';

export interface ForkOptions {
  /** The last turn of the source session the fork keeps (0: only its opening messages). */
  atTurn: number;
  /** The fork's profile. @default the source session's */
  profile?: string;
  /** The fork's mode. @default the source session's */
  mode?: 'task' | 'chat';
  /** The source session's workflow id, recorded in the fork's metadata. */
  sourceWorkflowId: string;
  /** The source's sandbox snapshots (from {@link readSandboxSnapshots}); the fork starts from the last one at or before `atTurn`. */
  snapshots?: SandboxSnapshot[];
  /**
   * The fork's grant over its source (`forkGrant` of src/codec/fork-grant.ts, for the fork's workflow id): without
   * it the fork cannot read the source's stored blocks or snapshot, and a session that needs them fails.
   */
  grant?: string;
}

/**
 * A snapshot of a session's local sandbox at the end of a turn, as its history records it: its id, or why there is
 * none (declined as too large, or failed).
 */
export interface SandboxSnapshot {
  turn: number;
  snapshotId?: string;
  missing?: string;
}

export interface ForkPlan {
  /** The fork's input, validated. */
  input: SessionInput;
  /** How many earlier messages were left out because a context reset had hidden them from the model. */
  droppedForReset: number;
  /** Tool calls at the cut that had no result, now answered with an error result. */
  unansweredToolCalls: string[];
  /** The sandbox snapshot the fork's files start from, when the source had a local sandbox by then. */
  snapshot?: SandboxSnapshot;
  /** The snapshot at the cut that was not taken: the fork then starts with an empty sandbox, not stale files. */
  snapshotMissing?: SandboxSnapshot;
}

type MessageEntry = Extract<TranscriptEntry, { kind: 'message' }>;

/**
 * Plans a fork from the source's input and transcript: the messages of turns 0..`atTurn` in the context the
 * model last saw (a reset before the cut leaves out what came before it).
 * @throws ValidationError when `atTurn` is beyond the transcript, or the result breaks the input schema.
 */
export function planFork(source: SessionInput, transcript: TranscriptEntry[], options: ForkOptions): ForkPlan {
  const lastTurn = transcript.reduce((highest, entry) => Math.max(highest, entry.turn), 0);
  if (!Number.isInteger(options.atTurn) || options.atTurn < 0 || options.atTurn > lastTurn) {
    throw new ValidationError(`--at-turn ${options.atTurn}: the session has turns 0 to ${lastTurn}`, 'atTurn');
  }
  const upToCut = transcript.filter((entry): entry is MessageEntry => entry.kind === 'message' && entry.turn <= options.atTurn);
  const epoch = upToCut.reduce((highest, entry) => Math.max(highest, entry.epoch), 0);
  const kept = upToCut.filter((entry) => entry.epoch === epoch);
  const messages: Message[] = kept.map(({ role, content }) => ({ role, content }));

  // A tool call left without a result would make the next model request invalid: answer it as not run.
  const answered = new Set(messages.flatMap((message) => contentBlocks(message.content).flatMap((block) => (block.type === 'tool_result' ? [block.tool_use_id] : []))));
  const last = messages.at(-1);
  const unanswered =
    last?.role === 'assistant' ? contentBlocks(last.content).filter((block): block is ToolUseBlock => block.type === 'tool_use' && !answered.has(block.id)) : [];
  if (unanswered.length > 0) {
    messages.push({
      role: 'user',
      content: unanswered.map((call) => ({
        type: 'tool_result' as const,
        tool_use_id: call.id,
        content: 'not run: the session was forked before this tool call finished',
        is_error: true,
      })),
    });
  }
  // The last snapshot at or before the cut; if that one was not taken, older files would be stale: start empty.
  const latest = (options.snapshots ?? []).filter((candidate) => candidate.turn <= options.atTurn).sort((a, b) => b.turn - a.turn)[0];
  const snapshot = latest?.snapshotId ? latest : undefined;
  // A source that was a fork itself carries its own grant, which is for its id only: the fork gets its own.
  const { fork: _sourceGrant, ...settings } = source;
  const request: SessionInputRequest = {
    ...settings,
    ...(options.grant ? { fork: { from: options.sourceWorkflowId, grant: options.grant } } : {}),
    ...(snapshot ? { sandbox: { ...(source.sandbox ?? {}), provider: 'local' as const, fromSnapshot: snapshot.snapshotId } } : {}),
    profile: options.profile ?? source.profile,
    mode: options.mode ?? source.mode,
    messages,
    metadata: { ...source.metadata, forkedFrom: options.sourceWorkflowId, forkedAtTurn: String(options.atTurn) },
  };
  return {
    input: validateSessionInput(request),
    droppedForReset: upToCut.length - kept.length,
    unansweredToolCalls: unanswered.map((call) => call.id),
    ...(snapshot ? { snapshot } : {}),
    ...(latest && !latest.snapshotId ? { snapshotMissing: latest } : {}),
  };
}

/**
 * The input a session was started with: the first event of its first run (a continue-as-new carries a different
 * input in later runs).
 */
export async function readSessionInput(client: Client, workflowId: string): Promise<SessionInput> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const firstRunId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
  const history = await client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  if (!payload) throw new ValidationError(`${workflowId}: its history has no start input`, 'input');
  return validateSessionInput(await decodePayload(client.options.loadedDataConverter, payload as Payload));
}

/**
 * The sandbox snapshots a session's history records, across its runs: the results of its `snapshotSandbox`
 * activities, in turn order.
 */
export async function readSandboxSnapshots(client: Client, workflowId: string): Promise<SandboxSnapshot[]> {
  const snapshots: SandboxSnapshot[] = [];
  for (const runId of await sessionRunIds(client, workflowId)) snapshots.push(...(await snapshotsOfRun(client, workflowId, runId)));
  return snapshots.sort((a, b) => a.turn - b.turn);
}

async function snapshotsOfRun(client: Client, workflowId: string, runId: string): Promise<SandboxSnapshot[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const decode = async (payload: unknown) =>
    decodePayload<{ turn?: unknown; snapshotId?: unknown; skipped?: unknown }>(client.options.loadedDataConverter, payload as Payload | undefined);
  /** Turn of each snapshotSandbox activity, by its scheduled event id. */
  const turns = new Map<number, number>();
  const snapshots: SandboxSnapshot[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'snapshotSandbox') {
      const request = await decode(scheduled.input?.payloads?.[0]);
      if (typeof request?.turn === 'number') turns.set(Number(event.eventId), request.turn);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && turns.has(Number(completed.scheduledEventId))) {
      const result = await decode(completed.result?.payloads?.[0]);
      const turn = turns.get(Number(completed.scheduledEventId))!;
      if (typeof result?.snapshotId === 'string') snapshots.push({ turn, snapshotId: result.snapshotId });
      else snapshots.push({ turn, missing: typeof result?.skipped === 'string' ? result.skipped : 'no snapshot was taken' });
    }
    const ended = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (ended && turns.has(Number(ended.scheduledEventId))) snapshots.push({ turn: turns.get(Number(ended.scheduledEventId))!, missing: 'the snapshot failed' });
  }
  return snapshots;
}
