/**
 * The `continued-as-new` transcript marker: each switch of runs is marked once, where it happened, and the marks of
 * earlier switches come back with the archived transcript in every later run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { AssistantTurn, TranscriptEntry } from '../../src/shared/schemas/session-messages.js';
import { ContentStore } from '../../src/stores/content-store.js';
import { runHistories, type RunHistory } from '../harness/history-size.js';
import { textReply } from '../harness/scripted-replies.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel, type Keel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

/** An entry as a short line: `user:<text>`, `assistant:<text>` or `marker:<kind>@<turn>`. */
function describeEntry(entry: TranscriptEntry): string {
  if (entry.kind === 'marker') return `marker:${entry.marker}@${entry.turn}`;
  const text = typeof entry.content === 'string' ? entry.content : entry.content.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('');
  return `${entry.role}:${text}`;
}

const profiles = { ...testProfiles, every1: { ...testProfiles.test, continueAsNewAfterTurns: 1 } };

/** Awaited once as a transcript segment is archived (a switch being prepared), before it is stored; set by a test. */
let duringArchive: (() => Promise<void>) | undefined;

/** The workers' store, holding the archive of a transcript until {@link duringArchive} is done. */
class ArchiveWatchingStore extends ContentStore {
  override async putJson(value: unknown, owner?: string) {
    const watcher = duringArchive;
    if ((value as { kind?: string }).kind === 'keel.transcript' && watcher) {
      duringArchive = undefined;
      await watcher();
    }
    return super.putJson(value, owner);
  }
}

/** Every run of a session, once at least `count` of them have continued as new. */
async function runsAfterSwitches(keel: Keel, handle: SessionHandle, count: number): Promise<RunHistory[] | undefined> {
  const description = await handle.workflow.describe();
  const runs = await runHistories(keel.environment.client, handle.workflowId, description.raw.workflowExecutionInfo?.firstRunId || description.runId);
  return runs.filter((run) => run.continuedAsNew).length >= count ? runs : undefined;
}

/** The whole transcript once the run has read it back. */
async function readBack(handle: SessionHandle): Promise<TranscriptEntry[]> {
  return waitFor('the transcript read back', async () => ((await handle.transcript()).loading ? undefined : await handle.fullTranscript()));
}

describe('continue-as-new marker', () => {
  const keel = useKeel({
    model: {},
    worker: { profiles },
    workers: { watching: (started) => ({ profiles, store: new ArchiveWatchingStore(started.environment.store.blobs) }) },
  });

  test('continue-as-new marker: the full transcript marks each switch of runs once, at the boundary, and the marks survive later switches', async () => {
    keel.model.push(textReply('one'), textReply('two'), textReply('three'));
    const handle = await keel.worker.sessions.start({ profile: 'every1', mode: 'chat', messages: [{ role: 'user', content: 'first' }] });
    // One turn per run: the session switches after each turn, while it waits for the next message.
    const switches = (count: number) => runsAfterSwitches(keel, handle, count);
    // Each message after the switch its previous turn led to (one arriving during a switch is the next test's).
    await waitFor('the first switch', () => switches(1), 30_000);
    assert.equal((await handle.sendMessage('second')).text, 'two');
    await waitFor('the second switch', () => switches(2), 30_000);
    assert.equal((await handle.sendMessage('third')).text, 'three');
    const runs = await waitFor('the third switch', () => switches(3), 30_000);
    assert.equal(runs.length, 4);

    // The transcript of the fourth run, read back from the archives of three runs and what each carried inline.
    const entries = await readBack(handle);
    assert.deepEqual(entries.map(describeEntry), [
      'user:first',
      'assistant:one',
      'marker:continued-as-new@1',
      'user:second',
      'assistant:two',
      'marker:continued-as-new@2',
      'user:third',
      'assistant:three',
      'marker:continued-as-new@3',
    ]);
    const details = entries.flatMap((entry) => (entry.kind === 'marker' ? [entry.detail ?? ''] : []));
    for (const [index, detail] of details.entries()) {
      assert.equal(detail, `run ${index + 2} begins: 1 turn in run ${index + 1} reached the profile's continueAsNewAfterTurns (1)`);
    }
    // The marks are not conversation: the model saw the messages only.
    const lastRequest = keel.model.requests.at(-1)!.body.messages as { role: string }[];
    assert.deepEqual(lastRequest.map((message) => message.role), ['user', 'assistant', 'user', 'assistant', 'user']);
    assert.equal((await handle.state()).turn, 3);

    await handle.cancel();
    assert.equal((await handle.result()).status, 'cancelled');
    // Every run replays, the ones that began from a carried marker included.
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: keel.environment.bundle, replayName: 'continue-as-new-marker-replay' },
      (await switches(3))!.map((run) => ({ workflowId: handle.workflowId, history: run.history })),
    )) {
      assert.equal(result.error, undefined, `a run of ${handle.workflowId} replays`);
      replayed += 1;
    }
    assert.equal(replayed, 4);
  });

  test('continue-as-new marker: a message arriving while a switch is prepared puts the switch off; the switch that follows is marked once', async () => {
    const { sessions } = keel.namedWorker('watching');
    keel.model.push(textReply('one'), textReply('two'));
    let handle: SessionHandle | undefined;
    let during: Promise<AssistantTurn> | undefined;
    // The first switch's archive is held until a message has arrived: its handler runs, so this try returns, the
    // message is answered, and the session switches at its next safe point, carrying the rest inline.
    duringArchive = async () => {
      during = handle!.sendMessage('during');
      await waitFor('the message queued in the switching run', async () => (await handle!.state()).queuedMessages === 1);
    };
    handle = await sessions.start({ profile: 'every1', mode: 'chat', messages: [{ role: 'user', content: 'first' }] });
    const runs = await waitFor('the switch', () => runsAfterSwitches(keel, handle!, 1), 30_000);
    assert.equal(duringArchive, undefined, 'the message was sent while the transcript was archived');
    assert.equal((await during!).text, 'two');
    assert.equal(runs.length, 2);
    const entries = await readBack(handle);
    assert.deepEqual(entries.map(describeEntry), ['user:first', 'assistant:one', 'user:during', 'assistant:two', 'marker:continued-as-new@2']);
    const marker = entries.at(-1)!;
    assert.equal(marker.kind === 'marker' && marker.detail, "run 2 begins: 2 turns in run 1 reached the profile's continueAsNewAfterTurns (1)");
    await handle.cancel();
  });
});
