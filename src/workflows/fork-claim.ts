/**
 * A forked session's first step: the `claimFork` activity checks its grant and gives it read access to its source's
 * stored content and snapshots, before any model call or sandbox needs them. Its result is in history. Only in a
 * session's first run (the rights are kept in the store). Bundle-safe.
 */
import type { SessionInput } from '../shared/schemas/session-input.js';
import { forkActivities } from './session-activities.js';

/** A refused grant fails the session (its failure is not retryable). */
export async function claimForkSource(input: SessionInput, firstRun: boolean): Promise<void> {
  if (!input.fork || !firstRun) return;
  await forkActivities.claimFork.executeWithOptions({ summary: `fork of ${input.fork.from}: read access to its content` }, [input.fork]);
}
