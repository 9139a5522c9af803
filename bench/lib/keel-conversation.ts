/**
 * Baseline (b): the same conversation as a Keel `chat` session. The first turn is `startAndSend`
 * (update-with-start: the session and its first message in one call); every later turn is `sendMessage`, which
 * returns once the assistant's turn has ended. Like a careful client, it gives every message an id and sends it
 * again when the RPC deadline passes before the reply (a repeated id is answered once, never queued twice).
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { SessionClient, SessionHandle } from '../../src/client/session-client.js';
import type { AssistantTurn } from '../../src/shared/schemas/session-messages.js';

/** The opening line every bench conversation starts with, in Keel's input and in the baselines alike. */
export const openingMessage = 'Benchmark conversation: answer each message briefly.';

export interface KeelConversationOptions {
  sessions: SessionClient;
  system: string;
  /** The user message of each turn, in order. */
  userMessages: string[];
  /** Called after each turn with its 1-based number, wall time (ms) and end (performance.now()). */
  onTurn?: (turn: number, turnMs: number, endedAt: number) => void;
  profile?: string;
  workflowId?: string;
  /** Tools the session enables (the bench's, see bench-tools.ts). @default none: text turns */
  tools?: string[];
}

export interface KeelConversation {
  handle: SessionHandle;
  /** Wall time of each turn as the client saw it, ms. */
  turnMs: number[];
  /** Client time (performance.now()) at the start of the first call. */
  startedAt: number;
  /** Calls sent again because their RPC deadline passed before the reply. */
  resends: number;
}

/** Calls `send` until it answers, again (same message id) whenever the RPC deadline passes first; at most 30 times. */
async function untilAnswered<T>(send: () => Promise<T>, onResend: () => void): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) || attempt >= 30) throw error;
      onResend();
    }
  }
}

/** @throws whatever the client throws other than an RPC deadline (the session is left as it is). */
export async function runKeelConversation(options: KeelConversationOptions): Promise<KeelConversation> {
  const turnMs: number[] = [];
  let resends = 0;
  const onResend = (): void => {
    resends += 1;
  };
  const workflowId = options.workflowId ?? `session-${randomUUID()}`;
  const startedAt = performance.now();
  const [first, ...rest] = options.userMessages;
  const { handle } = await untilAnswered(
    () =>
      options.sessions.startAndSend(
        {
          profile: options.profile ?? 'bench',
          mode: 'chat',
          system: options.system,
          messages: [{ role: 'user', content: openingMessage }],
          ...(options.tools ? { tools: options.tools } : {}),
        },
        { content: first, id: `${workflowId}-1` },
        { workflowId },
      ),
    onResend,
  );
  const record = (turnStartedAt: number): void => {
    const endedAt = performance.now();
    turnMs.push(endedAt - turnStartedAt);
    options.onTurn?.(turnMs.length, endedAt - turnStartedAt, endedAt);
  };
  record(startedAt);
  for (const [index, content] of rest.entries()) {
    const turnStartedAt = performance.now();
    const id = `${workflowId}-${index + 2}`;
    await untilAnswered<AssistantTurn>(() => handle.sendMessage(content, { id }), onResend);
    record(turnStartedAt);
  }
  return { handle, turnMs, startedAt, resends };
}
