import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cutNote, OutputCapture } from '../../src/sandboxes/output-capture.js';

function capture(maxBytes: number, chunks: (string | Buffer)[]) {
  const output = new OutputCapture(maxBytes);
  for (const chunk of chunks) output.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return output.result();
}

describe('OutputCapture', () => {
  test('OutputCapture: keeps output under the cap whole, with nothing cut', () => {
    const result = capture(16, ['hello ', 'world']);
    assert.deepEqual(result, { text: 'hello world', totalBytes: 11, cutBytes: 0 });
  });

  test('OutputCapture: output of exactly the cap is kept whole', () => {
    const result = capture(10, ['0123456789']);
    assert.deepEqual(result, { text: '0123456789', totalBytes: 10, cutBytes: 0 });
  });

  test('OutputCapture: keeps the head and the tail and notes the bytes cut between them', () => {
    const result = capture(10, ['abcdefghij', 'klmnopqrst', 'uvwxyz']);
    assert.equal(result.totalBytes, 26);
    assert.equal(result.cutBytes, 16);
    assert.equal(result.text, `abcde${cutNote(16)}vwxyz`);
  });

  test('OutputCapture: the tail is right however the output is chunked', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz'.repeat(40);
    const expected = capture(30, [alphabet]);
    for (const size of [1, 3, 7, 15, 16, 29, 100]) {
      const chunks: string[] = [];
      for (let index = 0; index < alphabet.length; index += size) chunks.push(alphabet.slice(index, index + size));
      assert.deepEqual(capture(30, chunks), expected, `chunks of ${size}`);
    }
    assert.equal(expected.text, `${alphabet.slice(0, 15)}${cutNote(alphabet.length - 30)}${alphabet.slice(-15)}`);
  });

  test('OutputCapture: 50 MB in 64 KiB chunks costs the cap, not the output', () => {
    const output = new OutputCapture(32 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) output.write(chunk);
    output.write(Buffer.from('END'));
    const result = output.result();
    assert.equal(result.totalBytes, 50 * 1024 * 1024 + 3);
    assert.equal(result.cutBytes, result.totalBytes - 32 * 1024);
    assert.ok(result.text.endsWith('xxxEND'));
    assert.ok(result.text.length < 33 * 1024);
    assert.match(result.text, /\[\.\.\. 52396035 bytes cut \.\.\.\]/);
  });

  test('OutputCapture: cuts on UTF-8 character boundaries, never inside a character', () => {
    // 'é' is two bytes, '€' three: the cap of 9 lands inside characters at both ends.
    const result = capture(9, ['ééééé', '€€€€€']);
    assert.ok(!result.text.includes('\uFFFD'), result.text);
    const [head, tail] = result.text.split(/\n\[\.\.\. \d+ bytes cut \.\.\.\]\n/);
    assert.equal(head, 'éé');
    assert.equal(tail, '€');
    assert.equal(result.cutBytes, 25 - 4 - 3);
  });

  test('OutputCapture: a cap of zero keeps nothing and counts everything', () => {
    const result = capture(0, ['abc']);
    assert.equal(result.cutBytes, 3);
    assert.equal(result.text, cutNote(3));
  });
});
