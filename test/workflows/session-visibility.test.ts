/**
 * Keel's search attributes, written once per status change with every figure current, and during a long turn every
 * few model steps: what `keel list` and the UI's filters read, at a fraction of the history events and visibility
 * writes of one upsert per step.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { FIGURES_EVERY_STEPS } from '../../src/workflows/session-visibility.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { useKeel } from '../harness/use-keel.js';

const step = (id: string, delayMs = 0): ScriptedReply => ({
  kind: 'message',
  content: [{ type: 'tool_use', id, name: 'note', input: { text: id } }],
  usage: { input_tokens: 10, output_tokens: 2 },
  ...(delayMs > 0 ? { delayMs } : {}),
});
const done: ScriptedReply = { kind: 'message', content: [{ type: 'text', text: 'done' }], usage: { input_tokens: 10, output_tokens: 1 } };

/** The Keel search attributes of each upsert in the history, oldest first. */
async function keelUpserts(handle: SessionHandle): Promise<Array<{ status: string; turns: number }>> {
  const history = await handle.workflow.fetchHistory();
  const decode = (data: Uint8Array | null | undefined) => JSON.parse(Buffer.from(data ?? []).toString('utf8')) as unknown;
  return (history.events ?? []).flatMap((event) => {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    if (!fields?.['KeelStatus']) return [];
    return [{ status: decode(fields['KeelStatus'].data) as string, turns: decode(fields['KeelTurns']?.data) as number }];
  });
}

describe('session visibility', () => {
  const started: SessionHandle[] = [];

  const note = defineTool({ name: 'note', description: 'Takes a note.', inputSchema: z.object({ text: z.string() }), safeToRetry: true, handler: ({ text }) => `noted ${text}` });
  const keel = useKeel({ model: {}, worker: { tools: [note] } });

  test(`a turn of fewer than ${FIGURES_EVERY_STEPS} steps writes the search attributes at its start (running) and its end (every figure current), nothing between`, async () => {
    keel.model.push(step('a'), step('b'), step('c'), done);
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'task', tools: ['note'], messages: [{ role: 'user', content: 'take three notes' }] });
    started.push(handle);
    assert.equal((await handle.result()).status, 'completed');

    assert.deepEqual(await keelUpserts(handle), [
      { status: 'running', turns: 0 },
      { status: 'completed', turns: 4 },
    ]);
    const { searchAttributes } = await handle.workflow.describe();
    assert.deepEqual(searchAttributes['KeelStatus'], ['completed']);
    assert.deepEqual(searchAttributes['KeelTurns'], [4]);
    assert.deepEqual(searchAttributes['KeelTokens'], [4 * 10 + 3 * 2 + 1]);
  });

  test(`during a long turn the figures are written again every ${FIGURES_EVERY_STEPS} steps, the status still running, however long the steps take`, async () => {
    // One slow step: workflow time plays no part, so the writes fall on the same steps as in a quick turn.
    const steps = Array.from({ length: 11 }, (_, index) => step(`s${index}`, index === 1 ? 1_500 : 0));
    keel.model.push(...steps, done);
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'task', tools: ['note'], messages: [{ role: 'user', content: 'take eleven notes' }] });
    started.push(handle);
    assert.equal((await handle.result()).status, 'completed');

    assert.deepEqual(await keelUpserts(handle), [
      { status: 'running', turns: 0 },
      { status: 'running', turns: FIGURES_EVERY_STEPS },
      { status: 'running', turns: 2 * FIGURES_EVERY_STEPS },
      { status: 'completed', turns: 12 },
    ]);
  });

  test('histories replay', async () => {
    await assertHistoriesReplay(keel.environment.bundle, started);
  });
});
