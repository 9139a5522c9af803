/**
 * File tools on special files, end to end: a session whose command makes FIFOs, then asks for them with five
 * read_file calls and a write_file and an edit_file at once. The worker refuses each at once and goes on answering:
 * its thread pool is not held (libuv has four threads; a blocking open of a FIFO would hold one until a writer came).
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { describe, test } from 'node:test';
import { useKeel } from '../harness/use-keel.js';

describe('file tools on special files', () => {
  const keel = useKeel({ model: {}, worker: {} });

  test('read_file, write_file, edit_file: seven calls on FIFOs at once are tool errors, and the worker still answers', async () => {
    const { model, worker } = keel;
    const fifos = ['a', 'b', 'c', 'd', 'e'];
    model.push(
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_make', name: 'bash', input: { command: `mkfifo ${fifos.map((name) => `pipe-${name}`).join(' ')}` } }] },
      {
        kind: 'message',
        content: [
          ...fifos.map((name) => ({ type: 'tool_use' as const, id: `toolu_read_${name}`, name: 'read_file', input: { path: `pipe-${name}` } })),
          { type: 'tool_use', id: 'toolu_write', name: 'write_file', input: { path: 'pipe-a', content: 'x' } },
          { type: 'tool_use', id: 'toolu_edit', name: 'edit_file', input: { path: 'pipe-b', old: 'x', new: 'y' } },
        ],
      },
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_after', name: 'bash', input: { command: 'echo still here > after.txt && cat after.txt' } }] },
      { kind: 'message', content: [{ type: 'text', text: 'done' }] },
    );
    const requestsBefore = model.requests.length;
    const handle = await worker.sessions.start({
      profile: 'test',
      tools: ['bash', 'read_file', 'write_file', 'edit_file'],
      messages: [{ role: 'user', content: 'read the pipes' }],
    });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'done');

    const refusals = model.requests[requestsBefore + 2]!.body.messages.at(-1).content as { tool_use_id: string; content: string; is_error?: boolean }[];
    assert.equal(refusals.length, 7);
    for (const refusal of refusals) {
      assert.equal(refusal.is_error, true, refusal.tool_use_id);
      assert.match(refusal.content, /is a FIFO \(named pipe\), not a regular file/, refusal.tool_use_id);
    }
    const later = model.requests[requestsBefore + 3]!.body.messages.at(-1).content[0];
    assert.equal(later.content, 'exit code: 0\nstdout:\nstill here');
    // The worker's process (this one) still does file and DNS work on libuv's pool.
    assert.ok((await lookup('localhost')).address);
  });
});
