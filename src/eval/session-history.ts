/**
 * What an eval reads from a session's history beyond its transcript: the user's part, in order (each message sent
 * after the opening one, each context reset asked for), how long its activities took (model calls and tools), and
 * its wall time (start to close; a chat session's turns, each from its user message to its reply), across
 * all its runs. Client-side.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodePayload } from '../client/decode-payload.js';
import { sessionRunIds } from '../client/session-runs.js';
import { resetContextInputSchema, userMessageInputSchema, type ResetContextInput } from '../shared/schemas/session-messages.js';
import type { MessageContent } from '../shared/schemas/content.js';

/** One thing the user did after starting the session. */
export type UserStep = { kind: 'message'; content: MessageContent } | { kind: 'reset'; request: ResetContextInput };

export interface SessionHistory {
  steps: UserStep[];
  /** Milliseconds the session's activities ran (from scheduled to closed), summed: its time at work, not waiting for people. */
  activeMs: number;
  /**
   * Milliseconds from the first run's start to the last run's close (or its last event while open): what Temporal's
   * describe gives as startTime and closeTime, across continue-as-new.
   */
  wallMs: number;
  /**
   * Milliseconds of the session's turns, summed: each from the message that started it (the opening one at the
   * start) to its reply (a `sendMessage` update's completion) or its last activity, before the next message, a
   * context reset, a cancellation or the end. A chat session's latency: its wall time would count the hours its
   * user took to answer.
   */
  turnsWallMs: number;
}

const millisecondsOf = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  time ? Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6 : 0;

/** @throws when a payload cannot be decoded (a missing key of `KEEL_ENCRYPTION_KEYS`). */
export async function readSessionHistory(client: Client, workflowId: string): Promise<SessionHistory> {
  const steps: UserStep[] = [];
  const seenIds = new Set<string>();
  let activeMs = 0;
  let firstAt: number | undefined;
  let lastAt = 0;
  let turnsWallMs = 0;
  /** When the turn in progress started, and when it last did work (an activity closed, a reply was given). */
  let turnStartedAt: number | undefined;
  let lastWorkAt = 0;
  const endTurn = () => {
    if (turnStartedAt !== undefined && lastWorkAt > turnStartedAt) turnsWallMs += lastWorkAt - turnStartedAt;
    turnStartedAt = undefined;
  };
  /** The ids of accepted `sendMessage` updates: their completion is a turn's reply. */
  const messageUpdates = new Set<string>();
  const converter = client.options.loadedDataConverter;
  const decode = (payload: unknown) => decodePayload(converter, payload as Payload | undefined);
  const addMessage = (value: unknown, at: number) => {
    const parsed = userMessageInputSchema.safeParse(value);
    if (!parsed.success) return;
    // A repeated id is the same message sent again (after a continue-as-new, or a lost reply): the session ignored it.
    if (parsed.data.id !== undefined) {
      if (seenIds.has(parsed.data.id)) return;
      seenIds.add(parsed.data.id);
    }
    steps.push({ kind: 'message', content: parsed.data.content });
    endTurn();
    turnStartedAt = at;
  };
  for (const runId of await sessionRunIds(client, workflowId)) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const scheduledAt = new Map<number, number>();
    for (const event of history.events ?? []) {
      const at = millisecondsOf(event.eventTime);
      if (firstAt === undefined) {
        firstAt = at;
        // The opening messages start the first turn.
        turnStartedAt = at;
      }
      lastAt = Math.max(lastAt, at);
      if (event.activityTaskScheduledEventAttributes) scheduledAt.set(Number(event.eventId), at);
      const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
      if (closed && scheduledAt.has(Number(closed.scheduledEventId))) {
        activeMs += at - scheduledAt.get(Number(closed.scheduledEventId))!;
        lastWorkAt = at;
      }
      const completedUpdate = event.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId;
      if (completedUpdate && messageUpdates.has(completedUpdate)) lastWorkAt = at;
      // What runs after a cancellation (the sandbox's clean-up) or for a context reset is no turn's.
      if (event.workflowExecutionCancelRequestedEventAttributes) endTurn();
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === 'userMessage') addMessage(await decode(signal.input?.payloads?.[0]), at);
      if (signal?.signalName === 'resetContext') {
        endTurn();
        const parsed = resetContextInputSchema.safeParse((await decode(signal.input?.payloads?.[0])) ?? {});
        if (parsed.success) steps.push({ kind: 'reset', request: parsed.data });
      }
      const accepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
      if (accepted?.input?.name === 'sendMessage') {
        if (accepted.meta?.updateId) messageUpdates.add(accepted.meta.updateId);
        addMessage(await decode(accepted.input.args?.payloads?.[0]), at);
      }
    }
  }
  endTurn();
  return { steps, activeMs: Math.round(activeMs), wallMs: Math.round(lastAt - (firstAt ?? lastAt)), turnsWallMs: Math.round(turnsWallMs) };
}
