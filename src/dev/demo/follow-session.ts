/**
 * Prints a session's transcript and status changes as they happen, for `npm run demo`, and lets the caller act on
 * each state it sees (the approval step decides pending tool calls there). Dev tooling.
 */
import { formatTranscriptEntry } from '../../client/format-transcript-entry.js';
import type { SessionHandle } from '../../client/session-client.js';
import type { SessionResult } from '../../shared/schemas/session-messages.js';
import type { SessionStateView } from '../../shared/schemas/session-messages.js';

export interface FollowOptions {
  say: (line: string) => void;
  /** Called with every state read while the session runs; the loop waits for it before the next read. */
  onState?: (state: SessionStateView) => Promise<void>;
  /** @default 250 */
  intervalMs?: number;
}

/** Follows `handle` until its workflow closes. @throws what `handle.result()` throws (a failed session). */
export async function followSession(handle: SessionHandle, options: FollowOptions): Promise<SessionResult> {
  let printed = 0;
  let lastStatus = '';
  const showProgress = async (): Promise<SessionStateView> => {
    const page = await handle.transcript(printed);
    for (const entry of page.entries) for (const line of formatTranscriptEntry(entry)) options.say(`[session] ${line}`);
    printed += page.entries.length;
    const state = await handle.state();
    if (state.status !== lastStatus) {
      options.say(`[session] status: ${state.status} (turn ${state.turn}, ${state.usage.inputTokens + state.usage.outputTokens} tokens)`);
      lastStatus = state.status;
    }
    return state;
  };
  const resultPromise = handle.result();
  let finished = false;
  void resultPromise.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    // A query can fail while no worker is polling (the recovery step kills it); the next round asks again.
    const state = await showProgress().catch(() => undefined);
    if (state && options.onState) await options.onState(state);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
  const result = await resultPromise;
  await showProgress().catch(() => undefined);
  return result;
}
