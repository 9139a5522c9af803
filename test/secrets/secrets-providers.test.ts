import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DirectorySecretsProvider } from '../../src/secrets/directory-secrets-provider.js';
import { EnvironmentSecretsProvider } from '../../src/secrets/environment-secrets-provider.js';
import { readSecretVariable } from '../../src/secrets/read-secret-variable.js';
import { resolveSecretEnvironment } from '../../src/secrets/resolve-secret-environment.js';
import { secretsProvidersFromEnvironment } from '../../src/secrets/secrets-from-environment.js';
import { secretReferenceSchema } from '../../src/shared/schemas/secret-reference.js';

describe('secrets', () => {
  test('EnvironmentSecretsProvider: reads KEEL_SECRET_<NAME>, a per-session value first, and nothing without the prefix', async () => {
    const provider = new EnvironmentSecretsProvider({
      KEEL_SECRET_GITHUB_TOKEN: 'shared-token',
      KEEL_SECRET_SESSION_42__GITHUB_TOKEN: 'session-token',
      ANTHROPIC_API_KEY: 'worker-only',
    });
    assert.equal(await provider.get({ secret: 'github-token' }), 'shared-token');
    assert.equal(await provider.get({ secret: 'github-token' }, { sessionId: 'session-42' }), 'session-token');
    assert.equal(await provider.get({ secret: 'github-token' }, { sessionId: 'session-7' }), 'shared-token');
    assert.equal(await provider.get({ secret: 'ANTHROPIC_API_KEY' }), undefined);
  });

  test('DirectorySecretsProvider: per-session file first, then the shared one; references cannot leave the directory', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-secrets-'));
    writeFileSync(join(directory, 'db-password'), 'shared\n');
    mkdirSync(join(directory, 'sessions', 'session-1'), { recursive: true });
    writeFileSync(join(directory, 'sessions', 'session-1', 'db-password'), 'only-for-session-1\n');
    const provider = new DirectorySecretsProvider(directory);
    assert.equal(await provider.get({ secret: 'db-password' }, { sessionId: 'session-1' }), 'only-for-session-1');
    assert.equal(await provider.get({ secret: 'db-password' }, { sessionId: 'session-2' }), 'shared');
    assert.equal(await provider.get({ secret: 'missing' }), undefined);
    for (const name of ['../etc/passwd', 'a/b', '..', '.hidden', '']) assert.equal(secretReferenceSchema.safeParse({ secret: name }).success, false, name);
  });

  test('resolveSecretEnvironment: resolves references for one command, and a missing one is a tool error naming it, not a value', async () => {
    const providers = secretsProvidersFromEnvironment({ KEEL_SECRET_API_TOKEN: 'value-1' });
    assert.deepEqual(await resolveSecretEnvironment({ API_TOKEN: { secret: 'api-token' } }, providers, { sessionId: 's' }), { API_TOKEN: 'value-1' });
    await assert.rejects(
      resolveSecretEnvironment({ API_TOKEN: { secret: 'api-token' }, OTHER: { secret: 'nope' } }, providers),
      (error: Error) => error.name === 'ToolError' && /secret "nope" \(for OTHER\) is not configured/.test(error.message) && !error.message.includes('value-1'),
    );
  });

  test('readSecretVariable: the variable or its _FILE form, never both; errors name the variable only', () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-secret-file-'));
    writeFileSync(join(directory, 'key'), 'from-file\n');
    assert.equal(readSecretVariable('X_KEY', { X_KEY: 'direct' }), 'direct');
    assert.equal(readSecretVariable('X_KEY', { X_KEY_FILE: join(directory, 'key') }), 'from-file');
    assert.equal(readSecretVariable('X_KEY', {}), undefined);
    assert.throws(() => readSecretVariable('X_KEY', { X_KEY: 'direct', X_KEY_FILE: join(directory, 'key') }), /set X_KEY or X_KEY_FILE, not both/);
    assert.throws(() => readSecretVariable('X_KEY', { X_KEY_FILE: join(directory, 'absent') }), /X_KEY_FILE: cannot read .*ENOENT/);
  });
});
