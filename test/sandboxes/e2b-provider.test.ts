/**
 * The E2B provider against the local E2B stand-in, through the real `e2b` SDK over real HTTP: the control plane
 * (create, list by metadata, connect, set timeout, kill) and envd (Connect-RPC process and filesystem services,
 * `/files`), with commands really run and files really written in the stand-in's sandbox directories.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { E2B } from 'e2b';
import { startE2BStandIn, type E2BStandIn } from '../../src/dev/e2b-stand-in/e2b-stand-in.js';
import { AgentRuntimeError, type SandboxError, type ToolError } from '../../src/errors.js';
import { E2BSandboxProvider, type E2BSandboxProviderOptions, e2bSessionMetadataKey } from '../../src/sandboxes/e2b/e2b-sandbox-provider.js';
import type { SandboxRef } from '../../src/sandboxes/sandbox-provider.js';
import { FailureTypes } from '../../src/shared/failure-types.js';
import { waitFor } from '../harness/wait-for.js';

const workingDirectory = '/home/user/workspace';
const commandDefaults = { timeoutMs: 10_000, maxOutputBytes: 10_000 };

async function standInFor(t: TestContext): Promise<E2BStandIn> {
  const standIn = await startE2BStandIn();
  t.after(() => standIn.close());
  return standIn;
}

function providerFor(standIn: E2BStandIn, options: E2BSandboxProviderOptions = {}): E2BSandboxProvider {
  return new E2BSandboxProvider({
    apiKey: standIn.apiKey,
    apiUrl: standIn.apiUrl,
    sandboxUrl: standIn.sandboxUrl,
    requestTimeoutMs: 5_000,
    env: {},
    ...options,
  });
}

/** The SDK used directly, as another party (or an earlier, lost attempt) would. */
function sdkFor(standIn: E2BStandIn): E2B {
  return new E2B({ apiKey: standIn.apiKey, apiUrl: standIn.apiUrl, sandboxUrl: standIn.sandboxUrl, debug: false, retries: 0 });
}

async function rejectsWith(promise: Promise<unknown>, expected: { name: string; failureType?: string; retryable?: boolean; content?: RegExp }) {
  const error = await promise.then(
    () => assert.fail(`expected a ${expected.name}`),
    (caught: unknown) => caught,
  );
  assert.ok(AgentRuntimeError.isInstance(error), `expected a Keel error, got ${String(error)}`);
  assert.equal(error.name, expected.name, String(error));
  if (expected.failureType !== undefined) assert.equal((error as SandboxError).failureType, expected.failureType, error.message);
  if (expected.retryable !== undefined) assert.equal((error as SandboxError).retryable, expected.retryable, error.message);
  if (expected.content) assert.match((error as ToolError).content, expected.content);
  return error;
}

