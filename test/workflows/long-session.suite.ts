/**
 * Long sessions: history that grows linearly, no payload ceiling, continue-as-new, and a content store shared by
 * workers. One suite, run once per store kind by `long-session-file.test.ts` and `long-session-postgres.test.ts`.
 */
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { SessionClient, type SessionHandle } from '../../src/client/session-client.js';
import { ValidationError } from '../../src/errors.js';
import { startScriptedModelServer, type RecordedRequest, type ScriptedModelServer, type ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { sendMessageUpdate } from '../../src/shared/messages.js';
import type { ContentBlock, MessageContent } from '../../src/shared/schemas/content.js';
import type { TranscriptEntry } from '../../src/shared/schemas/session-messages.js';
import { storedRefOf } from '../../src/shared/schemas/stored-block.js';
import { ContentStore } from '../../src/stores/content-store.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { runHistories, temporalPayloadBytes, type RunHistory } from '../harness/history-size.js';
import { waitFor } from '../harness/wait-for.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { testProfiles } from '../harness/test-profiles.js';
import { startWorkerProcess } from '../harness/worker-process.js';

export interface StoreUnderTest {
  kind: 'file' | 'postgres';
  /** Opens another store instance on the same backing store (another worker's, with its own cache). */
  open(): Promise<ContentStore>;
  /** The environment that points a worker process at the same store (`KEEL_STORE`, `KEEL_STORE_URL`). */
  workerEnvironment(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** Temporal suggests continue-as-new at this many events on this suite's server, so long tests see it often. */
const SUGGEST_CONTINUE_AS_NEW_EVENTS = 600;

const usage = { input_tokens: 10, output_tokens: 10 };

/** The text of a message's content, stored blocks resolved or not. */
function textOfContent(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content.map((block) => (block.type === 'text' ? block.text : block.type === 'tool_result' ? JSON.stringify(block.content) : '')).join('\n');
}

/** Deterministic text of `bytes` characters that differs from turn to turn (so nothing deduplicates by accident). */
function bulkText(label: string, bytes: number): string {
  let text = `${label}:`;
  let seed = 0;
  for (const character of label) seed = (seed * 31 + character.charCodeAt(0)) >>> 0;
  while (text.length < bytes) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    text += ` ${(seed >>> 8).toString(36)}`;
  }
  return text.slice(0, bytes);
}

function messageBytes(entry: TranscriptEntry): number {
  return entry.kind === 'message' ? Buffer.byteLength(JSON.stringify({ role: entry.role, content: entry.content })) : 0;
}

/** The session's first run: the id its handle was started with, else the one every run's start event names. */
async function firstRunId(handle: SessionHandle): Promise<string> {
  const known = (handle.workflow as Partial<WorkflowHandleWithFirstExecutionRunId>).firstExecutionRunId;
  if (known) return known;
  const history = await handle.workflow.fetchHistory();
  return history.events![0].workflowExecutionStartedEventAttributes!.firstExecutionRunId!;
}

/** Frees a recorded request's body once the responder has read it: long tests would otherwise keep gigabytes. */
function forget(request: RecordedRequest): void {
  request.body = { model: request.body?.model, forgotten: true };
}

export function describeLongSessions(store: StoreUnderTest): void {
  describe(`long sessions (${store.kind} store)`, () => {
    const keel = useKeel({
      serverArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AS_NEW_EVENTS}`],
    });
    // Closed last, after the store instances opened on it.
    keel.closeAfter(store);
    let workerStore: ContentStore;
    before(async () => {
      workerStore = keel.closeAfter(await store.open());
    });

    async function startModel(responder: (request: RecordedRequest) => ScriptedReply | undefined, validate = false): Promise<ScriptedModelServer> {
      return keel.closeAfter(await startScriptedModelServer({ responder, validate }));
    }

    /** A session client that resolves stored blocks through a store instance of its own. */
    async function clientFor(taskQueue: string): Promise<SessionClient> {
      const opened = keel.closeAfter(await store.open());

      return new SessionClient({ client: keel.environment.client, taskQueue, store: opened });
    }

    test(`long session (${store.kind}): 300 turns of 20 KB outputs keep history under 3x the transcript (the naive loop: over 100x)`, async (t) => {
      const turns = 300;
      const outputBytes = 20 * 1024;
      const outputs = [...Array(turns + 1)].map((_, turn) => bulkText(`output of turn ${turn}`, outputBytes));
      const opening = 'Run the probe until it has produced 300 outputs.';
      // The probe tool prints 20 KB each time; the model calls it once a turn and must see every output in full.
      const probe = defineTool({
        name: 'probe',
        description: 'Prints the output of one step.',
        inputSchema: z.object({ turn: z.number().int() }),
        safeToRetry: true,
        handler: ({ turn }) => outputs[turn],
      });
      const model = await startModel((request) => {
        const messages = request.body.messages as { role: string; content: MessageContent }[];
        const turn = (messages.length + 1) / 2;
        assert.equal(textOfContent(messages[0].content), opening);
        for (let earlier = 1; earlier < turn; earlier += 1) {
          const result = (messages[2 * earlier].content as ContentBlock[])[0] as { type: string; content?: unknown };
          if (result.type !== 'tool_result' || result.content !== outputs[earlier]) throw new Error(`turn ${turn}: the model saw turn ${earlier}'s output changed`);
        }
        forget(request);
        if (turn >= turns) return { kind: 'message', content: [{ type: 'text', text: 'all done' }], usage };
        return { kind: 'message', content: [{ type: 'text', text: `step ${turn}` }, { type: 'tool_use', name: 'probe', input: { turn } }], usage };
      }, true);
      const worker = await keel.environment.startWorker({ modelUrl: model.url, store: workerStore, tools: [probe] });
      const sessions = await clientFor(worker.taskQueue);
      const handle = await sessions.start({ profile: 'test', tools: ['probe'], messages: [{ role: 'user', content: opening }] });
      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.turns, turns);
      assert.equal(result.finalText, 'all done');

      const transcript = await handle.fullTranscript({ resolve: true });
      // The conversation, and (below) a marker at each switch of runs the 300 turns led to.
      const entries = transcript.filter((entry) => entry.kind === 'message');
      assert.equal(entries.length, 2 * turns);
      for (let turn = 1; turn < turns; turn += 1) {
        const entry = entries[2 * turn];
        assert.ok(entry.kind === 'message' && entry.role === 'user');
        assert.equal(((entry.content as ContentBlock[])[0] as { content?: unknown }).content, outputs[turn]);
      }
      const runs = await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle));
      assert.equal(transcript.filter((entry) => entry.kind === 'marker' && entry.marker === 'continued-as-new').length, runs.length - 1);
      const historyBytes = runs.reduce((sum, run) => sum + run.bytes, 0);
      const transcriptBytes = entries.reduce((sum, entry) => sum + messageBytes(entry), 0);
      // The naive loop passes the whole conversation into every model call and gets each reply back: its history
      // holds, per call, every message before it plus the reply (tool outputs counted once, in the conversation). Computed from this transcript, events' own
      // overhead left out, so it is a lower bound.
      const sizes = entries.map(messageBytes);
      let naiveBytes = 0;
      for (let call = 1; call <= turns; call += 1) {
        naiveBytes += sizes.slice(0, 2 * call - 1).reduce((sum, size) => sum + size, 0) + sizes[2 * call - 1];
      }
      t.diagnostic(
        `${turns} turns, ${runs.length} runs: history ${historyBytes} bytes (${runs.map((run) => run.bytes).join(' + ')}), transcript ${transcriptBytes} bytes: ` +
          `${(historyBytes / transcriptBytes).toFixed(2)}x; the naive loop's history would be at least ${naiveBytes} bytes: ${(naiveBytes / transcriptBytes).toFixed(0)}x`,
      );
      assert.ok(historyBytes < 3 * transcriptBytes, `history ${historyBytes} bytes is not under 3x the transcript's ${transcriptBytes}`);
      assert.ok(naiveBytes > 100 * transcriptBytes);
      // Temporal suggested continue-as-new several times, and each run stayed small.
      assert.ok(runs.length >= 3, `expected at least 3 runs, got ${runs.length}`);
      assert.ok(runs.every((run) => run.largestEventBytes < 256 * 1024), `largest event: ${Math.max(...runs.map((run) => run.largestEventBytes))} bytes`);
    });

    test(`long session (${store.kind}): a 5 MB model reply flows through one turn without a payload error`, async (t) => {
      const huge = bulkText('five megabytes', 5 * 1024 * 1024);
      let sawWhole = false;
      const model = await startModel((request) => {
        const messages = request.body.messages as { role: string; content: ContentBlock[] }[];
        forget(request);
        if (messages.length === 1) return { kind: 'message', content: [{ type: 'text', text: huge }, { type: 'tool_use', name: 'probe', input: {} }], usage };
        sawWhole = messages[1].content[0].type === 'text' && (messages[1].content[0] as { text: string }).text === huge;
        return { kind: 'message', content: [{ type: 'text', text: 'read it all' }], usage };
      });
      const worker = await keel.environment.startWorker({ modelUrl: model.url, store: workerStore });
      const sessions = await clientFor(worker.taskQueue);
      const handle = await sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'produce a large output' }] });
      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.finalText, 'read it all');
      assert.ok(sawWhole, 'the next model call saw the 5 MB output whole');
      const [, stored] = await handle.fullTranscript();
      assert.ok(stored.kind === 'message');
      const block = (stored.content as ContentBlock[])[0];
      const ref = storedRefOf(block);
      assert.ok(ref && ref.bytes > 5 * 1024 * 1024, 'the transcript holds the output by reference');
      assert.match((block as { text: string }).text, /^five megabytes:/);
      const resolved = await handle.resolveContent(stored.content);
      assert.equal((resolved as ContentBlock[])[0].type === 'text' && ((resolved as ContentBlock[])[0] as { text: string }).text, huge);
      const runs = await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle));
      const largest = Math.max(...runs.map((run) => run.largestEventBytes));
      t.diagnostic(`5 MB output: history ${runs.reduce((sum, run) => sum + run.bytes, 0)} bytes, largest event ${largest} bytes`);
      assert.ok(largest < 64 * 1024);
    });

    test(`long session (${store.kind}): a 5 MB tool output is stored whole, the model sees it cut and pages on with read_output`, async (t) => {
      const huge = bulkText('the dump', 5 * 1024 * 1024);
      const dump = defineTool({ name: 'dump', description: 'Prints a lot.', inputSchema: z.object({}), safeToRetry: true, handler: () => huge });
      let readFrom = 0;
      let pageSeen = '';
      const model = await startModel((request) => {
        const messages = request.body.messages as { role: string; content: { type: string; content?: unknown; tool_use_id?: string }[] }[];
        forget(request);
        if (messages.length === 1) return { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_dump', name: 'dump', input: {} }], usage };
        const result = messages.at(-1)!.content.find((block) => block.type === 'tool_result')!;
        const text = String(result.content);
        if (messages.length === 3) {
          // What the model sees: the head and the tail within the profile's limit, and a note naming the output.
          if (Buffer.byteLength(text) > 51 * 1024) throw new Error(`the model saw ${text.length} characters of the output`);
          const note = /call read_output with \{"ref": "(sha256:[0-9a-f]{64})", "offset": (\d+)\}/.exec(text);
          if (!note || !text.startsWith(huge.slice(0, 1000)) || !text.endsWith(huge.slice(-1000))) throw new Error('no cut note, or head and tail missing');
          readFrom = Number(note[2]);
          return { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_read', name: 'read_output', input: { ref: note[1], offset: readFrom, limit: 1000 } }], usage };
        }
        pageSeen = text;
        return { kind: 'message', content: [{ type: 'text', text: 'read enough' }], usage };
      }, true);
      const worker = await keel.environment.startWorker({ modelUrl: model.url, store: workerStore, tools: [dump] });
      const sessions = await clientFor(worker.taskQueue);
      const handle = await sessions.start({ profile: 'test', tools: ['dump'], messages: [{ role: 'user', content: 'dump everything' }] });
      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(result.finalText, 'read enough');
      assert.equal(pageSeen, `[characters ${readFrom}-${readFrom + 1000} of ${huge.length}; ${huge.length - readFrom - 1000} more after offset ${readFrom + 1000}]\n${huge.slice(readFrom, readFrom + 1000)}`);
      const entries = await handle.fullTranscript({ resolve: true });
      const stored = entries.find((entry) => entry.kind === 'message' && JSON.stringify(entry.content).includes('toolu_dump') && entry.role === 'user');
      assert.ok(stored && stored.kind === 'message');
      assert.equal(((stored.content as ContentBlock[])[0] as { content: string }).content, huge, 'the transcript resolves to the whole output');
      const runs = await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle));
      const largest = Math.max(...runs.map((run) => run.largestEventBytes));
      t.diagnostic(`5 MB tool output: history ${runs.reduce((sum, run) => sum + run.bytes, 0)} bytes, largest event ${largest} bytes`);
      assert.ok(largest < 64 * 1024);
    });

    test(`continue-as-new (${store.kind}): messages sent at the switch get their replies and the transcript keeps every run`, async () => {
      // Echoes what the user said in the last message, so each reply shows which messages it answers.
      const model = await startModel((request) => {
        const messages = request.body.messages as { role: string; content: MessageContent }[];
        const said = textOfContent(messages.at(-1)!.content);
        forget(request);
        return { kind: 'message', content: [{ type: 'text', text: `echo ${messages.length}: ${said}` }], usage };
      }, true);
      // The switch is slowed down where it archives the transcript, and messages are sent just then.
      let fired = 0;
      const atSwitch: Promise<unknown>[] = [];
      let handle: SessionHandle | undefined;
      class SwitchWatchingStore extends ContentStore {
        override async putJson(value: unknown, owner?: string) {
          if ((value as { kind?: string }).kind === 'keel.transcript' && handle && fired < 3) {
            fired += 1;
            const label = `at-switch-${fired}`;
            atSwitch.push(fired === 2 ? handle.userMessage(label, { id: label }) : handle.sendMessage(label, { id: label }).then((reply) => ({ label, reply })));
            await new Promise((resolve) => setTimeout(resolve, 300));
          }
          return super.putJson(value, owner);
        }
      }
      const watching = new SwitchWatchingStore(workerStore.blobs);
      const worker = await keel.environment.startWorker({
        modelUrl: model.url,
        store: watching,
        profiles: { every3: { ...testProfiles.test, continueAsNewAfterTurns: 3 } },
      });
      const sessions = await clientFor(worker.taskQueue);
      handle = await sessions.start({ profile: 'every3', mode: 'chat', messages: [{ role: 'user', content: 'm0' }] });
      const first = await handle.sendMessage('m1');
      assert.match(first.text, /m1/);
      const firstRun = await handle.fullTranscript();
      const replies: { label: string; text: string }[] = [];
      for (let index = 2; index <= 14; index += 1) {
        const label = `m${index}`;
        // Now and then two at once, so that one may arrive while the other's turn switches runs.
        if (index % 4 === 0) {
          const [one, two] = await Promise.all([handle.sendMessage(label), handle.sendMessage(`${label}b`)]);
          replies.push({ label, text: one.text }, { label: `${label}b`, text: two.text });
        } else replies.push({ label, text: (await handle.sendMessage(label)).text });
      }
      const switched = (await Promise.all(atSwitch)).filter(Boolean) as { label: string; reply: { text: string } }[];
      assert.equal(fired, 3, 'messages were sent while the session was switching runs');
      for (const { label, reply } of switched) replies.push({ label, text: reply.text });
      for (const { label, text } of replies) assert.match(text, new RegExp(`\\b${label}\\b`), `the reply to ${label} answers it`);
      // A last message, so that the signal sent at a switch has surely been answered too.
      replies.push({ label: 'last', text: (await handle.sendMessage('last')).text });

      const runs: RunHistory[] = await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle));
      assert.ok(runs.filter((run) => run.continuedAsNew).length >= 2, `continued as new ${runs.length - 1} times`);
      const entries = await handle.fullTranscript();
      assert.deepEqual(entries.slice(0, firstRun.length), firstRun, 'the first run\'s messages are all still there, unchanged');
      const userTexts = entries.filter((entry) => entry.kind === 'message' && entry.role === 'user').map((entry) => textOfContent((entry as { content: MessageContent }).content)).join('\n');
      for (const label of ['m0', 'm1', ...replies.map((reply) => reply.label), 'at-switch-2']) {
        assert.equal(userTexts.split('\n').filter((line) => line === label).length, 1, `${label} is in the transcript once`);
      }
      const state = await handle.state();
      assert.equal(state.status, 'waiting_for_input');
      assert.equal(state.turn, model.requests.length);
      await handle.cancel();
      assert.equal((await handle.result()).status, 'cancelled');
      // Read once the session has ended: a switch of runs right after the last reply adds its marker, so a live
      // session's total may already count an entry that a read just before did not see.
      const closedEntries = await handle.fullTranscript();
      assert.deepEqual(closedEntries.slice(0, entries.length), entries, 'what was read while the session ran is unchanged');
      assert.equal((await handle.transcript()).total, closedEntries.length);
      assert.ok(closedEntries.slice(entries.length).every((entry) => entry.kind === 'marker' && entry.marker === 'continued-as-new'), 'after the last reply only a switch of runs was added');
      // Every run, the ones that began from carried state included, replays against the workflow code.
      const closedRuns = await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle));
      const replays = Worker.runReplayHistories(
        { workflowBundle: keel.environment.bundle, replayName: 'long-session-replay' },
        closedRuns.map((run) => ({ workflowId: handle!.workflowId, history: run.history })),
      );
      let replayed = 0;
      for await (const replay of replays) {
        assert.equal(replay.error, undefined, `run of ${replay.workflowId} replays`);
        replayed += 1;
      }
      assert.equal(replayed, closedRuns.length);
      // Each switch of runs is marked once, the ones put off by a message that arrived meanwhile included.
      const switchMarkers = (await handle.fullTranscript()).filter((entry) => entry.kind === 'marker' && entry.marker === 'continued-as-new');
      assert.equal(switchMarkers.length, closedRuns.filter((run) => run.continuedAsNew).length);
    });

    test(`continue-as-new (${store.kind}): a sendMessage waiting through a long task gets its reply across forced switches`, async () => {
      const turns = 25;
      const model = await startModel((request) => {
        const turn = (request.body.messages.length + 1) / 2;
        forget(request);
        if (turn >= turns) return { kind: 'message', content: [{ type: 'text', text: 'all done' }], usage };
        return { kind: 'message', content: [{ type: 'text', text: `step ${turn}` }, { type: 'tool_use', name: 'probe', input: { turn } }], usage };
      });
      const worker = await keel.environment.startWorker({
        modelUrl: model.url,
        store: workerStore,
        profiles: { every5: { ...testProfiles.test, continueAsNewAfterTurns: 5 } },
      });
      const sessions = await clientFor(worker.taskQueue);
      // The caller waits for the whole task: the session cannot wait for it to switch runs, so it must do so while
      // the caller waits, and the caller's reply comes from a later run.
      const { handle, reply } = await sessions.startAndSend(
        { profile: 'every5', messages: [{ role: 'user', content: 'work through the steps' }] },
        { content: 'and tell me when you are done', id: 'report' },
      );
      assert.equal(reply.text, 'all done');
      assert.equal(reply.turn, turns);
      assert.equal(reply.messageId, 'report');
      const result = await handle.result();
      assert.deepEqual([result.status, result.turns], ['completed', turns]);
      const runs = await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle));
      assert.ok(runs.length >= 3, `switched runs while the caller waited (${runs.length} runs)`);
      const entries = await handle.fullTranscript();
      assert.equal(entries.filter((entry) => entry.kind === 'message' && entry.role === 'assistant').length, turns);
      assert.equal(JSON.stringify(entries).match(/and tell me when you are done/g)?.length, 1, `the message was taken once: ${JSON.stringify(entries.filter((entry) => JSON.stringify(entry).includes('tell me')))}`);
    });

    test(`shared store (${store.kind}): two workers on one queue complete 20 sessions with no lost or mixed messages`, async (t) => {
      const sessionsCount = 20;
      const messagesPerSession = 4;
      const payload = (session: number, index: number) => bulkText(`session-${session} message-${index}`, 10 * 1024);
      const reply = (session: number, count: number) => bulkText(`session-${session} reply-${count}`, 10 * 1024);
      /**
       * Checks that a conversation holds one session's messages only, all it sent so far, in order (messages that
       * arrive together share a user message), each assistant reply after the one before; returns the session and
       * the replies so far. Throws naming what is wrong.
       */
      const checkConversation = (messages: { role: string; content: MessageContent }[]): { session: number; replies: number } => {
        const session = Number(/^session-(\d+) /.exec(textOfContent(messages[0].content))?.[1]);
        let nextPayload = 0;
        let replies = 0;
        messages.forEach((message, index) => {
          const actual = textOfContent(message.content);
          let expected: string;
          if (message.role === 'user') {
            const count = actual.split('\n').filter((line) => line.startsWith('session-')).length;
            expected = [...Array(count)].map((_, offset) => payload(session, nextPayload + offset)).join('\n');
            nextPayload += count;
          } else {
            replies += 1;
            expected = reply(session, replies);
          }
          if (actual !== expected) {
            throw new Error(`session ${session}: message ${index} is not what that session said: ${JSON.stringify(actual.slice(0, 60))} (${actual.length} characters)`);
          }
        });
        return { session, replies };
      };
      const responder = (request: RecordedRequest): ScriptedReply => {
        const messages = request.body.messages as { role: string; content: MessageContent }[];
        forget(request);
        const { session, replies } = checkConversation(messages);
        return { kind: 'message', content: [{ type: 'text', text: reply(session, replies + 1) }], usage };
      };
      const modelA = await startModel(responder, true);
      const modelB = await startModel(responder, true);
      const taskQueue = uniqueTaskQueue('shared');
      const profiles = { ...testProfiles, every2: { ...testProfiles.test, continueAsNewAfterTurns: 2 } };
      const profilesFile = join(mkdtempSync(join(tmpdir(), 'keel-shared-profiles-')), 'profiles.json');
      writeFileSync(profilesFile, JSON.stringify({ profiles }));
      // One worker in this process, one in a process of its own (as on another machine), each with its own store
      // client and cache over the same store.
      await keel.environment.startWorker({ modelUrl: modelA.url, taskQueue, store: workerStore, profiles });
      const other = await startWorkerProcess({
        address: keel.environment.address,
        taskQueue,
        modelUrl: modelB.url,
        profilesFile,
        env: await store.workerEnvironment(),
      });
      t.after(() => other.kill('SIGTERM'));
      const sessions = await clientFor(taskQueue);
      await Promise.all(
        [...Array(sessionsCount)].map(async (_, session) => {
          const handle = await sessions.start({ profile: 'every2', mode: 'chat', messages: [{ role: 'user', content: payload(session, 0) }] });
          for (let index = 1; index <= messagesPerSession; index += 1) {
            const answer = await handle.sendMessage(payload(session, index));
            assert.ok(answer.text.startsWith(`session-${session} reply-`), answer.text.slice(0, 60));
          }
          const entries = await handle.fullTranscript({ resolve: true });
          // The conversation, without the markers of its switches of runs.
          const messages = entries.flatMap((entry) => (entry.kind === 'message' ? [{ role: entry.role, content: entry.content }] : []));
          const { session: seen, replies } = checkConversation(messages);
          assert.equal(seen, session);
          const sent = messages.filter((message) => message.role === 'user').map((message) => textOfContent(message.content)).join('\n');
          assert.equal(sent, [...Array(messagesPerSession + 1)].map((_, index) => payload(session, index)).join('\n'), `session ${session} lost or repeated a message`);
          assert.equal(replies, (await handle.state()).turn);
          const runs = await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle));
          assert.ok(runs.length >= 2, `session ${session} continued as new (${runs.length} runs)`);
          await handle.cancel();
        }),
      );
      assert.ok(modelA.requests.length > 0 && modelB.requests.length > 0, 'both workers ran model calls');
      assert.ok([...modelA.requests, ...modelB.requests].every((request) => request.reply === 'message'), 'every model call saw its own session\'s conversation');
    });

    test(`payload limit (${store.kind}): a message over the limit is refused naming it, and the session goes on`, async () => {
      const model = await startModel((request) => {
        const messages = request.body.messages as { role: string; content: MessageContent }[];
        const said = textOfContent(messages.at(-1)!.content);
        forget(request);
        return { kind: 'message', content: [{ type: 'text', text: `got ${said.length} characters` }], usage };
      }, true);
      const worker = await keel.environment.startWorker({
        modelUrl: model.url,
        store: workerStore,
        profiles: { every2: { ...testProfiles.test, continueAsNewAfterTurns: 2 } },
      });
      const sessions = await clientFor(worker.taskQueue);
      // A large opening too: the next run's input carries it by reference.
      const opening = bulkText('the opening', 100 * 1024);
      const handle = await sessions.start({ profile: 'every2', mode: 'chat', messages: [{ role: 'user', content: opening }] });
      const tooLarge = 'x'.repeat(3 * 1024 * 1024);
      await assert.rejects(handle.sendMessage(tooLarge), (error: unknown) => {
        assert.ok(ValidationError.isInstance(error));
        assert.match((error as Error).message, /the message is 3\.0 MiB, over the 1\.5 MiB Keel takes in one message \(Temporal's payload limit is 2\.0 MiB\)/);
        return true;
      });
      // Another client, with no check of its own, gets the session's refusal naming the limit; the session goes on.
      const nearLimit = 'z'.repeat(1800 * 1024);
      await assert.rejects(handle.workflow.executeUpdate(sendMessageUpdate, { args: [{ content: nearLimit }] }), (error: unknown) => {
        assert.match(String((error as Error).cause), /1\.8 MiB, over the 1\.5 MiB Keel takes in one message/);
        return true;
      });
      // Just under the limit: stored by reference, and the model reads it whole.
      const large = 'y'.repeat(1024 * 1024);
      const reply = await handle.sendMessage(large);
      assert.equal(reply.text, `got ${large.length} characters`);
      // The messages (the switch of runs after this turn may have added its marker after them).
      const entries = (await handle.fullTranscript()).filter((entry) => entry.kind === 'message');
      assert.ok(entries.length === 4 && entries[2].kind === 'message' && storedRefOf((entries[2].content as ContentBlock[])[0]));
      // Two turns: the session continued as new, its input slimmed, its transcript whole.
      await waitFor('the session to continue as new', async () => (await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle))).length === 2);
      const runs = await runHistories(keel.environment.client, handle.workflowId, await firstRunId(handle));
      const inputBytes = (run: RunHistory) => temporalPayloadBytes(run.history.events![0].workflowExecutionStartedEventAttributes!.input);
      assert.ok(inputBytes(runs[0]) > 100 * 1024 && inputBytes(runs[1]) < 16 * 1024, `inputs: ${inputBytes(runs[0])}, ${inputBytes(runs[1])} bytes`);
      const resolved = await handle.fullTranscript({ resolve: true });
      assert.equal(textOfContent((resolved[0] as { content: MessageContent }).content), opening);
      assert.equal(textOfContent((resolved[2] as { content: MessageContent }).content), large);
      assert.equal((await handle.sendMessage('still there?')).text, 'got 12 characters');
      await handle.cancel();
    });
  });
}
