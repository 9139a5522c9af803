/**
 * One host uid per session, from a configured range, for workers that run as root: a session's commands and files
 * belong to its uid, so a command runs as no one who can read root-only files or another session's directory, and
 * RLIMIT_NPROC counts per session. A claim is a file named for the uid in a directory beside the sessions, holding
 * the session's key; it is made with `link`, which fails atomically when the uid is taken, so workers sharing the
 * data folder never hand one uid to two sessions. Worker-side.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SandboxError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';

export interface UidRange {
  first: number;
  count: number;
}

/** `first-last` (inclusive) as a range; the options schema has checked the form. */
export function parseUidRange(range: string): UidRange {
  const [first, last] = range.split('-').map(Number) as [number, number];
  return { first, count: last - first + 1 };
}

/**
 * The uid of a session: the one it holds already, or a free one (the search starts at a place given by the
 * session key, so claims rarely collide). @throws SandboxError (Sandbox.Unavailable) when every uid is taken.
 */
export async function claimSessionUid(directory: string, sessionKey: string, range: UidRange): Promise<number> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const start = createHash('sha256').update(sessionKey).digest().readUInt32BE(0) % range.count;
  const pending = join(directory, `.claim-${randomBytes(6).toString('hex')}`);
  await writeFile(pending, sessionKey, { mode: 0o600 });
  try {
    for (let step = 0; step < range.count; step += 1) {
      const uid = range.first + ((start + step) % range.count);
      try {
        await link(pending, join(directory, String(uid)));
        return uid;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if ((await readFile(join(directory, String(uid)), 'utf8').catch(() => '')) === sessionKey) return uid;
      }
    }
  } finally {
    await unlink(pending).catch(() => undefined);
  }
  throw new SandboxError(`every sandbox uid of the range ${range.first}-${range.first + range.count - 1} is taken (KEEL_SANDBOX_UIDS)`, {
    retryable: true,
    failureType: FailureTypes.SandboxUnavailable,
  });
}

/** Gives a session's uid back, if the session still holds it. */
export async function releaseSessionUid(directory: string, sessionKey: string, uid: number): Promise<void> {
  const claim = join(directory, String(uid));
  if ((await readFile(claim, 'utf8').catch(() => '')) === sessionKey) await unlink(claim).catch(() => undefined);
}
