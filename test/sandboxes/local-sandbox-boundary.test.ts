/**
 * The local sandbox holds against any command, with the real bubblewrap, slirp4netns and nftables: commands never
 * run as root, shared memory and disk are bounded, processes are bounded without cgroups, no nested user namespace,
 * and network means outbound only.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { CgroupManager } from '../../src/sandboxes/local/cgroup-manager.js';
import { describeLocalSandbox, prepareLocalSandboxHost, type LocalSandboxHost } from '../../src/sandboxes/local/local-sandbox-host.js';
import { localSandboxOptionsSchema } from '../../src/sandboxes/local/local-sandbox-options.js';
import { LocalSandboxProvider } from '../../src/sandboxes/local/local-sandbox-provider.js';
import { outboundFilterRules } from '../../src/sandboxes/local/outbound-network.js';
import type { RunCommandOptions, SandboxRef } from '../../src/sandboxes/sandbox-provider.js';
import { startCountingServer, type CountingServer } from '../harness/counting-server.js';

const run: RunCommandOptions = { timeoutMs: 20_000, maxOutputBytes: 16 * 1024 };
const asRoot = process.getuid?.() === 0;
const needsRoot = asRoot ? false : 'the worker runs as root only in this test when the test does';

/** The host's own first non-loopback IPv4 address (what a command with network must not reach either). */
function hostAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address && !address.internal && address.family === 'IPv4')?.address;
}

