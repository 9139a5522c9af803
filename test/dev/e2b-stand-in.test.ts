/**
 * The E2B stand-in itself, driven by the real `e2b` SDK and by plain HTTP: the behaviours of E2B's services that
 * the provider relies on (expiry, list filters and pages, the envd gate and deadline) and its stated limits.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test, type TestContext } from 'node:test';
import { E2B } from 'e2b';
import { startE2BStandIn, type E2BStandIn } from '../../src/dev/e2b-stand-in/e2b-stand-in.js';
import { waitFor } from '../harness/wait-for.js';

async function standInFor(t: TestContext): Promise<{ standIn: E2BStandIn; sdk: E2B }> {
  const standIn = await startE2BStandIn();
  t.after(() => standIn.close());
  const sdk = new E2B({ apiKey: standIn.apiKey, apiUrl: standIn.apiUrl, sandboxUrl: standIn.sandboxUrl, debug: false, retries: 0 });
  return { standIn, sdk };
}

describe('E2B stand-in', () => {
  test('expiry: a sandbox ends on its own when its timeout passes, with its commands and files', async (t) => {
    const { standIn, sdk } = await standInFor(t);
    const sandbox = await sdk.Sandbox.create('base', { timeoutMs: 1_000 });
    const directory = standIn.hostPath(sandbox.sandboxId, '/home/user');
    await sandbox.commands.run('sleep 60', { background: true });
    await waitFor('the sandbox to expire', () => standIn.ended.find((end) => end.sandboxId === sandbox.sandboxId && end.reason === 'expired'), 10_000);
    assert.equal(standIn.sandboxes().length, 0);
    assert.equal(existsSync(directory), false);
    await assert.rejects(sdk.Sandbox.connect(sandbox.sandboxId), { name: 'SandboxNotFoundError' });
  });

  test('list: filters by metadata (values with reserved characters included) and pages with X-Next-Token', async (t) => {
    const { sdk } = await standInFor(t);
    const tag = 'a b&c=d/é';
    for (let index = 0; index < 3; index += 1) await sdk.Sandbox.create('base', { metadata: { tag, index: String(index) } });
    await sdk.Sandbox.create('base', { metadata: { tag: 'other' } });
    const paginator = sdk.Sandbox.list({ query: { metadata: { tag } }, limit: 2, order: 'asc' });
    const first = await paginator.nextItems();
    assert.equal(paginator.hasNext, true);
    const second = await paginator.nextItems();
    assert.equal(paginator.hasNext, false);
    assert.deepEqual([...first, ...second].map((sandbox) => sandbox.metadata.index), ['0', '1', '2']);
  });

  test('envd: a wrong access token is refused with 401 and an unknown sandbox with 502, as behind E2B\'s proxy', async (t) => {
    const { standIn, sdk } = await standInFor(t);
    const sandbox = await sdk.Sandbox.create('base');
    const wrongToken = await fetch(`${standIn.sandboxUrl}/files?path=x`, {
      headers: { 'E2b-Sandbox-Id': sandbox.sandboxId, 'X-Access-Token': 'not-the-token' },
    });
    assert.equal(wrongToken.status, 401);
    const unknown = await fetch(`${standIn.sandboxUrl}/health`, { headers: { 'E2b-Sandbox-Id': 'no-such-sandbox' } });
    assert.equal(unknown.status, 502);
  });

  test('envd: a command past its request deadline is killed even when no client stops it', async (t) => {
    const { standIn, sdk } = await standInFor(t);
    const sandbox = await sdk.Sandbox.create('base');
    await assert.rejects(sandbox.commands.run('sleep 30', { timeoutMs: 300 }), { name: 'TimeoutError' });
    await waitFor('envd to kill the command at its deadline', () => standIn.sandboxes()[0]?.processIds.length === 0);
    assert.equal(standIn.callsOf('process.Process/SendSignal').length, 0);
  });

  test('limits: RPCs the stand-in does not serve fail loudly instead of pretending', async (t) => {
    const { sdk } = await standInFor(t);
    const sandbox = await sdk.Sandbox.create('base');
    await assert.rejects(sandbox.files.watchDir('/home/user', () => undefined), /unimplemented/i);
    await assert.rejects(sdk.Sandbox.pause(sandbox.sandboxId), /does not serve/);
  });
});
