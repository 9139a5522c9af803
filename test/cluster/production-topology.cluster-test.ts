/**
 * Keel on the production topology (`npm run test:cluster`; not in `npm test`: it builds the Temporal server the
 * first time and runs for minutes): a Temporal cluster on PostgreSQL with its four services in separate processes,
 * several history shards, mutual TLS on the frontend, and Keel workers in separate processes sharing the content
 * store on the same PostgreSQL. Faults are injected by killing real processes.
 */
import { Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SessionClient, type SessionHandle } from '../../src/client/session-client.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { ensureTemporalCli } from '../../src/dev/temporal-cli.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { runKeel } from '../harness/keel-cli.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { startClusterEnvironment, type ClusterEnvironment } from '../harness/temporal-cluster.js';
import { testProfiles } from '../harness/test-profiles.js';
import { waitFor } from '../harness/wait-for.js';
import { countRepeats, repeatedToolCalls, storedHashes } from './session-audit.js';
import { startSideEffectCounter, type SideEffectCounter } from './side-effect-counter.js';
import { describeStuckSession } from './stuck-sessions.js';
import { sessionScript, turnReply } from './session-script.js';

const run = promisify(execFile);

/** Model calls retry without a cap, every half second to three: a 529 lasting ten seconds must not end a session. */
const clusterProfile: ProfileConfig = {
  ...testProfiles.test!,
  modelCall: { startToCloseTimeoutSeconds: 60, heartbeatTimeoutSeconds: 5, retry: { initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 3000, maximumAttempts: 0 } },
};
/** A lost worker's tool call is noticed in seconds, and its sessions' next steps go elsewhere as soon. */
const workerSettings = { KEEL_TOOL_HEARTBEAT_TIMEOUT_SECONDS: '5', KEEL_STICKY_QUEUE_TIMEOUT_SECONDS: '2' };