describe('local sandbox boundary', () => {
  let dataDir: string;
  let host: LocalSandboxHost;
  let provider: LocalSandboxProvider;
  let server: CountingServer;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keel-sandbox-boundary-'));
    host = await prepareLocalSandboxHost(dataDir, localSandboxOptionsSchema.parse({ maxProcesses: 40, diskQuotaMb: 4, shmMb: 1, sessionUids: '230000-230099' }));
    provider = new LocalSandboxProvider(host);
    // Every address of the host: its loopback and its own interfaces.
    server = await startCountingServer('0.0.0.0', 'hello from the worker host\n');
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const newSandbox = async (t: TestContext, network = false, sandboxes = provider): Promise<SandboxRef> => {
    const ref = await sandboxes.create(`session-${randomUUID()}`, { network });
    t.after(() => sandboxes.destroy(ref));
    return ref;
  };

  test('host: bubblewrap forbids nested user namespaces, sessions get uids of their own and network is offered', () => {
    assert.equal(host.isolation, 'bubblewrap', host.bubblewrapProblem);
    assert.equal(host.disableNestedUserNamespaces, true);
    assert.equal(host.outboundNetworkProblem, undefined);
    const report = describeLocalSandbox(host).lines.join('\n');
    assert.match(report, /no nested user namespaces/);
    assert.match(report, /outbound only, through slirp4netns/);
    assert.match(report, /\/dev\/shm 1 MiB, 40 processes per command \(rlimit\), disk 4 MiB per session/);
    if (asRoot) assert.match(report, /commands run as a uid of their own per session \(230000-230099\)/);
  });

  test('runCommand: as root, a command runs as its session\'s own host uid: root-only files and other sessions\' files are out of reach', { skip: needsRoot }, async (t) => {
    const first = await newSandbox(t);
    const second = await newSandbox(t);
    await provider.writeFile(second, 'secret.txt', Buffer.from('second session only'));
    const result = await provider.runCommand(first, 'cat /etc/ssl/private/* 2>&1; ls /etc/ssl/private 2>&1; touch made-by-command; id -u', run);
    assert.match(result.stdout, /Permission denied/);
    assert.doesNotMatch(result.stdout, /BEGIN|PRIVATE KEY|snakeoil/);
    const firstOwner = statSync(join(provider.workspaceOf(first.sessionId), 'made-by-command')).uid;
    const secondOwner = statSync(join(provider.workspaceOf(second.sessionId), 'secret.txt')).uid;
    assert.ok(firstOwner >= 230000 && firstOwner <= 230099, `owner ${firstOwner}`);
    assert.ok(secondOwner >= 230000 && secondOwner <= 230099 && secondOwner !== firstOwner, `owners ${firstOwner} ${secondOwner}`);
    assert.equal(statSync(provider.workspaceOf(second.sessionId)).mode & 0o777, 0o700);

    // Without bubblewrap (the unsafe opt-out) the host's files are in view: the uid is what keeps them out.
    const unsafe = new LocalSandboxProvider({ ...host, isolation: 'none', options: { ...host.options, unsafeUnsandboxed: true } });
    process.env.KEEL_TEST_SECRET = 'worker-only';
    const unsandboxed = await unsafe.runCommand(
      first,
      `cat ${provider.workspaceOf(second.sessionId)}/secret.txt 2>&1; cat /proc/${process.pid}/environ 2>&1 | head -c 200; echo; env | grep -c KEEL_TEST_SECRET; id -u`,
      run,
    );
    delete process.env.KEEL_TEST_SECRET;
    assert.doesNotMatch(unsandboxed.stdout, /second session only|worker-only/);
    assert.match(unsandboxed.stdout, /secret.txt: Permission denied/);
    assert.match(unsandboxed.stdout, /environ: Permission denied/);
    assert.match(unsandboxed.stdout, new RegExp(`\\n0\\n${firstOwner}\\n$`));
  });

  test('runCommand: /dev/shm is capped, /dev is read-only and a nested user namespace is refused', async (t) => {
    const ref = await newSandbox(t);
    const result = await provider.runCommand(
      ref,
      'head -c 3145728 /dev/zero > /dev/shm/big 2>&1; echo shm=$(stat -c %s /dev/shm/big); touch /dev/new 2>&1; unshare -U true 2>&1 || echo nested-refused',
      run,
    );
    assert.equal(result.stdout.match(/shm=(\d+)/)?.[1], String(1024 * 1024));
    assert.match(result.stdout, /\/dev\/new.*Read-only file system/);
    assert.match(result.stdout, /nested-refused/);
  });

  test('runCommand: the process limit holds where there are no cgroups', async (t) => {
    const withoutCgroups = new LocalSandboxProvider({ ...host, cgroups: new CgroupManager({ version: undefined, problems: ['none in this test'] }, { memoryBytes: 1, maxProcesses: 1 }) });
    const ref = await newSandbox(t, false, withoutCgroups);
    // perl's fork reports EAGAIN at once, where bash would retry for seconds.
    const result = await withoutCgroups.runCommand(
      ref,
      'ulimit -u; perl -e \'my $n = 0; for (1 .. 80) { my $pid = fork(); last unless defined $pid; if ($pid == 0) { sleep 3; exit 0 } $n++ } print "forked=$n\\n"\'',
      { ...run, timeoutMs: 10_000 },
    );
    assert.match(result.stdout, /^40\n/);
    const forked = Number(result.stdout.match(/forked=(\d+)/)?.[1]);
    assert.ok(forked > 0 && forked < 40, result.stdout + result.stderr);
  });

  test('disk quota: a command that fills it is told, later writes are refused with the quota named, removing files frees it', async (t) => {
    const ref = await newSandbox(t);
    const filled = await provider.runCommand(ref, 'head -c 6291456 /dev/zero > fill.bin; echo exit=$?', run);
    // RLIMIT_FSIZE stops the file at what was left of the 4 MiB.
    assert.ok(statSync(join(provider.workspaceOf(ref.sessionId), 'fill.bin')).size <= 4 * 1024 * 1024);
    const more = await provider.runCommand(ref, 'head -c 1048576 /dev/zero > more.bin; echo exit=$?', run);
    assert.match(filled.stderr, /at its disk quota of 4 MiB \(KEEL_SANDBOX_DISK_QUOTA_MB\)/);
    assert.match(more.stderr, /at its disk quota of 4 MiB \(KEEL_SANDBOX_DISK_QUOTA_MB\)/);
    assert.match(more.stdout, /exit=1/);
    await assert.rejects(provider.writeFile(ref, 'note.txt', Buffer.alloc(64 * 1024)), { name: 'ToolError', message: /over its disk quota of 4 MiB/ });
    const removed = await provider.runCommand(ref, 'rm fill.bin more.bin && echo freed', run);
    assert.equal(removed.stdout, 'freed\n');
    assert.equal(await provider.writeFile(ref, 'note.txt', Buffer.from('fits again')), 10);
  });

  test('disk quota: a command that goes over it through many files is stopped within a check interval', async (t) => {
    const ref = await newSandbox(t);
    // Each file may take what was left at the start (4 MiB); together they would take far more.
    const result = await provider.runCommand(ref, 'for i in $(seq 50); do head -c 3145728 /dev/zero > part-$i.bin; sleep 0.1; done; echo finished', run);
    assert.doesNotMatch(result.stdout, /finished/);
    assert.match(result.stderr, /over its disk quota of 4 MiB \(KEEL_SANDBOX_DISK_QUOTA_MB\); files cannot grow until others are removed \(rm still works\)\] \(the command was stopped\)$/);
    assert.doesNotMatch(result.stderr, /\[cancelled\]/);
    const parts = (await provider.listFiles(ref)).filter((entry) => entry.name.startsWith('part-'));
    assert.ok(parts.length < 50, `${parts.length} files written`);
  });

  test('network: with network on a command has an outbound link but reaches neither the worker host (loopback, its own address, the gateway) nor private ranges, and cannot lift the filter', async (t) => {
    const ref = await newSandbox(t, true);
    const targets = ['127.0.0.1', hostAddress(), '10.0.2.2'].filter(Boolean) as string[];
    const before = server.connections;
    const result = await provider.runCommand(
      ref,
      [
        'ip -o -4 addr show tap0 | grep -o "inet [0-9./]*"',
        'ip route show default',
        'cat /etc/resolv.conf',
        ...targets.map((address) => `timeout 5 bash -c 'exec 3<>/dev/tcp/${address}/${server.port}' 2>/dev/null && echo reached-${address} || echo refused-${address}`),
        'nft flush ruleset 2>&1 | head -1',
      ].join('; '),
      run,
    );
    assert.match(result.stdout, /inet 10\.0\.2\.100\/24/);
    assert.match(result.stdout, /default via 10\.0\.2\.2 dev tap0/);
    assert.match(result.stdout, /nameserver 10\.0\.2\.3/);
    for (const address of targets) assert.match(result.stdout, new RegExp(`refused-${address.replace(/\./g, '\\.')}`));
    assert.match(result.stdout, /Operation not permitted/);
    assert.equal(server.connections, before);
  });

  test('network: the filter rejects private, shared, link-local, loopback and this host\'s addresses', () => {
    const rules = outboundFilterRules({ ipv4: ['192.0.2.2'], ipv6: ['fd00::2'] });
    for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '192.0.2.2', 'fc00::/7', 'fe80::/10', '::1/128', 'fd00::2']) {
      assert.ok(rules.includes(range), range);
    }
    assert.match(rules, /ip daddr 10\.0\.2\.3 udp dport 53 accept\n.*\n\s+ip daddr \{ 0\.0\.0\.0\/8, 10\.0\.0\.0\/8/);
  });

  test('network: with network off a command has loopback only', async (t) => {
    const ref = await newSandbox(t, false);
    const result = await provider.runCommand(ref, 'ip -o link | cut -d: -f2; ip route', run);
    assert.equal(result.stdout, ' lo\n');
  });
});