describe('E2BSandboxProvider: create and reconnect', () => {
  test('create: makes one sandbox tagged with the session, with its working directory, timeout and network off', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const before = Date.now();
    const ref = await provider.create('session-create', { timeoutSeconds: 120 });
    const after = Date.now();

    assert.deepEqual(ref, { provider: 'e2b', id: ref.id, sessionId: 'session-create' });
    const [sandbox, ...others] = standIn.sandboxes();
    assert.equal(others.length, 0);
    assert.equal(sandbox?.sandboxId, ref.id);
    assert.deepEqual(sandbox?.metadata, { [e2bSessionMetadataKey]: 'session-create' });
    assert.equal(sandbox?.templateId, 'base');
    assert.equal(sandbox?.allowInternetAccess, false);
    // The stand-in starts the clock when it creates the sandbox, somewhere between `before` and `after` (seconds
    // apart on a loaded machine): the end is 120 s after a moment in that window.
    const endAt = sandbox?.endAt.getTime() ?? 0;
    assert.ok(endAt >= before + 119_000 && endAt <= after + 121_000, `sandbox ends ${endAt - before} ms after the create began`);
    assert.ok(statSync(standIn.hostPath(ref.id, workingDirectory)).isDirectory());
    assert.equal(standIn.callsOf('create').length, 1);
  });

  test('create: a second call for the session returns the same sandbox and creates nothing', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const first = await provider.create('session-twice', {});
    const second = await provider.create('session-twice', {});
    assert.deepEqual(second, first);
    assert.equal(standIn.callsOf('create').length, 1);
    assert.equal(standIn.sandboxes().length, 1);
  });

  test('create: a create whose answer was lost fails retryably, and the retry finds the sandbox instead of making another', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    standIn.failNext('create', { status: 500, message: 'lost on the way back' });
    await rejectsWith(provider.create('session-lost', {}), { name: 'SandboxError', failureType: FailureTypes.SandboxServerError, retryable: true });
    assert.equal(standIn.sandboxes().length, 1, 'the failed attempt did create a sandbox');

    const ref = await provider.create('session-lost', {});
    assert.equal(ref.id, standIn.sandboxes()[0]?.sandboxId);
    assert.equal(standIn.callsOf('create').length, 1);
    assert.equal(standIn.sandboxes().length, 1);
  });

  test('create: a dropped connection after the sandbox was made is a retryable Sandbox.Connection, and the retry reuses it', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    standIn.failNext('create', { dropConnection: true });
    await rejectsWith(provider.create('session-dropped', {}), { name: 'SandboxError', failureType: FailureTypes.SandboxConnection, retryable: true });
    const ref = await provider.create('session-dropped', {});
    assert.deepEqual(standIn.sandboxes().map((sandbox) => sandbox.sandboxId), [ref.id]);
  });

  test('create: racing creates for one session converge on the oldest sandbox and kill the others', async (t) => {
    const standIn = await standInFor(t);
    // Both lists answer late, so each attempt sees no sandbox and creates its own.
    standIn.failNext('list', { delayMs: 1_000 });
    standIn.failNext('list', { delayMs: 1_000 });
    const [first, second] = await Promise.all([
      providerFor(standIn).create('session-race', {}),
      providerFor(standIn).create('session-race', {}),
    ]);
    assert.equal(standIn.callsOf('create').length, 2, 'both attempts created a sandbox');
    assert.equal(first.id, second.id);
    assert.deepEqual(standIn.sandboxes().map((sandbox) => sandbox.sandboxId), [first.id]);
    assert.equal(standIn.ended.length, 1);
  });

  test('create: a new worker reconnects by session lookup and by id, and sees the same files', async (t) => {
    const standIn = await standInFor(t);
    const ref = await providerFor(standIn).create('session-handover', {});
    await providerFor(standIn).writeFile(ref, 'left-behind.txt', new TextEncoder().encode('from the first worker'));

    const newWorker = providerFor(standIn);
    assert.deepEqual(await newWorker.create('session-handover', {}), ref);
    const connectsBefore = standIn.callsOf('connect').length;
    const result = await newWorker.runCommand(ref, 'cat left-behind.txt', commandDefaults);
    assert.equal(result.stdout, 'from the first worker');
    assert.equal(standIn.callsOf('connect').length, connectsBefore + 1);
    assert.deepEqual(standIn.callsOf('connect').at(-1)?.sandboxId, ref.id);
    assert.equal(standIn.callsOf('create').length, 1);
  });

  test('create: the session input names the template, and network access can be asked for', async (t) => {
    const standIn = await startE2BStandIn({ templates: ['base', 'python-3'] });
    t.after(() => standIn.close());
    await providerFor(standIn).create('session-template', { template: 'python-3', network: true });
    assert.equal(standIn.sandboxes()[0]?.templateId, 'python-3');
    assert.equal(standIn.sandboxes()[0]?.allowInternetAccess, true);
  });

  test('create: with no options the worker reads E2B_API_KEY, E2B_API_URL and E2B_SANDBOX_URL', async (t) => {
    const standIn = await standInFor(t);
    // The SDK reads E2B_DEBUG from the process itself; the provider must not let it fake sandboxes.
    const debugBefore = process.env.E2B_DEBUG;
    process.env.E2B_DEBUG = 'true';
    t.after(() => {
      if (debugBefore === undefined) delete process.env.E2B_DEBUG;
      else process.env.E2B_DEBUG = debugBefore;
    });
    const provider = new E2BSandboxProvider({
      env: { E2B_API_KEY: standIn.apiKey, E2B_API_URL: standIn.apiUrl, E2B_SANDBOX_URL: standIn.sandboxUrl },
    });
    const ref = await provider.create('session-env', {});
    assert.equal((await provider.runCommand(ref, 'echo from-env', commandDefaults)).stdout, 'from-env\n');
    assert.equal(standIn.callsOf('create').length, 1, 'E2B_DEBUG does not switch the provider to the SDK\'s fake debug sandbox');
  });

  test('create: the workflow-visible ref holds no key or token', async (t) => {
    const standIn = await standInFor(t);
    const ref = await providerFor(standIn).create('session-secrets', {});
    const serialised = JSON.stringify(ref);
    assert.ok(!serialised.includes(standIn.apiKey));
    assert.deepEqual(Object.keys(ref).sort(), ['id', 'provider', 'sessionId']);
  });
});