/** Bash calls run in the local sandbox (no network); each round's side effect is a `record_effect` call. */
const sandbox = { provider: 'local' as const };
const tools = ['bash', 'record_effect'];
/** Worker processes run Keel's worker with the `record_effect` tool. */
const workerEntry = fileURLToPath(new URL('./counting-worker-main.ts', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `action` until it succeeds: a client call may fail while the frontend or the database restarts. */
async function retrying<T>(what: string, action: () => Promise<T>, timeoutMs = 5 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${timeoutMs} ms: ${(error as Error).message}`);
      await sleep(1000);
    }
  }
}

describe('production topology', () => {
  let environment: ClusterEnvironment;
  let model: ScriptedModelServer;
  let counter: SideEffectCounter;
  let overloadedUntil = 0;

  // The first run on a machine builds the Temporal server: about five minutes idle, three times that when loaded.
  before(async () => {
    environment = await startClusterEnvironment({ profiles: { cluster: clusterProfile }, workerEntry });
    counter = await startSideEffectCounter();
    model = await startScriptedModelServer({
      latencyMs: 200,
      responder: sessionScript({ toolRounds: 2, overloaded: () => Date.now() < overloadedUntil }),
    });
  }, { timeout: 40 * 60_000 });
  after(async () => {
    await environment?.close();
    await model?.close();
    await counter?.close();
  });

  test('temporal CLI over mutual TLS: starts a session and lists it by KeelStatus; a client without a certificate is refused', async () => {
    const cli = ensureTemporalCli();
    assert.ok(cli, 'the Temporal CLI is installed (npm test installs it)');
    const taskQueue = `cli-${randomUUID()}`;
    const worker = await environment.startWorker({ taskQueue, modelUrl: model.url, env: { ...workerSettings, KEEL_TEST_COUNTER_URL: counter.url } });
    try {
      const workflowId = `session-cli-${randomUUID()}`;
      const input = JSON.stringify({ profile: 'cluster', tools, sandbox, messages: [{ role: 'user', content: '[s900] start' }] });
      await run(cli, ['workflow', 'start', '--type', 'agentSession', '--task-queue', taskQueue, '--workflow-id', workflowId, '--input', input, ...environment.cluster.cliArgs]);
      const listed = await waitFor(
        'the session to be listed as completed',
        async () => {
          const { stdout } = await run(cli, ['workflow', 'list', '--query', `KeelStatus='completed' AND WorkflowId='${workflowId}'`, '--output', 'json', ...environment.cluster.cliArgs]);
          return stdout.includes(workflowId) ? stdout : undefined;
        },
        120_000,
        1000,
      );
      assert.match(listed, /agentSession/);
      const result = await environment.client.workflow.getHandle(workflowId).result();
      assert.equal(result.status, 'completed');
      assert.equal(result.finalText, turnReply('s900', 1));
      // Its two side effects ran once each, as the counter saw them.
      assert.deepEqual([counter.counts.get('s900-u1-r1'), counter.counts.get('s900-u1-r2')], [1, 1]);

      const { certificates, address } = environment.cluster;
      // Trusting the server but showing no certificate of its own: the handshake is refused.
      await assert.rejects(
        run(cli, ['workflow', 'list', '--address', address, '--tls-ca-path', certificates.authority, '--tls-server-name', certificates.serverName, '--command-timeout', '10s']),
        (error: Error & { stderr?: string }) => /certificate|tls|handshake|connection|transport/i.test(`${error.message}${error.stderr ?? ''}`),
      );
      await assert.rejects(run(cli, ['workflow', 'list', '--address', address, '--command-timeout', '10s']));
      await assert.rejects(async () => {
        const connection = await Connection.connect({ address, tls: { serverNameOverride: certificates.serverName, serverRootCACertificate: readFileSync(certificates.authority) }, connectTimeout: 5000 });
        try {
          await connection.workflowService.getSystemInfo({});
        } finally {
          await connection.close();
        }
      });
    } finally {
      await worker.kill('SIGTERM');
    }
  });

  test('keel CLI and SessionClient.connect over mutual TLS with only the standard variables; refused without a client certificate', async () => {
    const taskQueue = `keel-tls-${randomUUID()}`;
    // The worker process too reaches the frontend with the TEMPORAL_TLS_* variables alone (the harness gives it nothing else).
    const worker = await environment.startWorker({ taskQueue, modelUrl: model.url, env: { ...workerSettings, KEEL_TEST_COUNTER_URL: counter.url } });
    const tlsEnvironment: Record<string, string> = { ...environment.cluster.clientEnvironment, KEEL_TASK_QUEUE: taskQueue };
    try {
      const id = `session-keel-tls-${randomUUID()}`;
      const started = await runKeel(['start', '[s902] start', '--profile', 'cluster', '--tool', 'bash', '--tool', 'record_effect', '--id', id, '--json'], { env: tlsEnvironment });
      assert.equal(started.code, 0, started.stderr);
      assert.equal((JSON.parse(started.stdout) as { workflowId: string }).workflowId, id);

      const sessions = await SessionClient.connect({ environment: tlsEnvironment });
      try {
        const result = await sessions.getHandle(id).result();
        assert.equal(result.status, 'completed');
        assert.equal(result.finalText, turnReply('s902', 1));
      } finally {
        await sessions.close();
      }
      const listed = await runKeel(['list', '--json'], { env: tlsEnvironment });
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(listed.stdout.includes(id), 'keel list shows the session');

      // The same variables less the client certificate: the server refuses the handshake.
      const { TEMPORAL_TLS_CLIENT_CERT_PATH: _certificate, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...withoutCertificate } = tlsEnvironment;
      const refused = await runKeel(['list', '--json'], { env: withoutCertificate });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /cannot reach Temporal/);
      await assert.rejects(async () => {
        const anonymous = await SessionClient.connect({ environment: withoutCertificate });
        try {
          await anonymous.client.workflowService.getSystemInfo({});
        } finally {
          await anonymous.close();
        }
      });
    } finally {
      await worker.kill('SIGTERM');
    }
  });

  test('a session waiting for input survives a restart of every Temporal service and of PostgreSQL, then answers', { timeout: 15 * 60_000 }, async () => {
    const taskQueue = `restart-${randomUUID()}`;
    const worker = await environment.startWorker({ taskQueue, modelUrl: model.url, env: { ...workerSettings, KEEL_TEST_COUNTER_URL: counter.url } });
    try {
      const sessions = environment.sessions(taskQueue);
      const handle = await sessions.start({ profile: 'cluster', mode: 'chat', tools, sandbox, messages: [{ role: 'user', content: '[s901] start' }] });
      await waitFor('the first turn', async () => (await handle.state()).status === 'waiting_for_input', 120_000, 500);

      const { cluster } = environment;
      for (const service of ['frontend', 'worker', 'matching', 'history'] as const) await cluster.kill(service);
      await cluster.restartPostgres();
      await cluster.start('history');
      await Promise.all([cluster.start('matching'), cluster.start('worker')]);
      await cluster.start('frontend');

      const reply = await retrying('the message after the restart', () => handle.sendMessage('[s901] after the restart', { id: 'after-restart' }));
      assert.equal(reply.text, turnReply('s901', 2));
      assert.equal((await handle.state()).status, 'waiting_for_input');
      const transcript = await handle.fullTranscript();
      const audit = countRepeats(transcript, ['[s901] start', turnReply('s901', 1), '[s901] after the restart', turnReply('s901', 2)]);
      assert.deepEqual(audit, { missing: [], repeated: 0 });
      await handle.cancel();
    } finally {
      await worker.kill('SIGTERM');
    }
  });

  test('50 sessions through a worker SIGKILL, history, matching and frontend restarts, a PostgreSQL restart and 529s: none lost, nothing twice', { timeout: 40 * 60_000 }, async () => {
    const taskQueue = `faults-${randomUUID()}`;
    const { cluster } = environment;
    const workers = [
      await environment.startWorker({ taskQueue, modelUrl: model.url, env: { ...workerSettings, KEEL_TEST_COUNTER_URL: counter.url } }),
      await environment.startWorker({ taskQueue, modelUrl: model.url, env: { ...workerSettings, KEEL_TEST_COUNTER_URL: counter.url } }),
    ];
    const sessions = environment.sessions(taskQueue);
    const sessionCount = 50;
    let faultsDone = false;
    // Chat sessions keep talking until the faults are over; task sessions start one every two seconds across them.
    const sent = new Map<number, string[]>();
    const handles = new Map<number, SessionHandle>();
    // What each driver is waiting for, so that one still waiting long after the faults can be named and described.
    const waitingFor = new Map<number, string>();
    const drive = async (index: number): Promise<void> => {
      const tag = `s${index}`;
      waitingFor.set(index, 'its start');
      const chat = index % 2 === 0;
      if (!chat) await sleep(index * 1000);
      const workflowId = `session-${tag}-${taskQueue}`;
      const input = { profile: 'cluster', mode: chat ? ('chat' as const) : ('task' as const), tools, sandbox, messages: [{ role: 'user' as const, content: `[${tag}] start` }] };
      // A start whose answer a fault lost may have started the session all the same: then it is there to join.
      const handle = await retrying(`start ${tag}`, () =>
        sessions.start(input, { workflowId }).catch((error: Error) => {
          if (error.name === 'WorkflowExecutionAlreadyStartedError') return sessions.getHandle(workflowId);
          throw error;
        }),
      );
      handles.set(index, handle);
      sent.set(index, [`[${tag}] start`]);
      if (!chat) return void waitingFor.delete(index);
      waitingFor.set(index, 'its first turn');
      await waitFor(`${tag}'s first turn`, () => handle.state().then((state) => state.status === 'waiting_for_input', () => false), 10 * 60_000, 500);
      for (let message = 2; !faultsDone || message <= 3; message++) {
        const content = `[${tag}] message ${message}`;
        sent.get(index)!.push(content);
        waitingFor.set(index, `the reply to message ${message}`);
        // The same id on every try: a message that reached the session before a fault is not queued again.
        const reply = await retrying(`${tag} message ${message}`, () => handle.sendMessage(content, { id: `${tag}-m${message}` }));
        assert.equal(reply.text, turnReply(tag, message));
      }
      waitingFor.delete(index);
    };
    const driving = Array.from({ length: sessionCount }, (_, index) => drive(index));

    const faults: string[] = [];
    const started = Date.now();
    const fault = async (name: string, inject: () => Promise<void>): Promise<void> => {
      await sleep(6000);
      process.stderr.write(`[faults] ${((Date.now() - started) / 1000).toFixed(0)} s: ${name}\n`);
      await inject();
      faults.push(name);
    };
    await fault('Keel worker SIGKILL', async () => {
      await workers[0]!.kill('SIGKILL');
      workers[0] = await environment.startWorker({ taskQueue, modelUrl: model.url, env: { ...workerSettings, KEEL_TEST_COUNTER_URL: counter.url } });
    });
    await fault('history killed and restarted', () => cluster.restart('history', 'SIGKILL'));
    await fault('matching killed and restarted', () => cluster.restart('matching', 'SIGKILL'));
    await fault('frontend restarted', () => cluster.restart('frontend', 'SIGTERM'));
    await fault('PostgreSQL restarted', () => cluster.restartPostgres());
    await fault('model server 529 for ten seconds', async () => {
      overloadedUntil = Date.now() + 10_000;
      await sleep(10_000);
    });
    faultsDone = true;
    const audit = async (): Promise<void> => {
      const outcomes = await Promise.allSettled(driving);
      const driverFailures = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason));

      let lost = 0;
      let duplicatedTurns = 0;
      let missingTurns = 0;
      const hashes = new Set<string>();
      for (let index = 0; index < sessionCount; index++) {
        const handle = handles.get(index);
        if (!handle) {
          lost++;
          continue;
        }
        const tag = `s${index}`;
        const chat = index % 2 === 0;
        waitingFor.set(index, chat ? 'its state after the faults' : 'its result');
        const status = chat
          ? await retrying(`${tag} state`, async () => (await handle.state()).status)
          : await retrying(`${tag} result`, async () => (await handle.result()).status);
        if (status !== (chat ? 'waiting_for_input' : 'completed')) lost++;
        const transcript = await retrying(`${tag} transcript`, () => handle.fullTranscript());
        const messages = sent.get(index) ?? [];
        const repeats = countRepeats(transcript, [...messages, ...messages.map((_, turn) => turnReply(tag, turn + 1))]);
        duplicatedTurns += repeats.repeated + repeatedToolCalls(transcript);
        missingTurns += repeats.missing.length;
        storedHashes(transcript, hashes);
        if (chat) await handle.cancel().catch(() => undefined);
        waitingFor.delete(index);
      }
      const sideEffects = counter.counts;
      const ranTwice = [...sideEffects.values()].filter((count) => count > 1).length;
      let blobsMissing = 0;
      for (const hash of hashes) if ((await environment.store.blobs.get(hash)) === undefined) blobsMissing++;

      const counts = {
        sessions: sessionCount,
        faultsInjected: faults.length,
        sessionsLost: lost,
        turnsDuplicated: duplicatedTurns,
        turnsMissing: missingTurns,
        toolCallsRunTwice: ranTwice,
        toolCallsRun: sideEffects.size,
        blobsNamed: hashes.size,
        blobsMissing,
        seconds: Math.round((Date.now() - started) / 1000),
      };
      process.stderr.write(`[faults] ${JSON.stringify(counts)}\n`);
      assert.deepEqual(driverFailures, []);
      assert.equal(counts.faultsInjected, 6);
      assert.equal(counts.sessionsLost, 0);
      assert.equal(counts.turnsDuplicated, 0);
      assert.equal(counts.turnsMissing, 0);
      assert.equal(counts.toolCallsRunTwice, 0);
      assert.ok(counts.toolCallsRun >= sessionCount * 2, `bash calls ran (${counts.toolCallsRun})`);
      assert.ok(counts.blobsNamed >= sessionCount, `transcripts name stored blocks (${counts.blobsNamed})`);
      assert.equal(counts.blobsMissing, 0);
      // Each worker kill, eviction and restart made some worker replay some session: every history must replay.
      await assertHistoriesReplay(environment.bundle, [...handles.values()]);
    };
    // Every session answers within seconds once the faults are over: one still waiting fifteen minutes later is stuck,
    // and the test says which and what its workflow is doing, rather than sitting until its own timeout.
    const watchdog = new AbortController();
    const stuck = delay(15 * 60_000, undefined, { signal: watchdog.signal }).then(async () => {
      const reports = await Promise.all(
        [...waitingFor].map(async ([index, what]) => ({ tag: `s${index}`, what, ...(await describeStuckSession(environment.client, `session-s${index}-${taskQueue}`)) })),
      );
      // Errors only (warnings are the 529s of the overload fault), cut short: the reports come first.
      const errorsOf = (output: string) => output.split('\n').filter((line) => !line.startsWith('{"level":40') && !line.startsWith('{"level":30'));
      const workerLines = workers.map((worker, index) => `worker ${index}, last errors:\n${errorsOf(worker.output()).slice(-10).map((line) => line.slice(0, 600)).join('\n')}`);
      process.stderr.write(`[faults] stuck fifteen minutes after the faults:\n${reports.map((report) => report.detail).join('\n')}\n${workerLines.join('\n')}\n`);
      throw new Error(`still waiting fifteen minutes after the faults: ${reports.map((report) => `${report.tag} for ${report.what} [${report.summary}]`).join('; ')}`);
    });
    stuck.catch(() => undefined);
    try {
      await Promise.race([audit(), stuck]);
    } finally {
      watchdog.abort();
    }
    await Promise.allSettled(workers.map((worker) => worker.kill('SIGTERM')));
  });
});
