import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { runKeel } from '../harness/keel-cli.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor, waitForStatus } from '../harness/wait-for.js';

const deploymentName = 'keel-versioning-test';
const taskQueue = uniqueTaskQueue('versioned');
const profiles: Record<string, ProfileConfig> = { versioned: { ...testProfiles.test, continueAsNewAfterTurns: 2 } };
/** Each build calls its own model server, which answers with the build's name: the reply says which build ran the turn. */
const answers = (build: string) => ({ responder: (): ScriptedReply => ({ kind: 'message', content: [{ type: 'text', text: build }], usage: { input_tokens: 10, output_tokens: 2 } }) });

describe('worker versioning', () => {
  const keel = useKeel({
    models: { 'build-1': answers('build-1'), 'build-2': answers('build-2') },
    workers: { 'build-1': { scriptedModel: 'build-1', taskQueue, profiles, deployment: { name: deploymentName, buildId: 'build-1' } } },
  });

  /** Makes a build the deployment's current version, once the server has seen its worker poll. */
  const makeCurrent = (buildId: string) =>
    waitFor(`build ${buildId} to become the current version`, async () => {
      await keel.environment.client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId, identity: 'keel-test' });
      return true;
    }, 30_000, 250);

  test('worker versioning: a session stays on the build it started on until its continue-as-new, then moves to the current build; keel replay --open names a build that would break open sessions', async () => {
    await makeCurrent('build-1');
    const sessions = keel.namedWorker('build-1').sessions;
    const handle = await sessions.start({ profile: 'versioned', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn on build-1');
    assert.equal(keel.namedModel('build-1').requests.length, 1);

    // A second build takes traffic: new sessions go to it; the running one stays pinned to build-1.
    await keel.environment.startWorker({
      modelUrl: keel.namedModel('build-2').url,
      taskQueue,
      profiles,
      deployment: { name: deploymentName, buildId: 'build-2' },
    });
    await makeCurrent('build-2');
    assert.equal((await handle.sendMessage('second')).text, 'build-1');
    const fresh = await sessions.start({ profile: 'versioned', mode: 'chat', messages: [{ role: 'user', content: 'a new session' }] });
    await waitForStatus(fresh, 'waiting_for_input', 'the new session\'s first turn');
    assert.equal(keel.namedModel('build-2').requests.length, 1, 'the new session ran on build-2');

    // Two turns in, the session continues as new, and its next run starts on the current build.
    await waitFor('the session to continue as new', async () => {
      const description = await keel.environment.client.workflow.getHandle(handle.workflowId).describe();
      return description.runId !== description.raw.workflowExecutionInfo?.firstRunId;
    });
    assert.equal((await handle.sendMessage('third')).text, 'build-2');
    const description = await keel.environment.client.workflow.getHandle(handle.workflowId).describe();
    const versioning = description.raw.workflowExecutionInfo?.versioningInfo;
    assert.equal(versioning?.deploymentVersion?.buildId, 'build-2');

    // The gate before a build takes traffic: `keel replay --open` with the new build's workflow code. A build whose
    // code would not replay the open sessions is named, with each session it would break.
    const replay = (...args: string[]) => runKeel(['replay', '--open', ...args], { address: keel.environment.address });
    const broken = await replay('--workflows', 'test/fixtures/workflows/sleep-first-session.ts');
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(broken.stdout, new RegExp(`NOT deterministic ${handle.workflowId}`));
    assert.match(broken.stdout, new RegExp(`NOT deterministic ${fresh.workflowId}`));
    const sound = await replay();
    assert.equal(sound.code, 0, `${sound.stdout}\n${sound.stderr}`);
    await handle.cancel();
    await fresh.cancel();
  });
});
