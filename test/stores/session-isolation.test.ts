/**
 * Per-session scoping of stored content, end to end: one session's stored blobs (tool outputs), sandbox snapshots,
 * transcript segments and contexts cannot be reached from another session through any input field or tool. The
 * attacker is a raw client (the `temporal` CLI) naming what it found of the victim; the victim is an ordinary
 * session. A fork that holds a grant made with the workers' key reads its source; a forged or copied grant does not.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createCallModel } from '../../src/activities/call-model.js';
import { createContentStoreActivities } from '../../src/activities/content-store-activities.js';
import { readSandboxSnapshots } from '../../src/client/fork-session.js';
import { forkGrant, loadGrantKey } from '../../src/codec/fork-grant.js';
import { AnthropicModelAdapter } from '../../src/models/anthropic/anthropic-model-adapter.js';
import { sessionKey } from '../../src/sandboxes/local/local-sandbox-provider.js';
import type { ModelCallResponse } from '../../src/shared/schemas/model-call.js';
import type { LoadTranscriptResponse, TranscriptSegment } from '../../src/shared/schemas/transcript-archive.js';
import { storedRefOf } from '../../src/shared/schemas/stored-block.js';
import { bigOutputTool } from '../harness/big-output-tool.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

const run = promisify(execFile);
const marker = `the victim's secret ${randomBytes(8).toString('hex')}`;
const fileMarker = `the victim's file ${randomBytes(8).toString('hex')}`;
const tools = [bigOutputTool(marker)];
const text = (value: string) => ({ kind: 'message' as const, content: [{ type: 'text' as const, text: value }] });
const toolUse = (id: string, name: string, input: Record<string, unknown>) => ({ type: 'tool_use' as const, id, name, input });

describe('session isolation of stored content', () => {
  const keel = useKeel({ model: {}, worker: { tools } });
  let victimHash: string;
  let victimBytes: number;
  let victimSnapshot: string;

  /** Starts a session from a raw client, the `temporal` CLI, with any input it likes. */
  const startRaw = (workflowId: string, input: unknown) =>
    run(keel.environment.cli, ['workflow', 'start', '--type', 'agentSession', '--task-queue', keel.worker.taskQueue, '--workflow-id', workflowId, '--address', keel.environment.address, '--input', JSON.stringify(input)]);
  const failureOf = async (workflowId: string): Promise<string> => {
    const handle = keel.environment.client.workflow.getHandle(workflowId);
    await waitFor(`${workflowId} to end`, async () => (await handle.describe()).status.name !== 'RUNNING', 60_000);
    assert.equal((await handle.describe()).status.name, 'FAILED');
    const error = await handle.result().then(
      () => undefined,
      (failure: Error & { cause?: Error & { cause?: Error & { type?: string } } }) => failure,
    );
    const cause = error?.cause?.cause ?? error?.cause;
    return `${(cause as { type?: string } | undefined)?.type ?? ''}: ${cause?.message ?? ''}`;
  };
  const modelSawSecret = (from = 0) => keel.model.requests.slice(from).some((request) => JSON.stringify(request.body).includes(marker) || JSON.stringify(request.body).includes(fileMarker));

  before(async () => {
    keel.model.push(
      { kind: 'message', content: [toolUse('toolu_big', 'big_output', {}), toolUse('toolu_file', 'write_file', { path: 'secret.txt', content: fileMarker })] },
      text('done'),
    );
    const victim = await keel.worker.sessions.start(
      { profile: 'test', mode: 'chat', tools: ['big_output', 'write_file'], messages: [{ role: 'user', content: 'make a report' }] },
      { workflowId: 'victim' },
    );
    await waitFor('the victim to finish its turn', async () => (await victim.state()).status === 'waiting_for_input');
    const entries = await victim.fullTranscript();
    const stored = entries.flatMap((entry) => (entry.kind === 'message' && typeof entry.content !== 'string' ? entry.content : [])).map((block) => storedRefOf(block)).find(Boolean);
    assert.ok(stored, 'the long tool output is stored by reference');
    victimHash = stored.hash;
    victimBytes = stored.bytes;
    const snapshots = await readSandboxSnapshots(keel.environment.client, 'victim');
    assert.ok(snapshots[0]?.snapshotId, 'the victim has a snapshot of turn 1');
    victimSnapshot = snapshots[0].snapshotId;
    assert.equal(modelSawSecret(), true, 'the victim itself reads its content');
    keel.model.requests.length = 0;
  });

  test('isolation: a keel_ref to another session\'s blob in a start input fails the session naming the hash; the model never sees it', async () => {
    await startRaw('thief-ref', { messages: [{ role: 'user', content: [{ type: 'text', text: 'read this', keel_ref: { hash: victimHash, bytes: victimBytes } }] }] });
    assert.match(await failureOf('thief-ref'), new RegExp(`sha256:${victimHash}|keel_ref`));
    assert.equal(modelSawSecret(), false);
  });

  test('isolation: sandbox.fromSnapshot naming another session\'s snapshot starts nothing from it', async () => {
    keel.model.push({ kind: 'message', content: [toolUse('toolu_read', 'read_file', { path: 'secret.txt' })] }, text('nothing there'));
    await startRaw('thief-snapshot', { tools: ['read_file'], sandbox: { provider: 'local', fromSnapshot: victimSnapshot }, messages: [{ role: 'user', content: 'read secret.txt' }] });
    const handle = keel.environment.client.workflow.getHandle('thief-snapshot');
    await waitFor('thief-snapshot to complete', async () => (await handle.describe()).status.name === 'COMPLETED', 60_000);
    // The tool call that needed the sandbox got an error naming the refusal; nothing of the files reached the model.
    const result = keel.model.requests.at(-1)!.body.messages.at(-1).content[0] as { content: string; is_error?: boolean };
    assert.equal(result.is_error, true);
    assert.match(result.content, new RegExp(`sandbox snapshot "${victimSnapshot}" is not one of session thief-snapshot`));
    assert.equal(modelSawSecret(), false);
    const workspace = join(keel.environment.dataDir, 'sandboxes', sessionKey('thief-snapshot'), 'workspace');
    assert.deepEqual(existsSync(workspace) ? readdirSync(workspace) : [], []);
  });

  test('isolation: read_output with another session\'s reference is a tool error for the model, and the session goes on', async () => {
    keel.model.push({ kind: 'message', content: [toolUse('toolu_peek', 'read_output', { ref: `sha256:${victimHash}` })] }, text('no luck'));
    await startRaw('thief-read-output', { tools: ['read_file'], messages: [{ role: 'user', content: 'peek' }] });
    const handle = keel.environment.client.workflow.getHandle('thief-read-output');
    await waitFor('thief-read-output to complete', async () => (await handle.describe()).status.name === 'COMPLETED', 60_000);
    const result = keel.model.requests.at(-1)!.body.messages.at(-1).content[0] as { content: string; is_error?: boolean };
    assert.equal(result.is_error, true);
    assert.match(result.content, new RegExp(`no stored output sha256:${victimHash} in this session`));
    assert.equal(modelSawSecret(), false);
  });

  test('isolation: transcript segments and contexts of another session are refused to the activities that load them', async () => {
    const activities = createContentStoreActivities(keel.environment.store);
    const as = (workflowId: string) => new MockActivityEnvironment({ workflowExecution: { workflowId, runId: `run-${workflowId}` } });
    const segment = (await as('victim').run(activities.archiveTranscript, { sessionId: 'victim', entries: [{ kind: 'message', role: 'user', content: marker, turn: 0, epoch: 0 } as never] })) as TranscriptSegment;
    const page = (await as('victim').run(activities.loadTranscript, { segment, offset: 0, maxBytes: 1_000_000 })) as LoadTranscriptResponse;
    assert.equal(page.entries.length, 1);
    await assert.rejects(as('thief').run(activities.loadTranscript, { segment, offset: 0, maxBytes: 1_000_000 }), (error: Error & { type?: string }) => {
      assert.equal(error.type, 'Store.Forbidden');
      assert.match(error.message, new RegExp(`sha256:${segment.hash} is not content of session thief`));
      return true;
    });
    // The victim's model context, named as the base of another session's model call.
    keel.model.push(text('victim reply'));
    const callModel = createCallModel(new AnthropicModelAdapter({ baseURL: keel.model.url, apiKey: 'test-key' }), keel.environment.store);
    const request = { sessionId: 'victim', turn: 1, model: 'claude-test', maxOutputTokens: 100, tools: [], messages: [{ role: 'user' as const, content: marker }] };
    const victimReply = (await as('victim').run(callModel, request)) as ModelCallResponse;
    const before = keel.model.requests.length;
    await assert.rejects(as('thief').run(callModel, { ...request, sessionId: 'victim', contextBase: victimReply.context, messages: [{ role: 'user' as const, content: 'go on' }] }), /Store\.Forbidden|is not content of session thief/);
    assert.equal(keel.model.requests.length, before, 'no model call was made with the victim\'s context');
  });

  test('fork grant: a forged grant, or a real grant used under another id, fails the session; the granted fork reads its source', async () => {
    const key = loadGrantKey(keel.environment.dataDir, { create: false });
    const from = keel.model.requests.length;
    // The victim's conversation as a fork starts it: its stored tool output as a stand-in naming the stored original.
    const messages = [
      { role: 'user', content: 'make a report' },
      { role: 'assistant', content: [toolUse('toolu_big', 'big_output', {})] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_big', content: 'stored', keel_ref: { hash: victimHash, bytes: victimBytes } }] },
    ];
    const input = (grant: string) => ({ tools: ['big_output'], fork: { from: 'victim', grant }, messages });
    await startRaw('forged-fork', input(randomBytes(32).toString('hex')));
    assert.match(await failureOf('forged-fork'), /Store\.Forbidden: the fork grant does not let session forged-fork read session victim/);
    await startRaw('copied-fork', input(forkGrant(key, 'victim', 'granted-fork')));
    assert.match(await failureOf('copied-fork'), /the fork grant does not let session copied-fork/);
    assert.equal(modelSawSecret(from), false);

    keel.model.push(text('I can read it'));
    await startRaw('granted-fork', input(forkGrant(key, 'victim', 'granted-fork')));
    const handle = keel.environment.client.workflow.getHandle('granted-fork');
    await waitFor('granted-fork to complete', async () => (await handle.describe()).status.name === 'COMPLETED', 60_000);
    assert.equal(modelSawSecret(from), true, 'the granted fork restores its source\'s stored block');
  });
});
