/**
 * A forked session's first step: the `claimFork` activity checks its grant and gives it read access to its source's
 * stored content and snapshots, before any model call or sandbox needs them. Its result is in history. Only in a
 * session's first run (the rights are kept in the store). Bundle-safe.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { SessionActivities as Activities } from './session-activities.js';
import type { SessionInput } from '../shared/schemas/session-input.js';


const { claimFork } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/** A refused grant fails the session (its failure is not retryable). */
export async function claimForkSource(input: SessionInput, firstRun: boolean): Promise<void> {
  if (!input.fork || !firstRun) return;
  await claimFork.executeWithOptions({ summary: `fork of ${input.fork.from}: read access to its content` }, [input.fork]);
}