describe('E2BSandboxProvider: commands', () => {
  async function sandboxFor(t: TestContext) {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const ref = await provider.create(`session-${t.name.length}-${Date.now()}`, {});
    return { standIn, provider, ref };
  }

  test('runCommand: stdout, stderr and exit code 0, run in the session directory', async (t) => {
    const { provider, ref } = await sandboxFor(t);
    const result = await provider.runCommand(ref, 'echo out; echo err >&2; basename "$PWD"', commandDefaults);
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, 'out\nworkspace\n');
    assert.equal(result.stderr, 'err\n');
    assert.equal(result.timedOut, false);
    assert.equal(result.truncatedStdoutBytes, 0);
    assert.ok(result.durationMs >= 0);
  });

  test('runCommand: a non-zero exit is a result, not an error', async (t) => {
    const { provider, ref } = await sandboxFor(t);
    const result = await provider.runCommand(ref, 'echo partial; echo broken >&2; exit 3', commandDefaults);
    assert.deepEqual(
      { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, timedOut: result.timedOut },
      { exitCode: 3, stdout: 'partial\n', stderr: 'broken\n', timedOut: false },
    );
  });

  test('runCommand: env and a cwd under the session directory are applied; a cwd outside it is a ToolError', async (t) => {
    const { standIn, provider, ref } = await sandboxFor(t);
    await provider.writeFile(ref, 'sub/marker', new TextEncoder().encode('x'));
    const result = await provider.runCommand(ref, 'echo "$GREETING"; ls', { ...commandDefaults, cwd: 'sub', env: { GREETING: 'hi there' } });
    assert.equal(result.stdout, 'hi there\nmarker\n');
    const starts = standIn.callsOf('process.Process/Start').length;
    await rejectsWith(provider.runCommand(ref, 'ls', { ...commandDefaults, cwd: '../..' }), { name: 'ToolError', content: /outside the session directory/ });
    await rejectsWith(provider.runCommand(ref, 'ls', { ...commandDefaults, cwd: 'missing-dir' }), { name: 'ToolError', content: /could not start/ });
    assert.equal(standIn.callsOf('process.Process/Start').length, starts + 1, 'the escaping cwd never reached the sandbox');
  });

  test('runCommand: output beyond maxOutputBytes is cut and counted per stream, and reported as it arrives', async (t) => {
    const { provider, ref } = await sandboxFor(t);
    const seen: number[] = [];
    const result = await provider.runCommand(ref, "printf 'a%.0s' $(seq 1 5000); printf 'é%.0s' $(seq 1 10) >&2", {
      timeoutMs: 10_000,
      maxOutputBytes: 1001,
      onOutput: (bytes) => seen.push(bytes),
    });
    assert.equal(result.stdout, 'a'.repeat(1001));
    assert.equal(result.truncatedStdoutBytes, 5000 - 1001);
    assert.equal(result.stderr, 'é'.repeat(10));
    assert.equal(result.truncatedStderrBytes, 0);
    assert.equal(seen.reduce((sum, bytes) => sum + bytes, 0), 5000 + 20);

    const cut = await provider.runCommand(ref, "printf 'é%.0s' $(seq 1 10)", { timeoutMs: 10_000, maxOutputBytes: 5 });
    assert.equal(cut.stdout, 'éé', 'a cut never splits a character');
    assert.equal(cut.truncatedStdoutBytes, 20 - 4);
  });

  test('runCommand: past timeoutMs the command is killed and the result says timedOut, with the output so far', async (t) => {
    const { standIn, provider, ref } = await sandboxFor(t);
    const result = await provider.runCommand(ref, 'echo started; sleep 30; echo never', { timeoutMs: 500, maxOutputBytes: 1000 });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.equal(result.stdout, 'started\n');
    assert.ok(result.durationMs >= 500 && result.durationMs < 10_000, `took ${result.durationMs} ms`);
    assert.equal(standIn.callsOf('process.Process/SendSignal').length, 1);
    await waitFor('the timed-out command to be gone from the sandbox', () => standIn.sandboxes()[0]?.processIds.length === 0);
  });

  test('runCommand: an aborted call kills the command and rejects with the abort reason', async (t) => {
    const { standIn, provider, ref } = await sandboxFor(t);
    const controller = new AbortController();
    const running = provider.runCommand(ref, 'sleep 30', { ...commandDefaults, signal: controller.signal });
    await waitFor('the command to start', () => standIn.sandboxes()[0]?.processIds.length === 1);
    controller.abort(new Error('activity cancelled'));
    await assert.rejects(running, /activity cancelled/);
    await waitFor('the aborted command to be gone from the sandbox', () => standIn.sandboxes()[0]?.processIds.length === 0);
  });
});

