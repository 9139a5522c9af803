import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretReference } from '../shared/schemas/secret-reference.js';
import type { SecretScope, SecretsProvider } from './secrets-provider.js';

/**
 * Secrets as files in a directory (`KEEL_SECRETS_DIR`, e.g. `/run/secrets` where Docker and Kubernetes mount them):
 * `<dir>/sessions/<sessionId>/<name>` for a per-session credential, else `<dir>/<name>`. Names are checked by
 * {@link secretReferenceSchema} (no `/`, no `..`), so a reference cannot leave the directory.
 */
export class DirectorySecretsProvider implements SecretsProvider {
  readonly name = 'directory';

  constructor(private readonly directory: string) {}

  async get(reference: SecretReference, scope: SecretScope = {}): Promise<string | undefined> {
    const candidates = [
      ...(scope.sessionId ? [join(this.directory, 'sessions', scope.sessionId.replace(/[^A-Za-z0-9._-]/g, '_'), reference.secret)] : []),
      join(this.directory, reference.secret),
    ];
    for (const path of candidates) {
      try {
        return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return undefined;
  }
}
