/**
 * The input of an eval session: the recorded session's settings and opening messages on the candidate profile,
 * with its tool calls to replay and its snapshots (`replay`), and the grant (`fork`) that lets the new session read
 * what the recorded one stored. Pure; client-side.
 */
import type { SandboxSnapshot } from '../client/fork-session.js';
import { validateSessionInput } from '../client/session-client.js';
import type { SessionInput } from '../shared/schemas/session-input.js';
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';
import { transcriptToolCalls } from './transcript-tool-calls.js';

export interface EvalSessionPlanOptions {
  /** The recorded session's workflow id. */
  sourceId: string;
  /** The candidate profile's name. */
  profile: string;
  /** The grant of the eval session's id over the source (src/codec/fork-grant.ts). */
  grant: string;
  /** Recorded in the eval session's metadata (`evalRun`). */
  evalId: string;
}

/** @throws ValidationError when the result breaks the input schema (e.g. more recorded calls than a replay holds). */
export function planEvalSession(source: SessionInput, transcript: TranscriptEntry[], snapshots: SandboxSnapshot[], options: EvalSessionPlanOptions): SessionInput {
  // A source that was a fork or an eval itself carries a grant for its own id only: the eval session gets its own.
  const { fork: _sourceGrant, replay: _sourceReplay, ...settings } = source;
  return validateSessionInput({
    ...settings,
    profile: options.profile,
    fork: { from: options.sourceId, grant: options.grant },
    replay: {
      from: options.sourceId,
      toolCalls: transcriptToolCalls(transcript),
      snapshots: snapshots.map(({ turn, snapshotId, missing }) => ({ turn, ...(snapshotId ? { snapshotId } : {}), ...(missing ? { missing: missing.slice(0, 1000) } : {}) })),
    },
    metadata: { ...source.metadata, evalOf: options.sourceId, evalRun: options.evalId },
  });
}
