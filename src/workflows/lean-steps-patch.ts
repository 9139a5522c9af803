/**
 * The patch for the changes that took server round trips and writes off each step of a session (measured in
 * bench/RESULTS.md): configuration read by local activities (session-config.ts), and search attributes written when
 * the status changes rather than at every step (session-visibility.ts). Histories recorded before it replay the old
 * way (test/fixtures/histories/legacy/).
 *
 * Decided once, synchronously, at the start of each run, before anything awaits: a local activity's result is
 * replayed from its marker at once, which can move the code after it into an earlier workflow task than it first
 * ran in, so a patch asked for there would be looked for in the wrong task.
 */
import { patched } from '@temporalio/workflow';

export const leanStepsPatch = 'keel-lean-steps';

/** True when this run takes the lean path. Call once, at the start of the run. */
export function leanSteps(): boolean {
  return patched(leanStepsPatch);
}
