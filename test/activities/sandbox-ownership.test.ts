/**
 * A sandbox is attached only by the session that created it: the sandbox activities, run as a given workflow,
 * refuse another session's sandbox and another session's id, whatever a (forged) request says. Real local
 * sandbox, real activities, Temporal's activity test environment.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRunTool } from '../../src/activities/run-tool.js';
import { createSandboxLifecycle } from '../../src/activities/sandbox-lifecycle.js';
import { createSnapshotSandbox } from '../../src/activities/snapshot-sandbox.js';
import { prepareLocalSandboxHost } from '../../src/sandboxes/local/local-sandbox-host.js';
import { localSandboxOptionsSchema } from '../../src/sandboxes/local/local-sandbox-options.js';
import { LocalSandboxProvider } from '../../src/sandboxes/local/local-sandbox-provider.js';
import { SandboxRegistry } from '../../src/sandboxes/sandbox-registry.js';
import { ContentStore } from '../../src/stores/content-store.js';
import { FileBlobStore } from '../../src/stores/file-blob-store.js';
import { createBuiltInTools } from '../../src/tools/built-in/index.js';
import { defaultBuiltInToolOptions } from '../../src/tools/built-in/built-in-tool-options.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';
import type { SandboxReference } from '../../src/shared/schemas/tools.js';

/** Runs `activity` as an activity scheduled by the workflow `workflowId`. */
function asWorkflow<T>(workflowId: string, activity: () => Promise<T>): Promise<T> {
  const environment = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: randomUUID() } });
  return environment.run(activity);
}

const refusedAsNotOwned = (error: unknown): boolean => {
  assert.equal((error as { type?: string }).type, 'Sandbox.NotFound', String(error));
  assert.equal((error as { nonRetryable?: boolean }).nonRetryable, true);
  assert.match((error as Error).message, /cannot use the sandbox of session|belongs to another session|not a local sandbox of session/);
  return true;
};

describe('sandbox ownership', () => {
  let dataDir: string;
  let provider: LocalSandboxProvider;
  let lifecycle: ReturnType<typeof createSandboxLifecycle>;
  let runTool: ReturnType<typeof createRunTool>;
  let snapshotSandbox: ReturnType<typeof createSnapshotSandbox>;
  const owner = `session-owner-${randomUUID()}`;
  const intruder = `session-intruder-${randomUUID()}`;
  let ownerRef: SandboxReference;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keel-sandbox-ownership-'));
    provider = new LocalSandboxProvider(await prepareLocalSandboxHost(dataDir, localSandboxOptionsSchema.parse({})));
    const sandboxes = new SandboxRegistry();
    sandboxes.register(provider);
    const tools = new ToolRegistry(createBuiltInTools(defaultBuiltInToolOptions), 20_000);
    lifecycle = createSandboxLifecycle({ sandboxes });
    runTool = createRunTool({ tools, sandboxes, store: new ContentStore(new FileBlobStore(join(dataDir, 'store'))) });
    snapshotSandbox = createSnapshotSandbox({ sandboxes });
    ownerRef = await asWorkflow(owner, () => lifecycle.createSandbox({ sessionId: owner, sandbox: { provider: 'local' } }));
    await provider.writeFile(ownerRef, 'secret.txt', Buffer.from('the owner only'));
  });
  after(async () => {
    await provider.destroy(ownerRef).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('runTool: the owner reads its own file', async () => {
    const output = await asWorkflow(owner, () => runTool({ sessionId: owner, toolUseId: 'toolu_own', tool: 'read_file', input: { path: 'secret.txt' }, sandbox: ownerRef }));
    assert.deepEqual(output, { content: 'the owner only', isError: false });
  });

  test('runTool: another workflow naming the owner\'s sandbox (or the owner\'s session) is refused', async () => {
    const input = { path: 'secret.txt' };
    await assert.rejects(asWorkflow(intruder, () => runTool({ sessionId: intruder, toolUseId: 'toolu_1', tool: 'read_file', input, sandbox: ownerRef })), refusedAsNotOwned);
    await assert.rejects(asWorkflow(intruder, () => runTool({ sessionId: owner, toolUseId: 'toolu_2', tool: 'read_file', input, sandbox: ownerRef })), refusedAsNotOwned);
    // The owner's directory under the intruder's name: the provider's own check refuses it.
    const relabelled = { ...ownerRef, sessionId: intruder };
    await assert.rejects(asWorkflow(intruder, () => runTool({ sessionId: intruder, toolUseId: 'toolu_3', tool: 'read_file', input, sandbox: relabelled })), refusedAsNotOwned);
  });

  test('destroySandbox, createSandbox, snapshotSandbox: refused for another session\'s sandbox, which stays', async () => {
    await assert.rejects(asWorkflow(intruder, () => lifecycle.destroySandbox(ownerRef)), refusedAsNotOwned);
    await assert.rejects(asWorkflow(intruder, () => lifecycle.createSandbox({ sessionId: owner, sandbox: { provider: 'local' } })), refusedAsNotOwned);
    await assert.rejects(asWorkflow(intruder, () => snapshotSandbox({ sandbox: ownerRef, turn: 1 })), refusedAsNotOwned);
    assert.ok(existsSync(join(provider.workspaceOf(owner), 'secret.txt')));
    await asWorkflow(owner, () => lifecycle.destroySandbox(ownerRef));
    assert.equal(provider.exists(owner), false);
  });
});
