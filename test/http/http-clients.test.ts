/**
 * Apps written without Keel's code against `keel serve`: a Python script of the standard library alone, and a shell
 * script of curl, each start a session, stream its turns and approve a tool call through the HTTP API.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { defineTool } from '../../src/tools/index.js';
import { useStreamingApi } from './use-streaming-api.js';

const token = 'python-0123456789abcdef';
const script = fileURLToPath(new URL('./clients/stream_and_approve.py', import.meta.url));
const shellScript = fileURLToPath(new URL('./clients/stream_and_approve.sh', import.meta.url));
const notes: string[] = [];
const note = defineTool({
  name: 'note',
  description: 'Takes a note.',
  inputSchema: z.object({ text: z.string() }),
  safeToRetry: true,
  handler: ({ text }) => {
    notes.push(text);
    return `noted ${text}`;
  },
});
const answer = Array.from({ length: 30 }, (_, index) => `part${index} `).join('') + 'and that is the note.';

describe('keel serve: apps without Keel', () => {
  const { keel, url } = useStreamingApi({ tokens: `acme:${token}`, tools: [note] });

  test('python client: urllib alone starts a session, reads its SSE stream by hand, approves the tool call; each turn\'s deltas concatenate to its text', async () => {
    keel.model.push(
      { kind: 'message', chunkDelayMs: 5, content: [{ type: 'text', text: 'Let me note that first.' }, { type: 'tool_use', id: 'toolu_py', name: 'note', input: { text: 'from python' } }] },
      { kind: 'message', chunkDelayMs: 5, content: [{ type: 'text', text: answer }] },
    );
    const { stdout } = await promisify(execFile)('python3', [script, url(), token], { timeout: 120_000 });
    const output = JSON.parse(stdout) as {
      created: { status: number; id: string };
      approved: Array<{ status: number; toolUseId: string; tool: string }>;
      turnTexts: Record<string, string>;
      deltaTexts: Record<string, string>;
      deltasMatch: boolean;
      events: string[];
      end: { status: string; finalText: string };
    };
    assert.equal(output.created.status, 201);
    assert.deepEqual(output.approved, [{ status: 200, toolUseId: 'toolu_py', tool: 'note' }]);
    assert.deepEqual(notes, ['from python']);
    assert.deepEqual(output.turnTexts, { 1: 'Let me note that first.', 2: answer });
    assert.deepEqual(output.deltaTexts, output.turnTexts);
    assert.equal(output.deltasMatch, true);
    assert.ok(output.events.filter((name) => name === 'text_delta').length > 10, 'the answer came in many deltas');
    assert.ok(output.events.includes('approval_requested'));
    assert.deepEqual(output.end, { status: 'completed', finalText: answer });
    // The session is its token's tenant's.
    const { searchAttributes } = await keel.environment.client.workflow.getHandle(output.created.id).describe();
    assert.deepEqual(searchAttributes['KeelTenant'], ['acme']);
  });

  test('curl client: a shell script of curl and sed starts a session, streams it and approves the tool call; the deltas it received concatenate to each turn\'s text', async () => {
    notes.length = 0;
    keel.model.push(
      { kind: 'message', chunkDelayMs: 5, content: [{ type: 'text', text: 'Noting it from the shell.' }, { type: 'tool_use', id: 'toolu_sh', name: 'note', input: { text: 'from curl' } }] },
      { kind: 'message', chunkDelayMs: 5, content: [{ type: 'text', text: answer }] },
    );
    const { stdout } = await promisify(execFile)('bash', [shellScript, url(), token], { timeout: 120_000 });
    const events = stdout
      .split('\n\n')
      .map((block) => Object.fromEntries(block.split('\n').filter((line) => /^(id|event|data):/.test(line)).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()])))
      .filter((event) => event.event)
      .map((event) => ({ id: event.id, event: event.event, data: JSON.parse(event.data) }));
    const deltas = (turn: number) => events.filter((event) => event.event === 'text_delta' && event.data.turn === turn).map((event) => event.data.text).join('');
    const turnEnds = events.filter((event) => event.event === 'turn_end');
    assert.deepEqual(turnEnds.map((event) => event.data.text), ['Noting it from the shell.', answer]);
    assert.deepEqual([deltas(1), deltas(2)], ['Noting it from the shell.', answer]);
    assert.deepEqual(notes, ['from curl']);
    assert.deepEqual(events.at(-1)?.data, { status: 'completed', finalText: answer });
  });
});
