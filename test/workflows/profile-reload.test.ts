import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { writeProfilesFile } from '../harness/profiles-file.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { useKeel } from '../harness/use-keel.js';
import { testProfiles } from '../harness/test-profiles.js';
import { waitForStatus } from '../harness/wait-for.js';

const reply = (text: string, inputTokens: number): ScriptedReply => ({
  kind: 'message',
  content: [{ type: 'text', text }],
  usage: { input_tokens: inputTokens, output_tokens: 10 },
});

const writeProfiles = (path: string, editable: ProfileConfig): void => writeProfilesFile(path, { editable });

describe('profiles file edited while a worker runs', () => {
  let profilesFile: string;

  const keel = useKeel({
    model: {},
    worker: () => {
      profilesFile = join(mkdtempSync(join(tmpdir(), 'keel-reload-')), 'profiles.json');
      writeProfiles(profilesFile, { ...testProfiles.test, contextWindow: 1000, contextPolicy: { strategy: 'none' } });
      return { profilesFile };
    },
  });

  test('profile reload: an edit changes the next new session, a running session keeps its profile, and both histories replay', async () => {
    const input = { profile: 'editable', mode: 'chat' as const, messages: [{ role: 'user' as const, content: 'the task' }] };
    const turn = async (handle: SessionHandle, text: string, inputTokens: number) => {
      keel.model.push(reply(`re: ${text}`, inputTokens));
      await handle.sendMessage(text);
      return keel.model.requests.at(-1)!.body;
    };

    keel.model.push(reply('one', 300));
    const running = await keel.worker.sessions.start(input);
    await waitForStatus(running, 'waiting_for_input', 'the first turn to end');

    // The operator moves the fleet to another model and turns on context resets: an edit, no code, no redeploy.
    writeProfiles(profilesFile, {
      ...testProfiles.test,
      model: 'claude-test-2',
      contextWindow: 1000,
      contextPolicy: { strategy: 'reset', triggerFraction: 0.5, keep: { lastTurns: 1 } },
    });

    keel.model.push(reply('one', 300));
    const fresh = await keel.worker.sessions.start(input);
    await waitForStatus(fresh, 'waiting_for_input', 'the new session\'s first turn to end');
    assert.equal(keel.model.requests.at(-1)!.body.model, 'claude-test-2');
    await turn(fresh, 'second', 600);
    const freshThird = await turn(fresh, 'third', 100);
    assert.equal(freshThird.model, 'claude-test-2');
    assert.equal(freshThird.messages.length, 3);
    const freshState = await fresh.state();
    assert.equal(freshState.contextEpoch, 1);
    assert.equal(freshState.context.strategy, 'reset');

    // The session that started before the edit goes on with the profile recorded in its history.
    await turn(running, 'second', 600);
    const runningThird = await turn(running, 'third', 100);
    assert.equal(runningThird.model, 'claude-test-1');
    assert.equal(runningThird.messages.length, 5);
    const runningState = await running.state();
    assert.equal(runningState.contextEpoch, 0);
    assert.equal(runningState.context.strategy, 'none');
    assert.equal(runningState.status, 'waiting_for_input');

    // Its history, fetched while it still runs, replays with the current workflow code; so does the new one's.
    await assertHistoriesReplay(keel.environment.bundle, [running, fresh]);
    await running.cancel();
    await fresh.cancel();
  });
});
