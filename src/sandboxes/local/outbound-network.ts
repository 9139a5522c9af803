/**
 * Outbound-only network for a command of a session with `sandbox.network: true`. The command never shares the
 * worker's network namespace (its loopback, the Temporal frontend, the database). Instead, per command:
 *
 * 1. a holder process makes a user and network namespace of its own (`unshare --user --map-root-user --net`), as
 *    the session's host uid;
 * 2. `slirp4netns` (Debian package) gives that namespace a tap device whose traffic it relays through ordinary
 *    sockets of the worker, in user space, with `--disable-host-loopback` so that the gateway address does not lead
 *    to the worker's 127.0.0.1;
 * 3. an nftables filter inside the namespace (`nft`, Debian package) rejects every private, loopback, link-local,
 *    shared (CGNAT), multicast and reserved range, and the worker host's own addresses, except slirp4netns's DNS
 *    relay; it rejects by destination after name resolution, so a name that resolves to 10.0.0.5 is refused too;
 * 4. bubblewrap runs inside that namespace (entered with `nsenter`), with a user namespace of its own nested in
 *    the holder's and every capability dropped: the command cannot change the filter, the routes or the device.
 *
 * Why slirp4netns and not pasta or an HTTP proxy: slirp4netns is packaged in Debian 12 and in the image's base,
 * needs no daemon and no root (the holder's namespace belongs to the session's uid), and carries any TCP or UDP
 * protocol (git, ssh, package managers), where a proxy would carry only what honours `HTTPS_PROXY`; bookworm's
 * pasta is an early snapshot. Neither of them filters destinations, hence the nftables rules.
 * Worker-side, Linux.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { runAsArguments, type HostIdentity } from './bubblewrap-command.js';

/** Where slirp4netns puts its DNS relay inside the namespace (its default network is 10.0.2.0/24). */
export const slirpDnsAddress = '10.0.2.3';

/** Destinations a command with network never reaches: everything that is not the public internet. */
export const blockedIpv4Ranges = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
];
export const blockedIpv6Ranges = ['::/127', '::ffff:0:0/96', '64:ff9b::/96', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

export interface OutboundNetworkTools {
  slirp4netns: string;
  nft: string;
  nsenter: string;
  unshare: string;
}

export const defaultOutboundNetworkTools: OutboundNetworkTools = { slirp4netns: 'slirp4netns', nft: 'nft', nsenter: 'nsenter', unshare: 'unshare' };

/** The worker host's own addresses (all interfaces but loopback, which the ranges cover already). */
export function hostAddresses(): { ipv4: string[]; ipv6: string[] } {
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      if (address.family === 'IPv4') ipv4.push(address.address);
      else ipv6.push(address.address.replace(/%.*$/, ''));
    }
  }
  return { ipv4, ipv6 };
}

