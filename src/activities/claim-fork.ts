/**
 * `claimFork`: the first step of a session started by `keel fork`. It checks the fork's grant against the workflow id
 * Temporal gave this activity, then gives the session read access to everything its source may read (stored
 * content, sandbox snapshots), so that the source's stored blocks in its opening messages and its snapshot resolve.
 * What the source may read includes what it was granted itself, so a fork of a fork works. Worker-side.
 */
import { ApplicationFailure } from '@temporalio/common';
import { verifyForkGrant } from '../codec/fork-grant.js';
import type { SandboxRegistry } from '../sandboxes/sandbox-registry.js';
import { FailureTypes } from '../shared/failure-types.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { forkGrantSchema, type ForkGrant } from '../shared/schemas/session-input.js';
import type { ContentStore } from '../stores/content-store.js';
import { activitySessionId } from './activity-session.js';
import { toActivityFailure } from './activity-failure.js';

/** What the history records of a claim. */
export interface ClaimForkResult {
  from: string;
  /** Stored blobs and sandbox snapshots of the source this session may now read. */
  blobs: number;
  snapshots: number;
}

export function createClaimFork(dependencies: { store: ContentStore; sandboxes: SandboxRegistry; grantKey: Buffer }) {
  /** @throws ApplicationFailure `Store.Forbidden`, not retryable, when the grant does not verify for this session. */
  return async function claimFork(request: ForkGrant): Promise<ClaimForkResult> {
    const parsed = forkGrantSchema.safeParse(request);
    if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid fork grant: ${describeIssues(parsed.error)}`, FailureTypes.StoreForbidden);
    const session = activitySessionId();
    const { from, grant } = parsed.data;
    if (from === session || !verifyForkGrant(dependencies.grantKey, from, session, grant)) {
      throw ApplicationFailure.nonRetryable(
        `the fork grant does not let session ${session} read session ${from} (a grant is made by \`keel fork\` with the workers' KEEL_GRANT_KEY for one source and one new session id)`,
        FailureTypes.StoreForbidden,
      );
    }
    try {
      const blobs = await dependencies.store.grant(from, session);
      let snapshots = 0;
      for (const provider of dependencies.sandboxes.providers()) if (provider.grantSnapshots) snapshots += await provider.grantSnapshots(from, session);
      return { from, blobs, snapshots };
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}
