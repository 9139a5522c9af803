/** The event stream's response body on its own: frames, coalescing, a slow client's bound, the end and a cancel. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventStreamBody, sseFrame } from '../../src/http/event-stream-body.js';
import type { SessionEventEnvelope } from '../../src/shared/schemas/session-event.js';

const delta = (seq: number, text: string): SessionEventEnvelope => ({ id: `1.1.1.1.${seq}`, event: 'text_delta', data: { turn: 1, index: 0, text, attempt: 1 } });

describe('event stream body', () => {
  test('event stream body: frames written within one turn of the event loop reach the client as one chunk, in order, as event, data and id lines', async () => {
    const stream = eventStreamBody(() => undefined);
    const reader = stream.body.getReader();
    await stream.write(sseFrame(delta(1, 'Hel')));
    await stream.write(sseFrame(delta(2, 'lo\nthere')));
    const { value } = await reader.read();
    assert.equal(
      new TextDecoder().decode(value),
      'event: text_delta\ndata: {"turn":1,"index":0,"text":"Hel","attempt":1}\nid: 1.1.1.1.1\n\n' +
        'event: text_delta\ndata: {"turn":1,"index":0,"text":"lo\\nthere","attempt":1}\nid: 1.1.1.1.2\n\n',
    );
    stream.close();
    assert.equal((await reader.read()).done, true);
  });

  test("event stream body: an envelope is framed once for every client; a client that does not read holds back its own writer once 64 KB wait, and reading lets it go on", async () => {
    const envelope = delta(1, 'x'.repeat(1_000));
    assert.equal(sseFrame(envelope), sseFrame(envelope));
    const stream = eventStreamBody(() => undefined);
    const reader = stream.body.getReader();
    let written = 0;
    let heldWrite: Promise<void> | undefined;
    for (let seq = 0; seq < 200 && !heldWrite; seq += 1) {
      const write = stream.write(sseFrame(delta(seq, 'x'.repeat(1_000))));
      // A write still pending after a timer (any flush has run by then) is held back by the unread queue.
      const held = await Promise.race([write.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 20))]);
      if (held) heldWrite = write;
      else written += 1;
    }
    assert.ok(heldWrite, 'the writer was never held back');
    assert.ok(written >= 60 && written < 100, `held back after ${written} frames of about 1 KB`);
    const { value } = await reader.read();
    assert.ok(value!.byteLength > 0);
    await heldWrite;
    stream.close();
  });

  test('event stream body: close sends what is queued first; a cancelled body calls back once and takes no more', async () => {
    const ended = eventStreamBody(() => undefined);
    const text = new Response(ended.body).text();
    void ended.write(': keepalive\n\n');
    ended.close();
    assert.equal(await text, ': keepalive\n\n');

    let cancels = 0;
    const cancelled = eventStreamBody(() => (cancels += 1));
    await cancelled.body.cancel();
    await cancelled.write(sseFrame(delta(1, 'late')));
    cancelled.close();
    assert.equal(cancels, 1);
  });
});