/** The nftables ruleset loaded into a command's network namespace (see the file header). */
export function outboundFilterRules(host: { ipv4: string[]; ipv6: string[] } = hostAddresses()): string {
  const ipv4 = [...blockedIpv4Ranges, ...host.ipv4];
  const ipv6 = [...blockedIpv6Ranges, '::1/128', ...host.ipv6];
  return [
    'table inet keel_outbound {',
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    '    oifname "lo" accept',
    `    ip daddr ${slirpDnsAddress} udp dport 53 accept`,
    `    ip daddr ${slirpDnsAddress} tcp dport 53 accept`,
    `    ip daddr { ${ipv4.join(', ')} } reject`,
    `    ip6 daddr { ${ipv6.join(', ')} } reject`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A network namespace with an outbound-only link, for one command. */
export interface OutboundLink {
  /** Put before bubblewrap's argv (after any identity change): runs it inside the namespace. */
  enterArguments: string[];
  /** Ends slirp4netns and the holder. Safe to call twice. */
  close(): void;
}

export interface OpenOutboundLinkOptions {
  /** The host identity the namespace belongs to (the session's uid when the worker is root). */
  identity?: HostIdentity;
  tools?: OutboundNetworkTools;
  /** How long setting up may take, ms. @default 10000 */
  timeoutMs?: number;
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

/**
 * Makes the namespace, links it and loads the filter; rejects (cleaning up) when any step fails, so a command
 * never runs with a link but without its filter.
 */
export async function openOutboundLink(options: OpenOutboundLinkOptions = {}): Promise<OutboundLink> {
  const tools = options.tools ?? defaultOutboundNetworkTools;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const asIdentity = (program: string[]): string[] => (options.identity ? runAsArguments(options.identity, program) : program);
  // nft lives in /usr/sbin, which an unprivileged user's PATH often lacks.
  const environment = { PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` };

  // The holder lives until its stdin closes: when the link is closed, or when the worker dies.
  const [holderProgram, ...holderArgs] = asIdentity([tools.unshare, '--user', '--map-root-user', '--net', '--', '/bin/sh', '-c', 'read _']);
  const holder = spawn(holderProgram!, holderArgs, { env: environment, stdio: ['pipe', 'ignore', 'pipe'] });
  const holderExit = waitForExit(holder);
  let slirp: ChildProcess | undefined;
  const close = (): void => {
    holder.stdin?.destroy();
    for (const child of [slirp, holder]) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  try {
    const pid = holder.pid;
    if (pid === undefined) throw new Error(`cannot start ${tools.unshare}: ${(await holderExit.catch((error: Error) => ({ stderr: error.message }))).stderr}`);
    const ownNamespace = await readlink('/proc/self/ns/net');
    // unshare makes both namespaces in one call, then writes the new user namespace's uid map, then execs the shell.
    // Until the map is written, a process entering that user namespace is nobody there, without the capability to
    // load the filter ("Operation not permitted"): wait for both, not for the network namespace alone (a busy host
    // once showed the gap).
    const namespacesReady = async (): Promise<boolean> =>
      (await readlink(`/proc/${pid}/ns/net`).catch(() => ownNamespace)) !== ownNamespace &&
      (await readFile(`/proc/${pid}/uid_map`, 'utf8').catch(() => '')).trim() !== '';
    while (!(await namespacesReady())) {
      if (holder.exitCode !== null || Date.now() > deadline) throw new Error(`cannot make a network namespace: ${(await Promise.race([holderExit, sleep(100).then(() => ({ stderr: 'timed out' }))])).stderr.trim()}`);
      await sleep(5);
    }

    // slirp4netns signals on fd 3 once the device is configured, and exits when fd 4 reaches end of file.
    slirp = spawn(
      tools.slirp4netns,
      ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--ready-fd=3', '--exit-fd=4', String(pid), 'tap0'],
      { env: environment, stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const slirpExit = waitForExit(slirp);
    const ready = await Promise.race([
      new Promise<boolean>((resolve) => slirp!.stdio[3]!.once('data', () => resolve(true))),
      slirpExit.then(({ stderr }) => {
        // Its last line is only "child failed"; the cause is on the lines before.
        const lines = stderr.split('\n').filter((line) => line.trim() && !line.startsWith('WARNING'));
        throw new Error(`slirp4netns failed: ${lines.join('; ') || 'no message'}`);
      }),
      sleep(Math.max(0, deadline - Date.now())).then(() => false),
    ]);
    if (!ready) throw new Error('slirp4netns did not configure the network in time');

    const [nftProgram, ...nftArgs] = asIdentity([tools.nsenter, '-t', String(pid), '-U', '-n', '--preserve-credentials', '--', tools.nft, '-f', '-']);
    const nft = spawn(nftProgram!, nftArgs, { env: environment, stdio: ['pipe', 'ignore', 'pipe'] });
    const nftExit = waitForExit(nft);
    nft.stdin!.end(outboundFilterRules());
    const loaded = await nftExit;
    if (loaded.code !== 0) throw new Error(`cannot load the outbound filter (nft): ${loaded.stderr.trim() || `exit code ${loaded.code}`}`);

    return { enterArguments: [tools.nsenter, '-t', String(pid), '-U', '-n', '--preserve-credentials', '--'], close };
  } catch (error) {
    close();
    throw error;
  }
}
