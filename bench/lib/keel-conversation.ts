/**
 * Baseline (b): the same conversation as a Keel `chat` session. The first turn is `startAndSend`
 * (update-with-start: the session and its first message in one call); every later turn is `sendMessage`, which
 * returns once the assistant's turn has ended.
 */
import type { SessionClient, SessionHandle } from '../../src/client/session-client.js';

/** The opening line every bench conversation starts with, in Keel's input and in the baselines alike. */
export const openingMessage = 'Benchmark conversation: answer each message briefly.';

export interface KeelConversationOptions {
  sessions: SessionClient;
  system: string;
  /** The user message of each turn, in order. */
  userMessages: string[];
  /** Called after each turn with its 1-based number and wall time, ms. */
  onTurn?: (turn: number, turnMs: number, endedAt: number) => void;
  profile?: string;
  workflowId?: string;
}

export interface KeelConversation {
  handle: SessionHandle;
  /** Wall time of each turn as the client saw it, ms. */
  turnMs: number[];
  /** Client time (performance.now()) at the start of the first call. */
  startedAt: number;
}

/** @throws whatever the client throws (the session is left as it is, for the caller to inspect). */
export async function runKeelConversation(options: KeelConversationOptions): Promise<KeelConversation> {
  const turnMs: number[] = [];
  const startedAt = performance.now();
  const [first, ...rest] = options.userMessages;
  const { handle } = await options.sessions.startAndSend(
    {
      profile: options.profile ?? 'bench',
      mode: 'chat',
      system: options.system,
      messages: [{ role: 'user', content: openingMessage }],
    },
    { content: first },
    options.workflowId ? { workflowId: options.workflowId } : {},
  );
  const record = (turnStartedAt: number): void => {
    const endedAt = performance.now();
    turnMs.push(endedAt - turnStartedAt);
    options.onTurn?.(turnMs.length, endedAt - turnStartedAt, endedAt);
  };
  record(startedAt);
  for (const content of rest) {
    const turnStartedAt = performance.now();
    await handle.sendMessage(content);
    record(turnStartedAt);
  }
  return { handle, turnMs, startedAt };
}
