import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';

const workerEntry = fileURLToPath(new URL('../../src/worker/main.ts', import.meta.url));

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'keel-worker-profiles-')), name);
  writeFileSync(path, text);
  return path;
}

/** Runs the worker entry point to its exit; the address points nowhere, so a worker that got past its checks would fail differently. */
async function runWorkerToExit(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerEntry, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: '127.0.0.1:1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** The message of the worker's one JSON log line on a refused start. */
function refusal(output: string): string {
  const line = output.trim().split('\n').at(-1) ?? '';
  const parsed = JSON.parse(line) as { level: number; msg: string };
  assert.equal(parsed.level, 50);
  return parsed.msg;
}

describe('worker start with a profiles file', () => {
  test('worker: a profiles file (KEEL_PROFILES) with a bad field is refused at start, naming the file, the profile and the field', async () => {
    const file = tempFile('profiles.json', JSON.stringify({ profiles: { fine: { model: 'a' }, broken: { model: 'b', contextPolicy: { triggerFraction: 1.5 } } } }));
    const { code, output } = await runWorkerToExit([], { KEEL_PROFILES: file });
    assert.equal(code, 1);
    assert.equal(refusal(output), `keel worker: ${file}: profile "broken": contextPolicy.triggerFraction: Too big: expected number to be <=1`);
  });

  test('worker: --profiles names the file, YAML included, and its errors name the field', async () => {
    const file = tempFile('fleet.yaml', 'profiles:\n  fast:\n    model: claude-haiku-4-5\n    fallbacks: [nowhere]\n');
    const { code, output } = await runWorkerToExit(['--profiles', file]);
    assert.equal(code, 1);
    assert.equal(refusal(output), `keel worker: ${file}: profile "fast": fallbacks.0: unknown profile "nowhere"`);
    const typo = tempFile('fleet.yaml', 'profiles:\n  fast:\n    model: claude-haiku-4-5\n    thinking: { type: enabled, budget: 2048 }\n');
    const refused = await runWorkerToExit(['--profiles', typo]);
    assert.equal(refused.code, 1);
    assert.match(refusal(refused.output), new RegExp(`${typo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: profile "fast": thinking\\.budgetTokens: `));
  });

  describe('with a Temporal server', () => {
    const keel = useKeel({ model: {} });

    test('worker: a session runs on a profile from the YAML file given by --profiles', async () => {
      const file = tempFile(
        'fleet.yaml',
        ['profiles:', '  from-yaml:', '    model: claude-from-yaml', '    maxOutputTokens: 321', '    sampling: { stopSequences: ["</end>"] }'].join('\n'),
      );
      const taskQueue = uniqueTaskQueue('yaml');
      const worker = await keel.startWorkerProcess({ taskQueue, profilesFile: '', args: ['--profiles', file] });
      try {
        keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'configured' }] });
        const sessions = new SessionClient({ client: keel.environment.client, taskQueue });
        const handle = await sessions.start({ profile: 'from-yaml', messages: [{ role: 'user', content: 'hi' }] });
        assert.equal((await handle.result()).finalText, 'configured');
        const body = keel.model.requests.at(-1)!.body;
        assert.equal(body.model, 'claude-from-yaml');
        assert.equal(body.max_tokens, 321);
        assert.deepEqual(body.stop_sequences, ['</end>']);
      } finally {
        await worker.kill('SIGTERM');
      }
    });
  });
});