describe('E2BSandboxProvider: files', () => {
  test('writeFile / readFile / listFiles: real files in the sandbox, paths relative to the session directory', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn, { listDepth: 2 });
    const ref = await provider.create('session-files', {});
    const binary = Uint8Array.from([0, 1, 2, 253, 254, 255]);

    assert.equal(await provider.writeFile(ref, 'notes/today.md', new TextEncoder().encode('# Today\n')), 8);
    assert.equal(await provider.writeFile(ref, `${workingDirectory}/blob.bin`, binary), 6);
    assert.equal(readFileSync(standIn.hostPath(ref.id, `${workingDirectory}/notes/today.md`), 'utf8'), '# Today\n');
    writeFileSync(standIn.hostPath(ref.id, `${workingDirectory}/notes/made-by-hand.txt`), 'hand');

    assert.equal(new TextDecoder().decode(await provider.readFile(ref, './notes/../notes/today.md')), '# Today\n');
    assert.deepEqual(await provider.readFile(ref, 'blob.bin'), binary);
    assert.deepEqual(await provider.listFiles(ref), [
      { name: 'blob.bin', type: 'file', size: 6 },
      { name: 'notes', type: 'directory', size: statSync(standIn.hostPath(ref.id, `${workingDirectory}/notes`)).size },
      { name: 'notes/made-by-hand.txt', type: 'file', size: 4 },
      { name: 'notes/today.md', type: 'file', size: 8 },
    ]);
    assert.deepEqual(await provider.listFiles(ref, 'notes'), [
      { name: 'made-by-hand.txt', type: 'file', size: 4 },
      { name: 'today.md', type: 'file', size: 8 },
    ]);
  });

  test('files: a path leaving the session directory is a ToolError and never reaches the sandbox', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const ref = await provider.create('session-escape', {});
    const callsBefore = standIn.calls.length;
    await rejectsWith(provider.readFile(ref, '../../../etc/passwd'), { name: 'ToolError', content: /outside the session directory/ });
    await rejectsWith(provider.readFile(ref, '/etc/passwd'), { name: 'ToolError', content: /outside the session directory/ });
    await rejectsWith(provider.writeFile(ref, 'a/../../escape.txt', new Uint8Array([1])), { name: 'ToolError' });
    await rejectsWith(provider.listFiles(ref, '..'), { name: 'ToolError' });
    await rejectsWith(provider.readFile(ref, 'nul\0byte'), { name: 'ToolError', content: /NUL/ });
    assert.equal(standIn.calls.length, callsBefore);
  });

  test('files: a missing file, a directory read as a file and a missing directory are ToolErrors for the model', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const ref = await provider.create('session-missing', {});
    await provider.writeFile(ref, 'dir/file.txt', new TextEncoder().encode('x'));
    await rejectsWith(provider.readFile(ref, 'nope.txt'), { name: 'ToolError', content: /no such file or directory: nope\.txt/ });
    await rejectsWith(provider.readFile(ref, 'dir'), { name: 'ToolError', content: /cannot use dir/ });
    await rejectsWith(provider.listFiles(ref, 'absent'), { name: 'ToolError', content: /no such file or directory: absent/ });
    await rejectsWith(provider.writeFile(ref, 'dir', new Uint8Array([1])), { name: 'ToolError', content: /cannot use dir/ });
  });
});

