/**
 * Runs `test/python/raw_session_driver.py`: sessions driven through Temporal's Python SDK with raw JSON arguments,
 * as any client may (CONTRACT.md, "Trust boundary"), not through Keel's own client.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { ensurePythonVenv } from './python-venv.js';
import { startTestEnvironment, uniqueTaskQueue, type TestEnvironment } from './temporal-env.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

/** The Python SDK version the tests install from PyPI (the one the Python client test uses). */
export const TEMPORALIO_VERSION = '1.35.0';

const script = fileURLToPath(new URL('../python/raw_session_driver.py', import.meta.url));

export type DriverStep =
  | { step: 'start'; id: string; args: unknown[] }
  | { step: 'signal' | 'update' | 'query'; id: string; name: string; args?: unknown[] }
  | { step: 'waitFor'; id: string; status: string }
  | { step: 'result' | 'history'; id: string }
  | { step: 'fuzz'; id: string; seed: number; count: number }
  | { step: 'signalNaN'; id: string; name: string };

export type DriverOutcome = { ok: true; value: any } | { ok: false; error: { type: string; message: string; outer: string } };

/** Runs the steps in order against `address`/`taskQueue` and returns each step's outcome. */
export async function driveRawSession(address: string, taskQueue: string, steps: DriverStep[], timeoutMs = 300_000): Promise<DriverOutcome[]> {
  const python = ensurePythonVenv('python-client', [`temporalio==${TEMPORALIO_VERSION}`]);
  const directory = mkdtempSync(join(tmpdir(), 'keel-raw-driver-'));
  const stepsFile = join(directory, 'steps.json');
  writeFileSync(stepsFile, JSON.stringify(steps));
  try {
    const { stdout } = await promisify(execFile)(python, [script, address, taskQueue, stepsFile], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    // The SDK's core may log to stdout too: outcomes are the lines the driver marks.
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('outcome '))
      .map((line) => JSON.parse(line.slice('outcome '.length)) as DriverOutcome);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A dev server, the scripted model, and a Keel worker in its own process, for sessions driven by a raw client. */
export interface RawClientSetup {
  environment: TestEnvironment;
  model: ScriptedModelServer;
  worker: WorkerProcess;
  taskQueue: string;
  drive(steps: DriverStep[]): Promise<DriverOutcome[]>;
  /** Fails when the worker process has exited or was killed, with the end of its output. */
  assertWorkerAlive(): void;
  close(): Promise<void>;
}

export async function startRawClientSetup(taskQueuePrefix: string): Promise<RawClientSetup> {
  const environment = await startTestEnvironment();
  const model = await startScriptedModelServer();
  const taskQueue = uniqueTaskQueue(taskQueuePrefix);
  const worker = await startWorkerProcess({
    address: environment.address,
    taskQueue,
    modelUrl: model.url,
    profilesFile: environment.profilesFile,
    env: { KEEL_WORKFLOW_BUNDLE: environment.workflowBundleFile, KEEL_DATA_DIR: environment.dataDir },
  });
  return {
    environment,
    model,
    worker,
    taskQueue,
    drive: (steps) => driveRawSession(environment.address, taskQueue, steps),
    assertWorkerAlive() {
      assert.equal(worker.child.exitCode, null, `the worker process exited:\n${worker.output().slice(-4000)}`);
      assert.equal(worker.child.signalCode, null, `the worker process was killed:\n${worker.output().slice(-4000)}`);
    },
    async close() {
      await worker.kill('SIGTERM');
      await environment.close();
      await model.close();
    },
  };
}
