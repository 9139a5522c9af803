/**
 * What the worker image and compose file give the local sandbox: the packages it runs, and the Docker settings
 * bubblewrap and slirp4netns need (no Docker engine here: the files are checked, and the seccomp profile against
 * the system calls those programs make).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const worker = (parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { security_opt?: string[]; devices?: string[]; cap_add?: string[]; privileged?: boolean }> }).services.worker!;

test('Dockerfile: the runtime image installs bubblewrap, slirp4netns, nftables and util-linux', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
  assert.match(runtime, /apt-get install -y --no-install-recommends bubblewrap slirp4netns nftables util-linux/);
  assert.match(runtime, /^USER node$/m);
});

test('docker-compose.yml: workers get the seccomp profile, AppArmor and /proc settings and /dev/net/tun, and nothing privileged', () => {
  assert.deepEqual(worker.security_opt, ['seccomp=./deploy/worker/seccomp-bubblewrap.json', 'apparmor=unconfined', 'systempaths=unconfined', 'no-new-privileges:true']);
  assert.deepEqual(worker.devices, ['/dev/net/tun:/dev/net/tun']);
  assert.equal(worker.cap_add, undefined);
  assert.equal(worker.privileged, undefined);
});

test('seccomp profile: allows the calls bubblewrap and slirp4netns make, refuses the ones no worker needs', () => {
  const profile = JSON.parse(readFileSync(join(root, 'deploy/worker/seccomp-bubblewrap.json'), 'utf8')) as {
    defaultAction: string;
    syscalls: { names: string[]; action: string }[];
  };
  assert.equal(profile.defaultAction, 'SCMP_ACT_ALLOW');
  const refused = new Set(profile.syscalls.filter((rule) => rule.action === 'SCMP_ACT_ERRNO').flatMap((rule) => rule.names));
  for (const needed of ['unshare', 'clone', 'clone3', 'setns', 'mount', 'umount2', 'pivot_root', 'prctl', 'sethostname', 'setuid', 'setgid', 'setgroups', 'capset', 'ioctl']) {
    assert.ok(!refused.has(needed), `${needed} must stay allowed`);
  }
  for (const unneeded of ['kexec_load', 'init_module', 'bpf', 'perf_event_open', 'keyctl', 'userfaultfd', 'open_by_handle_at', 'reboot']) {
    assert.ok(refused.has(unneeded), `${unneeded} must be refused`);
  }
});
