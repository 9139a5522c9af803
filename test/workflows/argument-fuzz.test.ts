/**
 * Fuzzing the session's door (CONTRACT.md, "Trust boundary"): 200 random malformed arguments (wrong types, huge
 * numbers, NaN-like strings, NUL bytes, deep nesting, strings near 2 MiB, null, arrays) from a raw client (Temporal's
 * Python SDK) to every signal, update and query of a live session. Seeded: `KEEL_FUZZ_SEED=<n>` reruns a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { startRawClientSetup, type RawClientSetup } from '../harness/raw-session-driver.js';

const seed = Number(process.env.KEEL_FUZZ_SEED ?? 13);
const count = 200;

const reply: ScriptedReply = { kind: 'message', content: [{ type: 'text', text: 'steady' }], usage: { input_tokens: 10, output_tokens: 2 } };

describe('argument fuzz', () => {
  let setup: RawClientSetup;

  before(async () => {
    setup = await startRawClientSetup('fuzz');
  });
  after(async () => {
    await setup?.close();
  });

  test(`fuzz: ${count} malformed arguments to every signal, update and query fail no workflow task, leave the worker alive, and the session then completes a normal turn (seed ${seed})`, async (t) => {
    // Some random arguments are valid (a string is a message, "NaN" a reason): each such turn gets a reply.
    for (let index = 0; index < count + 2; index += 1) setup.model.push(reply);
    const id = `fuzz-${seed}`;
    const outcomes = await setup.drive([
      { step: 'start', id, args: [{ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] }] },
      { step: 'waitFor', id, status: 'waiting_for_input' },
      { step: 'fuzz', id, seed, count },
      { step: 'history', id },
      { step: 'waitFor', id, status: 'waiting_for_input' },
      { step: 'update', id, name: 'sendMessage', args: [{ content: 'a normal turn after the fuzz', id: 'after-fuzz' }] },
      { step: 'history', id },
    ]);
    const failed = outcomes.find((outcome) => !outcome.ok);
    assert.equal(failed, undefined, `seed ${seed}: ${JSON.stringify(failed)}`);
    const fuzz = outcomes[2]!.ok ? outcomes[2].value : undefined;
    t.diagnostic(`seed ${seed}: ${JSON.stringify(fuzz)}`);
    assert.equal(fuzz.sent.signal + fuzz.sent.update + fuzz.sent.query, count);
    for (const kind of ['signal', 'update', 'query']) assert.ok(fuzz.sent[kind] > 0, `every kind of handler was fuzzed: ${kind}`);
    // Updates and queries say no to what is malformed (a signal cannot answer; the history shows it did no harm).
    assert.ok(fuzz.refused.update > 0 && fuzz.refused.query > 0, JSON.stringify(fuzz));
    for (const index of [3, 6]) {
      const events: string[] = outcomes[index]!.ok ? outcomes[index].value : [];
      assert.equal(events.includes('EVENT_TYPE_WORKFLOW_TASK_FAILED'), false, `seed ${seed}: a workflow task failed`);
      assert.equal(events.includes('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED'), false, `seed ${seed}: the session failed`);
    }
    const turn = outcomes[5]!.ok ? outcomes[5].value : undefined;
    assert.equal(turn.messageId, 'after-fuzz');
    assert.equal(turn.text, 'steady');
    setup.assertWorkerAlive();
  });
});
