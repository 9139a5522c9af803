import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ContentBlock, Message } from '../../src/shared/schemas/content.js';
import { hasOversizedBlocks, INLINE_BLOCK_BYTES, INLINE_MESSAGE_BYTES, jsonByteLength, storedRefOf } from '../../src/shared/schemas/stored-block.js';
import { openContentStore } from '../../src/stores/open-content-store.js';
import { appendContext, loadContext } from '../../src/stores/context-chain.js';
import { readStoredOutput } from '../../src/stores/read-stored-output.js';
import { resolveContent, restoreForModel } from '../../src/stores/restore-content.js';
import { storeContent } from '../../src/stores/store-content.js';

const store = await openContentStore({ kind: 'file', url: mkdtempSync(join(tmpdir(), 'keel-stored-content-')) });

test('storeContent: small blocks stay inline, large ones become stored blocks with a preview and their ref', async () => {
  const big = 'line of output\n'.repeat(2000);
  const content: ContentBlock[] = [
    { type: 'text', text: 'short' },
    { type: 'tool_result', tool_use_id: 'toolu_1', content: big, is_error: false },
    { type: 'tool_use', id: 'toolu_2', name: 'write_file', input: { path: 'a.txt', content: big } },
  ];
  const stored = await storeContent(store, content);
  assert.ok(Array.isArray(stored));
  assert.deepEqual(stored[0], content[0]);
  const result = stored[1] as Record<string, unknown>;
  assert.equal(result.type, 'tool_result');
  assert.equal(result.tool_use_id, 'toolu_1');
  assert.equal(result.is_error, false);
  assert.match(String(result.content), /^line of output/);
  assert.match(String(result.content), /stored by reference: \d+ bytes as sha256:[0-9a-f]{64}/);
  assert.ok(jsonByteLength(result) < 1024);
  const use = stored[2] as Record<string, unknown>;
  assert.deepEqual([use.id, use.name, use.input], ['toolu_2', 'write_file', {}]);
  assert.ok(storedRefOf(stored[2]));
  assert.equal(hasOversizedBlocks(stored), false);
  assert.deepEqual(await resolveContent(store, stored), content);
});

test('storeContent: many medium blocks that add up past the message limit are stored, largest first', async () => {
  const content: ContentBlock[] = [...Array(10)].map((_, index) => ({ type: 'text', text: `${index}`.repeat(INLINE_BLOCK_BYTES - 100) }));
  assert.equal(hasOversizedBlocks(content), true);
  const stored = await storeContent(store, content);
  assert.ok(jsonByteLength(stored) <= INLINE_MESSAGE_BYTES);
  assert.equal(hasOversizedBlocks(stored), false);
  assert.deepEqual(await resolveContent(store, stored), content);
});

test('storeContent: a long string becomes one stored text block; a short one stays a string', async () => {
  assert.equal(await storeContent(store, 'hello'), 'hello');
  const long = 'é'.repeat(INLINE_BLOCK_BYTES);
  const stored = await storeContent(store, long);
  assert.ok(Array.isArray(stored) && stored.length === 1 && storedRefOf(stored[0]));
  assert.deepEqual(await resolveContent(store, stored), [{ type: 'text', text: long }]);
});

test('restoreForModel: a tool result is cut to its head and tail within the limit, the note naming the stored output and read_output', async () => {
  const output = [...Array(20_000)].map((_, index) => `row ${index}`).join('\n');
  const stored = await storeContent(store, [{ type: 'tool_result', tool_use_id: 'toolu_9', content: output }]);
  const messages: Message[] = [{ role: 'user', content: stored }];
  const [restored] = await restoreForModel(store, messages, { toolResultMaxBytes: 10_000 });
  const block = (restored.content as ContentBlock[])[0] as unknown as { content: string; tool_use_id: string };
  assert.equal(block.tool_use_id, 'toolu_9');
  const text = block.content;
  const match = /\[\.\.\. (\d+) characters cut \(characters (\d+)-(\d+) of (\d+)\)\. The full output is stored as sha256:([0-9a-f]{64}); call read_output with \{"ref": "sha256:\5", "offset": \2\} to read them \.\.\.\]/.exec(text);
  assert.ok(match, text.slice(0, 400));
  const [cut, from, to, total] = [1, 2, 3, 4].map((group) => Number(match[group]));
  assert.equal(total, output.length);
  assert.equal(cut, to - from);
  assert.ok(text.startsWith(output.slice(0, from)));
  assert.ok(text.endsWith(output.slice(to)), 'the tail is kept');
  assert.ok(Buffer.byteLength(output.slice(0, from)) + Buffer.byteLength(output.slice(to)) <= 10_000);
  // The model reads what was cut, from where the cut begins.
  const page = await readStoredOutput(store, match[5], from, 50);
  assert.equal(page.isError, undefined);
  assert.ok(page.text.endsWith(output.slice(from, from + 50)));
  assert.match(page.text, new RegExp(`^\\[characters ${from}-${from + 50} of ${output.length}`));
  // A text reply of the model's own is restored whole.
  const reply = 'z'.repeat(100_000);
  const [whole] = await restoreForModel(store, [{ role: 'assistant', content: await storeContent(store, [{ type: 'text', text: reply }]) }], { toolResultMaxBytes: 10_000 });
  assert.deepEqual(whole.content, [{ type: 'text', text: reply }]);
});

test('readStoredOutput: an unknown reference or an offset past the end is an error for the model, not a failure', async () => {
  const unknown = await readStoredOutput(store, 'a'.repeat(64), 0);
  assert.equal(unknown.isError, true);
  assert.match(unknown.text, /no stored output/);
  const { hash } = await store.putJson({ type: 'tool_result', tool_use_id: 't', content: 'tiny' });
  const past = await readStoredOutput(store, hash, 100);
  assert.equal(past.isError, true);
  assert.match(past.text, /past the end: the output has 4 characters/);
});

test('context chain: appended batches load back in order; a wrong count is refused', async () => {
  const first = await appendContext(store, undefined, [{ role: 'user', content: 'one' }, { role: 'assistant', content: [{ type: 'text', text: 'two' }] }]);
  const second = await appendContext(store, first, [{ role: 'user', content: 'three' }, { role: 'assistant', content: [{ type: 'text', text: 'four' }] }]);
  assert.equal(second.count, 4);
  const messages = await loadContext(store, second);
  assert.deepEqual(messages.map((message) => JSON.stringify(message.content)), ['"one"', '[{"type":"text","text":"two"}]', '"three"', '[{"type":"text","text":"four"}]']);
  await assert.rejects(loadContext(store, { head: second.head, count: 5 }), /is not the context node/);
});