describe('E2BSandboxProvider: lifetime', () => {
  test('keepAlive: the sandbox now ends that many seconds from now', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const ref = await provider.create('session-keepalive', { timeoutSeconds: 60 });
    const before = Date.now();
    await provider.keepAlive(ref, 900);
    const endsIn = (standIn.sandboxes()[0]?.endAt.getTime() ?? 0) - before;
    assert.ok(endsIn > 890_000 && endsIn <= 901_000, `ends in ${endsIn} ms`);
    assert.equal(standIn.callsOf('setTimeout').length, 1);
  });

  test('destroy: kills the sandbox (and any other tagged with the session); a second call is a no-op', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const ref = await provider.create('session-destroy', {});
    const stray = await sdkFor(standIn).Sandbox.create('base', { metadata: { [e2bSessionMetadataKey]: 'session-destroy' } });
    const bystander = await sdkFor(standIn).Sandbox.create('base', { metadata: { [e2bSessionMetadataKey]: 'another-session' } });

    await provider.destroy(ref);
    assert.deepEqual(standIn.sandboxes().map((sandbox) => sandbox.sandboxId), [bystander.sandboxId]);
    assert.deepEqual(standIn.ended.map((end) => [end.sandboxId, end.reason]), [
      [ref.id, 'killed'],
      [stray.sandboxId, 'killed'],
    ]);
    await provider.destroy(ref);
    await rejectsWith(provider.runCommand(ref, 'true', commandDefaults), { name: 'SandboxError', failureType: FailureTypes.SandboxNotFound, retryable: false });
  });

  test('expiry: once the sandbox timed out, calls fail with a non-retryable Sandbox.NotFound and create makes a new one', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const ref = await provider.create('session-expired', {});
    assert.equal(standIn.expire(ref.id), true);
    await rejectsWith(provider.runCommand(ref, 'true', commandDefaults), { name: 'SandboxError', failureType: FailureTypes.SandboxNotFound, retryable: false });
    await rejectsWith(provider.readFile(ref, 'x'), { name: 'SandboxError', failureType: FailureTypes.SandboxNotFound });
    await rejectsWith(provider.keepAlive(ref, 60), { name: 'SandboxError', failureType: FailureTypes.SandboxNotFound, retryable: false });
    const fresh = await provider.create('session-expired', {});
    assert.notEqual(fresh.id, ref.id);
  });
});

