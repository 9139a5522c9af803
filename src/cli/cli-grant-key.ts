/**
 * The workers' grant key as a `keel` command reads it (`KEEL_GRANT_KEY`, or the key file in `KEEL_DATA_DIR`), to
 * sign the grants of the sessions it starts over their sources (`keel fork`, `keel eval`). Client-side.
 */
import { loadGrantKey } from '../codec/fork-grant.js';
import { CliError } from './cli-context.js';

/** @throws CliError (exit 2) when no key is found. */
export function cliGrantKey(environment: NodeJS.ProcessEnv): Buffer {
  try {
    return loadGrantKey(environment.KEEL_DATA_DIR ?? '.keel/data', { create: false }, environment);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}
