/**
 * The patches in use, in one registry (as the Temporal SDK keeps its own flags in `flags.ts`): each entry says what
 * it changes and since when. Workflow code asks for a patch only through {@link isPatched}, never `patched()` with
 * a literal, so that this file lists every fork in the command sequence a history may take.
 *
 * A patch id is stored in history (a marker): it is permanent while any history recorded before the change may
 * still be replayed. Histories of the old paths are kept in test/fixtures/histories/legacy/ and replayed by
 * test/workflows/replay.test.ts. Bundle-safe.
 */
import { patched } from '@temporalio/workflow';

export interface SessionPatch {
  /** The marker id in history. */
  readonly id: string;
  /** The release (CHANGELOG.md heading) that brought the change. */
  readonly since: string;
  /** What a patched run does that a run before it did not. */
  readonly changes: string;
}

export const sessionPatches = {
  /**
   * Sessions with tools resolve them through an activity at the start of each run. Histories begun before tools
   * existed have no such activity. Runs on the lean-steps path do not ask for it (they resolve tools always).
   */
  tools: {
    id: 'keel-tools',
    since: '0.1.0 — first cut',
    changes: 'resolves the session\'s tools (resolveTools activity) at the start of each run',
  },
  /** After a turn's tool calls, a session with a local sandbox snapshots its files (`keel fork --at-turn`). */
  sandboxSnapshots: {
    id: 'keel-sandbox-snapshots',
    since: '0.1.0 — first cut',
    changes: 'runs the snapshotSandbox activity at the end of each turn that ran tools in a local sandbox',
  },
  /**
   * Fewer server round trips and writes per step (bench/RESULTS.md): configuration read by local activities
   * (session-config.ts), search attributes written when the status changes rather than at every step
   * (session-visibility.ts). Decided once, synchronously, at the start of each run, before anything awaits: a local
   * activity's result is replayed from its marker at once, which can move the code after it into an earlier
   * workflow task than it first ran in, so a patch asked for there would be looked for in the wrong task.
   */
  leanSteps: {
    id: 'keel-lean-steps',
    since: 'Unreleased — what durability costs, measured and cut',
    changes: 'resolveProfile and resolveTools as local activities; search attributes upserted on status or profile change',
  },
  /**
   * A run that continued as new reads its profile again (the resolveProfile activity, recorded in its history)
   * instead of keeping the one it carried, so that an edited profile reaches running sessions at their next
   * continue-as-new. Asked for only in continued runs, at their start.
   */
  followProfile: {
    id: 'keel-follow-profile',
    since: 'Unreleased — moving a live fleet',
    changes: 'each continued run resolves the session\'s profile again (resolveProfile) instead of keeping the carried one',
  },
  /**
   * During a long turn, the figures in the search attributes are written again every few steps rather than every
   * few seconds of workflow time. Workflow time is not the same on replay after a local activity: its result is
   * replayed at once, in the workflow task it was scheduled in, so `Date.now()` there reads the earlier task's time
   * and a time rule could upsert where the first run did not (a nondeterminism error). Asked for in lean runs only.
   */
  figuresBySteps: {
    id: 'keel-figures-by-steps',
    since: 'Unreleased — what durability costs, measured and cut',
    changes: 'search attribute figures rewritten every FIGURES_EVERY_STEPS steps of a long turn, not every 5 s of workflow time',
  },
} as const satisfies Record<string, SessionPatch>;

export type SessionPatchName = keyof typeof sessionPatches;

/** `patched()` for a patch of the registry: true when this run takes the new path (and records the marker). */
export function isPatched(name: SessionPatchName): boolean {
  return patched(sessionPatches[name].id);
}