describe('E2BSandboxProvider: errors', () => {
  test('errors: a wrong or missing API key is a non-retryable Sandbox.Auth that does not echo the key', async (t) => {
    const standIn = await standInFor(t);
    const error = await rejectsWith(providerFor(standIn, { apiKey: 'e2b_wrong_key' }).create('session-auth', {}), {
      name: 'SandboxError',
      failureType: FailureTypes.SandboxAuth,
      retryable: false,
    });
    assert.ok(!error.message.includes('e2b_wrong_key'));
    await rejectsWith(providerFor(standIn, { apiKey: undefined }).create('session-auth', {}), {
      name: 'SandboxError',
      failureType: FailureTypes.SandboxAuth,
      retryable: false,
    });
    assert.equal(standIn.sandboxes().length, 0);
  });

  test('errors: an unknown template is a non-retryable Sandbox.TemplateNotFound', async (t) => {
    const standIn = await standInFor(t);
    await rejectsWith(providerFor(standIn).create('session-template', { template: 'no-such-template' }), {
      name: 'SandboxError',
      failureType: FailureTypes.SandboxTemplateNotFound,
      retryable: false,
    });
  });

  test('errors: 429 and 503 from the control plane are retryable, nothing was created', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    standIn.failNext('create', { status: 429, afterEffect: false });
    await rejectsWith(provider.create('session-busy', {}), { name: 'SandboxError', failureType: FailureTypes.SandboxRateLimit, retryable: true });
    standIn.failNext('create', { status: 503, afterEffect: false });
    await rejectsWith(provider.create('session-busy', {}), { name: 'SandboxError', failureType: FailureTypes.SandboxUnavailable, retryable: true });
    assert.equal(standIn.sandboxes().length, 0);
    await provider.create('session-busy', {});
    assert.equal(standIn.sandboxes().length, 1);
  });

  test('errors: an unreachable control plane is a retryable Sandbox.Connection', async (t) => {
    const standIn = await standInFor(t);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await rejectsWith(providerFor(standIn, { apiUrl: `http://127.0.0.1:${port}` }).create('session-unreachable', {}), {
      name: 'SandboxError',
      failureType: FailureTypes.SandboxConnection,
      retryable: true,
    });
  });

  test('errors: a ref of another provider is refused', async (t) => {
    const standIn = await standInFor(t);
    const localRef: SandboxRef = { provider: 'local', id: 'x', sessionId: 's' };
    await rejectsWith(providerFor(standIn).runCommand(localRef, 'true', commandDefaults), {
      name: 'SandboxError',
      failureType: FailureTypes.SandboxBadRequest,
      retryable: false,
    });
  });
});

describe('E2BSandboxProvider: ownership', () => {
  test('a sandbox tagged with one session is refused to a reference naming another: no command, file, keep-alive or kill', async (t) => {
    const standIn = await standInFor(t);
    const provider = providerFor(standIn);
    const owner = await provider.create('session-owner', { timeoutSeconds: 120 });
    await provider.writeFile(owner, 'secret.txt', Buffer.from('the owner only'));
    // What a forged carry would hold: the owner's sandbox id under the intruder's session.
    const forged: SandboxRef = { provider: 'e2b', id: owner.id, sessionId: 'session-intruder' };
    const notOwned = { name: 'SandboxError', failureType: FailureTypes.SandboxNotFound, retryable: false };
    await rejectsWith(provider.readFile(forged, 'secret.txt'), notOwned);
    await rejectsWith(provider.runCommand(forged, 'cat secret.txt', commandDefaults), notOwned);
    await rejectsWith(provider.keepAlive(forged, 60), notOwned);
    await rejectsWith(provider.destroy(forged), notOwned);
    assert.equal(standIn.sandboxes().length, 1);
    assert.equal(Buffer.from(await provider.readFile(owner, 'secret.txt')).toString(), 'the owner only');
    await provider.destroy(owner);
    assert.equal(standIn.sandboxes().length, 0);
  });
});
