/**
 * A secret from the process environment: the variable itself, or the file named by `<NAME>_FILE` (the convention of
 * Docker and Kubernetes secrets, which keeps the value out of `docker inspect` and the process table). Worker and
 * codec-server side. The value is returned to the caller only: never logged, never put in an error message.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** @throws ConfigError naming the variable (not the value) when both forms are set or the file cannot be read. */
export function readSecretVariable(name: string, environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const direct = environment[name];
  const file = environment[`${name}_FILE`];
  if (direct && file) throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (direct) return direct;
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
