/**
 * The local sandbox against the real bubblewrap and the host's real cgroups: isolation, limits, cleanup.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { describeLocalSandbox, prepareLocalSandboxHost, type LocalSandboxHost } from '../../src/sandboxes/local/local-sandbox-host.js';
import { localSandboxOptionsSchema } from '../../src/sandboxes/local/local-sandbox-options.js';
import { LocalSandboxProvider } from '../../src/sandboxes/local/local-sandbox-provider.js';
import type { RunCommandOptions, SandboxRef } from '../../src/sandboxes/sandbox-provider.js';
import { startCountingServer, type CountingServer } from '../harness/counting-server.js';
import { hostProcessesWith } from '../harness/host-processes.js';

const run: RunCommandOptions = { timeoutMs: 20_000, maxOutputBytes: 16 * 1024 };

describe('local sandbox (bubblewrap)', () => {
  let dataDir: string;
  let host: LocalSandboxHost;
  let provider: LocalSandboxProvider;
  let server: CountingServer;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keel-local-sandbox-'));
    host = await prepareLocalSandboxHost(dataDir, localSandboxOptionsSchema.parse({ memoryMb: 64, maxProcesses: 48, maxFileMb: 1, maxOpenFiles: 200, cpuSeconds: 30 }));
    provider = new LocalSandboxProvider(host);
    server = await startCountingServer('127.0.0.1', 'hello from the host\n');
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh sandbox, destroyed when the test ends, passed or not. */
  const newSandbox = async (t: TestContext, network = false): Promise<SandboxRef> => {
    const ref = await provider.create(`session-${randomUUID()}`, { network });
    t.after(() => provider.destroy(ref));
    return ref;
  };

  test('host: bubblewrap runs here and cgroup limits are found', () => {
    assert.equal(host.isolation, 'bubblewrap', host.bubblewrapProblem);
    assert.ok(host.cgroups.limitsMemory, host.cgroups.support.problems.join('; '));
    assert.ok(host.cgroups.limitsProcesses, host.cgroups.support.problems.join('; '));
    const report = describeLocalSandbox(host);
    assert.equal(report.available, true);
    assert.match(report.lines.join('\n'), /local sandbox limits in force: memory 64 MiB per session \(cgroup v\d\), 48 processes per session/);
    assert.match(report.lines.join('\n'), /file size 1 MiB \(rlimit\), 200 open files \(rlimit\), CPU 30 s per process \(rlimit\)/);
  });

  test('runCommand: runs in the session directory as an unprivileged user and sees files written by the file tools', async (t) => {
    const ref = await newSandbox(t);
    await provider.writeFile(ref, 'hello.txt', Buffer.from('hi there'));
    const result = await provider.runCommand(ref, 'pwd; id -u; cat hello.txt; echo to-err >&2; exit 3', run);
    assert.equal(result.exitCode, 3);
    assert.equal(result.stdout, '/workspace\n1000\nhi there');
    assert.equal(result.stderr, 'to-err\n');
    assert.equal(result.timedOut, false);
    await provider.runCommand(ref, 'mkdir -p out && echo made > out/result.txt', run);
    assert.equal(Buffer.from(await provider.readFile(ref, 'out/result.txt')).toString(), 'made\n');
  });

  test('runCommand: the host filesystem is read-only, its /etc/passwd invisible and the worker environment does not leak', async (t) => {
    const ref = await newSandbox(t);
    process.env.KEEL_TEST_SENTINEL = 'must-not-leak';
    const marker = `keel-escape-${randomUUID()}`;
    const result = await provider.runCommand(
      ref,
      [
        'cat ../../etc/passwd',
        'ls /root /home 2>&1 | head -2',
        `touch /usr/${marker} 2>&1 || echo usr-refused`,
        `touch /etc/${marker} 2>&1 || echo etc-refused`,
        `touch /tmp/${marker} && echo tmp-private`,
        'env | grep -c KEEL_TEST_SENTINEL || true',
        'ls /proc | grep -cE "^[0-9]+$"',
      ].join('; '),
      run,
    );
    delete process.env.KEEL_TEST_SENTINEL;
    const hostPasswd = readFileSync('/etc/passwd', 'utf8');
    assert.match(result.stdout, /^keel:x:1000:1000:/);
    assert.ok(!result.stdout.includes(hostPasswd.split('\n')[0]!), 'the host /etc/passwd is not visible');
    assert.match(result.stdout, /usr-refused/);
    assert.match(result.stdout, /etc-refused/);
    assert.match(result.stdout, /tmp-private/);
    assert.ok(!existsSync(`/usr/${marker}`) && !existsSync(`/etc/${marker}`) && !existsSync(`/tmp/${marker}`));
    assert.match(result.stdout, /\n0\n/, 'no worker environment variable inside');
    // Its own PID namespace: a handful of processes, not the host's.
    assert.ok(Number(result.stdout.trim().split('\n').at(-1)) < 10, result.stdout);
  });

  test('runCommand: a server on the host loopback is out of reach with network off and on (a namespace of its own either way)', async (t) => {
    const command = `exec 3<>/dev/tcp/127.0.0.1/${server.port} && cat <&3`;
    const before = server.connections;
    for (const network of [false, true]) {
      const ref = await newSandbox(t, network);
      const refused = await provider.runCommand(ref, command, run);
      assert.notEqual(refused.exitCode, 0, `network ${network}: ${refused.stdout}`);
      assert.match(refused.stderr, /Connection refused|Network is unreachable/);
    }
    assert.equal(server.connections, before);
  });

  test('runCommand: the wall-clock timeout kills the whole process tree, background processes included', async (t) => {
    const ref = await newSandbox(t);
    const marker = `${1000 + Math.floor(Math.random() * 1000)}.${Math.floor(Math.random() * 1e6)}`;
    const result = await provider.runCommand(ref, `echo started; (sleep ${marker} &); nohup sleep ${marker} & sleep ${marker}`, { ...run, timeoutMs: 1_000 });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.equal(result.stdout, 'started\n');
    // The kernel tears the PID namespace down right after its first process dies.
    for (let attempt = 0; attempt < 50 && hostProcessesWith(`sleep ${marker}`).length > 0; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(hostProcessesWith(`sleep ${marker}`), []);
  });

  test('runCommand: output beyond the cap is cut in the middle with a note', async (t) => {
    const ref = await newSandbox(t);
    const result = await provider.runCommand(ref, "head -c 52428800 /dev/zero | tr '\\0' x; echo; echo the-end", run);
    assert.equal(result.exitCode, 0);
    assert.ok(result.truncatedStdoutBytes > 52_000_000);
    assert.ok(result.stdout.length < 17 * 1024);
    assert.match(result.stdout, /\[\.\.\. \d+ bytes cut \.\.\.\]/);
    assert.ok(result.stdout.endsWith('the-end\n'));
  });

  test('runCommand: a fork bomb stops at the process limit and the host is untouched', async (t) => {
    const ref = await newSandbox(t);
    const result = await provider.runCommand(ref, 'bomb() { bomb | bomb & }; bomb; sleep 2; echo survived', { ...run, timeoutMs: 4_000 });
    assert.match(`${result.stderr}`, /process limit \(48\) was reached/);
    // The next command of the session runs normally.
    const after = await provider.runCommand(ref, 'echo alive', run);
    assert.equal(after.stdout, 'alive\n');
  });

  test('runCommand: rlimits and the memory cgroup bound what a command can take', async (t) => {
    const ref = await newSandbox(t);
    const limits = await provider.runCommand(ref, 'ulimit -n; ulimit -t; ulimit -f; ulimit -v', run);
    assert.equal(limits.stdout, '200\n30\n1024\nunlimited\n');
    const bigFile = await provider.runCommand(ref, 'head -c 2097152 /dev/zero > big.bin', run);
    assert.notEqual(bigFile.exitCode, 0);
    assert.equal((await provider.listFiles(ref)).find((entry) => entry.name === 'big.bin')?.size, 1024 * 1024);
    const memory = await provider.runCommand(ref, 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo ${#x}', run);
    assert.notEqual(memory.exitCode, 0);
    assert.match(memory.stderr, /memory limit \(64 MiB\) was reached/);
  });

  test('create and destroy: create is idempotent and keeps files; destroy removes the directory and its cgroups, twice safely', async () => {
    const sessionId = `session-${randomUUID()}`;
    const ref = await provider.create(sessionId, {});
    await provider.writeFile(ref, 'keep.txt', Buffer.from('kept'));
    const again = await provider.create(sessionId, {});
    assert.deepEqual(again, ref);
    assert.equal(Buffer.from(await provider.readFile(again, 'keep.txt')).toString(), 'kept');
    await provider.runCommand(ref, 'chmod 500 .; true', run);
    await provider.destroy(ref);
    assert.equal(provider.exists(sessionId), false);
    for (const parent of [host.cgroups.support.memoryParent, host.cgroups.support.pidsParent]) {
      assert.ok(!existsSync(join(parent!, ref.id)));
    }
    await provider.destroy(ref);
    await assert.rejects(provider.runCommand(ref, 'true', run), { name: 'SandboxError', message: /does not exist/ });
  });

  test('unavailable bubblewrap: refused unless the unsafe opt-out is set, and said so', async () => {
    const options = localSandboxOptionsSchema.parse({ bubblewrapPath: '/nonexistent/bwrap' });
    const missing = await prepareLocalSandboxHost(dataDir, options);
    assert.equal(missing.isolation, 'none');
    const refused = new LocalSandboxProvider(missing);
    assert.equal(refused.available, false);
    assert.match(describeLocalSandbox(missing).lines[0]!, /local sandbox: UNAVAILABLE: bubblewrap \(\/nonexistent\/bwrap\) is not installed.*KEEL_UNSAFE_UNSANDBOXED_LOCAL=1/);
    const ref = await refused.create(`session-${randomUUID()}`, {});
    await assert.rejects(refused.runCommand(ref, 'true', run), { name: 'SandboxError', message: /cannot run commands on this worker/ });

    const unsafe = await prepareLocalSandboxHost(dataDir, { ...options, unsafeUnsandboxed: true });
    assert.match(describeLocalSandbox(unsafe).lines[0]!, /UNSANDBOXED \(KEEL_UNSAFE_UNSANDBOXED_LOCAL=1\)/);
    const unsandboxed = new LocalSandboxProvider(unsafe);
    const result = await unsandboxed.runCommand(ref, 'pwd; echo $HOME', run);
    assert.equal(result.stdout, `${unsandboxed.workspaceOf(ref.sessionId)}\n${unsandboxed.workspaceOf(ref.sessionId)}\n`);
    await unsandboxed.destroy(ref);
  });
});
