import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { parseApiTokens } from '../../src/http/api-tokens.js';
import { startHttpApi } from '../../src/http/start-http-api.js';
import { switchProfileUpdate } from '../../src/shared/messages.js';
import { keelProfileKey } from '../../src/shared/search-attributes.js';
import { apiClient } from '../http/http-api-client.js';
import { runKeel } from '../harness/keel-cli.js';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { runHistories } from '../harness/history-size.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { writeProfilesFile } from '../harness/profiles-file.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor, waitForStatus } from '../harness/wait-for.js';

const reply = (text: string): ScriptedReply => ({ kind: 'message', content: [{ type: 'text', text }], usage: { input_tokens: 100, output_tokens: 10 } });

const fleet = (model: string): Record<string, ProfileConfig> => ({
  fleet: { ...testProfiles.test, model, continueAsNewAfterTurns: 2 },
  other: { ...testProfiles.test, model: 'claude-other' },
  moved: { ...testProfiles.test, model: 'claude-moved' },
  ramped: { ...testProfiles.test, model: 'claude-other', canary: { profile: 'moved', share: 0.25 } },
});
const tenant = 'acme';
const tenantToken = 'acme-0123456789abcdef';

describe('running sessions move to another profile', () => {
  let profilesFile: string;
  const keel = useKeel({
    // Scripted replies first; past them (the canary's many sessions, a call retried on a busy machine) `done`.
    model: { responder: () => reply('done') },
    worker: () => {
      profilesFile = join(mkdtempSync(join(tmpdir(), 'keel-follow-')), 'profiles.json');
      writeProfilesFile(profilesFile, fleet('claude-old'));
      return { profilesFile };
    },
  });

  /** Sends one message; returns the model id of the request that answered it. */
  const turn = async (handle: SessionHandle, text: string): Promise<string> => {
    keel.model.push(reply(`re: ${text}`));
    const answer = await handle.sendMessage(text);
    assert.equal(answer.text, `re: ${text}`);
    return keel.model.requests.at(-1)!.body.model;
  };

  /** Replays every run of the session (each continue-as-new starts one) against the current workflow code. */
  const assertEveryRunReplays = async (handle: SessionHandle): Promise<number> => {
    const description = await keel.environment.client.workflow.getHandle(handle.workflowId).describe();
    const firstRunId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
    const runs = await runHistories(keel.environment.client, handle.workflowId, firstRunId);
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: keel.environment.bundle, replayName: 'profile-moves-replay' },
      runs.map((run) => ({ workflowId: handle.workflowId, history: run.history })),
    )) {
      assert.equal(result.error, undefined, `a run of ${handle.workflowId} replays`);
      replayed += 1;
    }
    return replayed;
  };

  test('profile follow: a profiles file edit reaches a running chat session at its next continue-as-new, and every run replays', async () => {
    keel.model.push(reply('one'));
    const handle = await keel.worker.sessions.start({ profile: 'fleet', mode: 'chat', messages: [{ role: 'user', content: 'the task' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    assert.equal(keel.model.requests.at(-1)!.body.model, 'claude-old');

    // The operator moves the fleet to another model: an edit, no code, no redeploy.
    writeProfilesFile(profilesFile, fleet('claude-new'));
    // The run in progress keeps the profile its history recorded until it continues as new (after two turns).
    assert.equal(await turn(handle, 'second'), 'claude-old');
    await waitFor('the session to continue as new', async () => {
      const description = await keel.environment.client.workflow.getHandle(handle.workflowId).describe();
      return description.runId !== description.raw.workflowExecutionInfo?.firstRunId;
    });
    // From the next run on, the model server sees the new model id.
    assert.equal(await turn(handle, 'third'), 'claude-new');
    assert.equal(await turn(handle, 'fourth'), 'claude-new');
    assert.equal(await turn(handle, 'fifth'), 'claude-new');

    const state = await handle.state();
    assert.equal(state.profile, 'fleet');
    assert.equal(state.model, 'claude-new');
    const transcript = await handle.fullTranscript();
    const switches = transcript.filter((entry) => entry.kind === 'marker' && entry.marker === 'profile-switch');
    assert.equal(switches.length, 1, 'the edit is recorded once, in the run that read it');
    assert.match(switches[0].kind === 'marker' ? (switches[0].detail ?? '') : '', /^fleet \(claude-old\) -> fleet \(claude-new\): the profile was edited/);

    await handle.cancel();
    assert.ok((await assertEveryRunReplays(handle)) >= 3, 'at least three runs replayed');
  });

  test('switchProfile: moves a session at its next model call, as keel profile and POST /v1/sessions/{id}/profile do; bad input is refused and the session goes on; every run replays', async () => {
    keel.model.push(reply('one'));
    const handle = await keel.worker.sessions.start({ profile: 'other', mode: 'chat', metadata: { tenant }, messages: [{ role: 'user', content: 'the task' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    assert.equal(keel.model.requests.at(-1)!.body.model, 'claude-other');

    // Refused, each with a reason that says why; none fails the session.
    await assert.rejects(handle.switchProfile({ profile: 'nope' }), (error: Error) => error.name === 'MessageRejectedError' && /cannot resolve profile "nope": unknown profile "nope"; known: .*moved/.test(error.message));
    await assert.rejects(handle.switchProfile({ profile: 'other' }), /already on profile "other"/);
    await assert.rejects(handle.switchProfile({ profile: '' }), /invalid profile switch: profile/);
    // Straight to the workflow, past Keel's client: the validator refuses it.
    await assert.rejects(handle.workflow.executeUpdate(switchProfileUpdate, { args: [{ profile: 7, extra: true } as never] }), (error: Error) =>
      /invalid profile switch: profile/.test(String((error.cause as Error | undefined)?.message)),
    );
    assert.equal(await turn(handle, 'still here'), 'claude-other');

    // The move waits for the next model call: the state names it as pending until then.
    const switched = await handle.switchProfile({ profile: 'moved', reason: 'canary looked good' });
    assert.deepEqual(switched, { profile: 'moved', model: 'claude-moved', fromProfile: 'other' });
    let state = await handle.state();
    assert.deepEqual([state.profile, state.pendingProfile], ['other', 'moved']);
    assert.equal(await turn(handle, 'next'), 'claude-moved');
    state = await handle.state();
    assert.deepEqual([state.profile, state.model, state.pendingProfile, state.primaryProfile], ['moved', 'claude-moved', undefined, 'other']);
    const markers = (await handle.fullTranscript()).filter((entry) => entry.kind === 'marker');
    assert.deepEqual(markers.map((entry) => entry.kind === 'marker' && [entry.marker, entry.detail]), [
      ['profile-switch', 'other (claude-other) -> moved (claude-moved): switchProfile: canary looked good'],
    ]);
    await waitFor('KeelProfile to follow', async () => (await handle.workflow.describe()).typedSearchAttributes.get(keelProfileKey) === 'moved');

    // The CLI verb moves it back.
    const cli = await runKeel(['profile', handle.workflowId, 'other', '--json'], { address: keel.environment.address, taskQueue: keel.worker.taskQueue });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), { workflowId: handle.workflowId, profile: 'other', model: 'claude-other', fromProfile: 'moved' });
    assert.equal(await turn(handle, 'back'), 'claude-other');
    const unknown = await runKeel(['profile', handle.workflowId, 'nope'], { address: keel.environment.address, taskQueue: keel.worker.taskQueue });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown profile "nope"/);

    // So does the HTTP API, for the session's tenant; a refusal is a 409.
    const api = keel.closeAfter(await startHttpApi({ sessions: keel.worker.sessions, tokens: parseApiTokens(`${tenant}:${tenantToken},globex:globex-0123456789abcdef`), port: 0 }));
    const request = apiClient(() => api.url);
    const path = `/v1/sessions/${handle.workflowId}/profile`;
    assert.equal((await request('POST', path, { token: 'globex-0123456789abcdef', body: { profile: 'moved' } })).status, 404);
    const badBody = await request('POST', path, { token: tenantToken, body: { profile: 3 } });
    assert.equal(badBody.status, 400);
    const refused = await request('POST', path, { token: tenantToken, body: { profile: 'nope' } });
    assert.deepEqual([refused.status, refused.body.error.type], [409, 'rejected']);
    const moved = await request('POST', path, { token: tenantToken, body: { profile: 'moved', reason: 'over HTTP' } });
    assert.deepEqual([moved.status, moved.body], [200, { profile: 'moved', model: 'claude-moved', fromProfile: 'other' }]);
    assert.equal(await turn(handle, 'last'), 'claude-moved');

    await handle.cancel();
    assert.equal(await assertEveryRunReplays(handle), 1);
  });

  test('canary: 200 new sessions on a profile with a canary at share 0.25 land within the binomial 99% interval, and replay takes the branch each drew', async () => {
    const sessions = 200;
    const share = 0.25;
    // The binomial's 99% interval for the number of canary sessions: mean ± 2.576 standard deviations.
    const mean = sessions * share;
    const spread = 2.576 * Math.sqrt(sessions * share * (1 - share));
    const [low, high] = [Math.ceil(mean - spread), Math.floor(mean + spread)];
    assert.deepEqual([low, high], [35, 65]);

    const firstRequest = keel.model.requests.length;
    // Each ends at once: one model call (the responder's `done`) answers its task.
    const handles = await Promise.all(
      Array.from({ length: sessions }, (_, index) =>
        // Fixed ids: the draw is a hash of the session's id, so the split is the same every run.
        keel.worker.sessions.start({ profile: 'ramped', messages: [{ role: 'user', content: `task ${index}` }] }, { workflowId: `canary-share-${index}` }),
      ),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));
    assert.ok(results.every((result) => result.status === 'completed' && result.finalText === 'done'));

    const profiles = await Promise.all(handles.map(async (handle) => (await handle.workflow.describe()).typedSearchAttributes.get(keelProfileKey)));
    const canaries = profiles.filter((profile) => profile === 'moved').length;
    assert.equal(canaries + profiles.filter((profile) => profile === 'ramped').length, sessions, 'every session is on the profile or its canary');
    assert.ok(canaries >= low && canaries <= high, `${canaries} canary sessions of ${sessions}, expected ${low}..${high}`);
    // The model server saw the canary's model for those sessions (a call retried on a busy machine counts twice).
    const models = keel.model.requests.slice(firstRequest).map((request) => request.body.model);
    assert.ok(models.filter((model) => model === 'claude-moved').length >= canaries);
    assert.ok(models.filter((model) => model === 'claude-other').length >= sessions - canaries);
    assert.equal(models.filter((model) => model !== 'claude-moved' && model !== 'claude-other').length, 0);

    // State says so too, and the draw is in the history, so replay takes the same branch.
    const canary = handles[profiles.indexOf('moved')];
    const primary = handles[profiles.indexOf('ramped')];
    const [canaryState, primaryState] = await Promise.all([canary.state(), primary.state()]);
    assert.deepEqual([canaryState.profile, canaryState.model, canaryState.primaryProfile], ['moved', 'claude-moved', 'ramped']);
    assert.deepEqual([primaryState.profile, primaryState.model], ['ramped', 'claude-other']);
    const history = await canary.workflow.fetchHistory();
    const markerPayloads = (history.events ?? []).flatMap((event) =>
      Object.values(event.markerRecordedEventAttributes?.details ?? {}).flatMap((payloads) => (payloads.payloads ?? []).map((payload) => Buffer.from(payload.data ?? []).toString())),
    );
    assert.ok(markerPayloads.some((text) => text.includes('drawCanary')), 'the draw is recorded as a local activity marker');
    const sample = [...handles.filter((_, index) => profiles[index] === 'moved').slice(0, 5), ...handles.filter((_, index) => profiles[index] === 'ramped').slice(0, 5)];
    await assertHistoriesReplay(keel.environment.bundle, sample);
  });
});
