/**
 * Fork grants: the capability that lets a new session read what its source stored (blobs, sandbox snapshots).
 * `grant = HMAC-SHA256(key, "keel-fork\0" + sourceId + "\0" + forkId)`: the `keel fork` command computes it with the
 * workers' grant key and puts it in the fork's input (`fork: {from, grant}`); the worker checks it against the
 * workflow id Temporal gives its activity, so a client that merely names a source, or copies another fork's grant,
 * gets nothing. Worker and client side.
 *
 * The key: `KEEL_GRANT_KEY` (or `KEEL_GRANT_KEY_FILE`), at least 32 characters; else a random key in
 * `<KEEL_DATA_DIR>/grant.key`, created 0600 by the first worker that needs it and read by a `keel` CLI on the same
 * host.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { readSecretVariable } from '../secrets/read-secret-variable.js';

export const GRANT_KEY_VARIABLE = 'KEEL_GRANT_KEY';
const MIN_KEY_CHARACTERS = 32;

/** The grant of `forkId` over `sourceId`, 64 hex digits. */
export function forkGrant(key: Buffer, sourceId: string, forkId: string): string {
  return createHmac('sha256', key).update(`keel-fork\0${sourceId}\0${forkId}`, 'utf8').digest('hex');
}

/** Whether `grant` lets `forkId` read `sourceId`'s content (constant time). */
export function verifyForkGrant(key: Buffer, sourceId: string, forkId: string, grant: string): boolean {
  const expected = Buffer.from(forkGrant(key, sourceId, forkId), 'hex');
  const presented = Buffer.from(/^[0-9a-f]{64}$/.test(grant) ? grant : '', 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The key file under a data folder. */
export function grantKeyFile(dataDir: string): string {
  return join(dataDir, 'grant.key');
}

/**
 * The grant key from the environment, else from the data folder's key file.
 * @param create make the key file when missing (workers); a CLI only reads it.
 * @throws ConfigError when the variable is too short, or (without `create`) no key is found.
 */
export function loadGrantKey(dataDir: string, options: { create: boolean }, environment: NodeJS.ProcessEnv = process.env): Buffer {
  const configured = readSecretVariable(GRANT_KEY_VARIABLE, environment)?.trim();
  if (configured) {
    if (configured.length < MIN_KEY_CHARACTERS) throw new ConfigError(`${GRANT_KEY_VARIABLE}: at least ${MIN_KEY_CHARACTERS} characters (make one with \`openssl rand -hex 32\`)`);
    return Buffer.from(configured, 'utf8');
  }
  const file = grantKeyFile(dataDir);
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`cannot read the fork grant key ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  if (!options.create) {
    throw new ConfigError(`no fork grant key: set ${GRANT_KEY_VARIABLE} (or ${GRANT_KEY_VARIABLE}_FILE) to the workers' key, or KEEL_DATA_DIR to a worker's data folder on this host (${file} does not exist)`);
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': two workers starting at once keep the first one's key.
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError(`cannot create the fork grant key ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}
