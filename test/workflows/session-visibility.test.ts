/**
 * Keel's search attributes, written once per status change with every figure current, and during a long turn at
 * most every few seconds: what `keel list` and the UI's filters read, at a fraction of the history events and
 * visibility writes of one upsert per step.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { FIGURES_INTERVAL_MS } from '../../src/workflows/session-visibility.js';
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

/** Workflow time from the session's start to its end, as the server stamped its history. */
async function workflowTimeMs(handle: SessionHandle): Promise<number> {
  const events = (await handle.workflow.fetchHistory()).events ?? [];
  const millis = (event: (typeof events)[number] | undefined) => Number(event?.eventTime?.seconds ?? 0) * 1000 + Math.floor((event?.eventTime?.nanos ?? 0) / 1e6);
  return millis(events.at(-1)) - millis(events[0]);
}

describe('session visibility', () => {
  const started: SessionHandle[] = [];

  const note = defineTool({ name: 'note', description: 'Takes a note.', inputSchema: z.object({ text: z.string() }), safeToRetry: true, handler: ({ text }) => `noted ${text}` });
  const keel = useKeel({ model: {}, worker: { tools: [note] } });

  test('a turn of many quick steps writes the search attributes at its start (running) and its end (every figure current), nothing between while it is shorter than the interval', async () => {
    keel.model.push(step('a'), step('b'), step('c'), step('d'), step('e'), done);
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'task', tools: ['note'], messages: [{ role: 'user', content: 'take five notes' }] });
    started.push(handle);
    assert.equal((await handle.result()).status, 'completed');

    const upserts = await keelUpserts(handle);
    assert.deepEqual(upserts.at(0), { status: 'running', turns: 0 });
    assert.deepEqual(upserts.at(-1), { status: 'completed', turns: 6 });
    // Quick steps write nothing in between. On a loaded machine the turn may outlast the interval: then the figures
    // are written again (the next test pins that), once per interval of workflow time at most, still running.
    const between = upserts.slice(1, -1);
    assert.ok(between.length <= Math.floor((await workflowTimeMs(handle)) / FIGURES_INTERVAL_MS), `${between.length} writes in between`);
    assert.ok(between.every((upsert) => upsert.status === 'running'));
    const { searchAttributes } = await handle.workflow.describe();
    assert.deepEqual(searchAttributes['KeelStatus'], ['completed']);
    assert.deepEqual(searchAttributes['KeelTurns'], [6]);
    assert.deepEqual(searchAttributes['KeelTokens'], [6 * 10 + 5 * 2 + 1]);
  });

  test(`during a long turn the figures are written again once ${FIGURES_INTERVAL_MS / 1000} s of workflow time have passed, the status still running`, async () => {
    // The second step answers after the interval: the step that follows it is due to be shown.
    keel.model.push(step('slow-1'), step('slow-2', FIGURES_INTERVAL_MS + 500), step('slow-3'), done);
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'task', tools: ['note'], messages: [{ role: 'user', content: 'take three notes' }] });
    started.push(handle);
    assert.equal((await handle.result()).status, 'completed');

    assert.deepEqual(await keelUpserts(handle), [
      { status: 'running', turns: 0 },
      { status: 'running', turns: 2 },
      { status: 'completed', turns: 4 },
    ]);
  });

  test('histories replay', async () => {
    await assertHistoriesReplay(keel.environment.bundle, started);
  });
});
