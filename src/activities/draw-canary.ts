import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';

/**
 * `drawCanary`: a uniform draw in [0, 1) for choosing a new session's canary profile, run as a local activity so the
 * draw is recorded in the session's history and replay takes the same branch.
 *
 * The draw is a hash of the session's workflow id rather than a fresh random number: the same id always draws the
 * same (a team that reuses an id per conversation keeps it on one side, as rollouts keyed by user do), raising a
 * share only moves more ids onto the canary, never one back, and a test that starts fixed ids gets the same split
 * every run instead of failing one run in a hundred at a 99% interval. SHA-256 spreads any id pattern uniformly.
 */
export function createDrawCanary() {
  return async function drawCanary(): Promise<number> {
    // Only ever run by a session workflow, which always has an id.
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    const digest = createHash('sha256').update(`keel-canary:${workflowId}`).digest();
    // 48 bits: exact in a double, and far finer than any share a profile names.
    return digest.readUIntBE(0, 6) / 2 ** 48;
  };
}
