import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensurePythonVenv } from '../harness/python-venv.js';
import { useKeel } from '../harness/use-keel.js';

/** The Python SDK version the test installs from PyPI. */
const TEMPORALIO_VERSION = '1.35.0';
const script = fileURLToPath(new URL('../python/session_client.py', import.meta.url));

describe('a client in another language', () => {
  let python: string;

  before(() => {
    python = ensurePythonVenv('python-client', [`temporalio==${TEMPORALIO_VERSION}`]);
  });
  const keel = useKeel({ model: {}, worker: {} });

  test('python client: temporalio starts a session, sends sendMessage, queries state and transcript, and reads the result, by the contract alone', async () => {
    keel.model.push(
      { kind: 'message', content: [{ type: 'text', text: 'Hello, Python.' }], usage: { input_tokens: 11, output_tokens: 3 } },
      { kind: 'message', content: [{ type: 'text', text: '4' }], usage: { input_tokens: 20, output_tokens: 1 } },
    );
    const { stdout } = await promisify(execFile)(python, [script, keel.environment.address, keel.worker.taskQueue, 'python-session'], { timeout: 120_000 });
    const output = JSON.parse(stdout) as {
      reply: { messageId: string; turn: number; text: string };
      state: { status: string; turn: number; profile: string; usage: { inputTokens: number; outputTokens: number } };
      transcript: { total: number; entries: Array<{ kind: string; role?: string; content?: unknown }> };
      result: { status: string; turns: number; finalText: string };
    };
    assert.deepEqual([output.reply.messageId, output.reply.turn, output.reply.text], ['python-message-1', 2, '4']);
    assert.equal(output.state.status, 'waiting_for_input');
    assert.equal(output.state.turn, 2);
    assert.equal(output.state.profile, 'test');
    assert.deepEqual(output.state.usage.inputTokens + output.state.usage.outputTokens, 35);
    assert.deepEqual(
      output.transcript.entries.map((entry) => entry.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    assert.deepEqual(output.result, { ...output.result, status: 'cancelled', turns: 2, finalText: '4' });

    // The session the Python client made is an ordinary Keel session to every other client.
    const handle = keel.worker.sessions.getHandle('python-session');
    assert.equal((await handle.result()).status, 'cancelled');
    assert.equal(keel.model.requests[0].body.system, 'Answer in one line.');
    assert.equal(keel.model.requests[0].body.messages[0].content, 'Hello from Python');
  });
});
