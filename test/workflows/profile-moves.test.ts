import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { runHistories } from '../harness/history-size.js';
import { writeProfilesFile } from '../harness/profiles-file.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor, waitForStatus } from '../harness/wait-for.js';

const reply = (text: string): ScriptedReply => ({ kind: 'message', content: [{ type: 'text', text }], usage: { input_tokens: 100, output_tokens: 10 } });

const fleet = (model: string): Record<string, ProfileConfig> => ({
  fleet: { ...testProfiles.test, model, continueAsNewAfterTurns: 2 },
  other: { ...testProfiles.test, model: 'claude-other' },
});

describe('running sessions move to another profile', () => {
  let profilesFile: string;
  const keel = useKeel({
    model: {},
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
});
