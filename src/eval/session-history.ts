/**
 * What an eval reads from a session's history beyond its transcript: the user's part, in order (each message sent
 * after the opening one, each context reset asked for), and how long its activities took (model calls and tools),
 * across all its runs. Client-side.
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
}

const millisecondsOf = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  time ? Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6 : 0;

/** @throws when a payload cannot be decoded (a missing key of `KEEL_ENCRYPTION_KEYS`). */
export async function readSessionHistory(client: Client, workflowId: string): Promise<SessionHistory> {
  const steps: UserStep[] = [];
  const seenIds = new Set<string>();
  let activeMs = 0;
  const converter = client.options.loadedDataConverter;
  const decode = (payload: unknown) => decodePayload(converter, payload as Payload | undefined);
  const addMessage = (value: unknown) => {
    const parsed = userMessageInputSchema.safeParse(value);
    if (!parsed.success) return;
    // A repeated id is the same message sent again (after a continue-as-new, or a lost reply): the session ignored it.
    if (parsed.data.id !== undefined) {
      if (seenIds.has(parsed.data.id)) return;
      seenIds.add(parsed.data.id);
    }
    steps.push({ kind: 'message', content: parsed.data.content });
  };
  for (const runId of await sessionRunIds(client, workflowId)) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const scheduledAt = new Map<number, number>();
    for (const event of history.events ?? []) {
      const at = millisecondsOf(event.eventTime);
      if (event.activityTaskScheduledEventAttributes) scheduledAt.set(Number(event.eventId), at);
      const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
      if (closed && scheduledAt.has(Number(closed.scheduledEventId))) activeMs += at - scheduledAt.get(Number(closed.scheduledEventId))!;
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === 'userMessage') addMessage(await decode(signal.input?.payloads?.[0]));
      if (signal?.signalName === 'resetContext') {
        const parsed = resetContextInputSchema.safeParse((await decode(signal.input?.payloads?.[0])) ?? {});
        if (parsed.success) steps.push({ kind: 'reset', request: parsed.data });
      }
      const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      if (update?.name === 'sendMessage') addMessage(await decode(update.args?.payloads?.[0]));
    }
  }
  return { steps, activeMs: Math.round(activeMs) };
}
