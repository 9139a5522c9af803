/**
 * `npm run record-histories`: runs every scenario of test/harness/history-scenarios.ts against a fresh dev server,
 * a worker of this build and the scripted model, and writes each session's history to
 * test/fixtures/histories/<scenario>.json. test/workflows/replay.test.ts replays them all with the current workflow
 * code, so that a change which breaks determinism fails `npm test`.
 *
 * Re-record after a change to the workflow's command sequence that has not been released; once sessions are running
 * in production, put the change behind `patched()` and, before re-recording, copy the recordings of the old path to
 * test/fixtures/histories/legacy/ (replayed by the same test; never rewritten by this script).
 * `npm run record-histories -- chat-three-turns` records only the named scenarios.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedModelServerOptions } from '../src/dev/scripted-model/index.js';
import { loadGrantKey } from '../src/codec/fork-grant.js';
import { writeHistoryFile } from '../src/replay/history-files.js';
import { sessionRunIds } from '../src/client/session-runs.js';
import type { ProfileConfig } from '../src/shared/schemas/profile.js';
import { fixtureNames, historyScenarios } from '../test/harness/history-scenarios.js';
import { startTestEnvironment, type WorkerSetup } from '../test/harness/temporal-env.js';

const fixturesDirectory = fileURLToPath(new URL('../test/fixtures/histories/', import.meta.url));

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !historyScenarios.some((scenario) => scenario.name === name));
  if (unknown.length > 0) throw new Error(`no such scenario: ${unknown.join(', ')} (known: ${historyScenarios.map((scenario) => scenario.name).join(', ')})`);
  const scenarios = only.length > 0 ? historyScenarios.filter((scenario) => only.includes(scenario.name)) : historyScenarios;

  const environment = await startTestEnvironment();
  const models: ScriptedModelServer[] = [];
  const startWorker = async (options: ScriptedModelServerOptions = {}, profiles?: Record<string, ProfileConfig>, setup: Pick<WorkerSetup, 'mcp' | 'taskQueue'> = {}) => {
    const model = await startScriptedModelServer(options);
    models.push(model);
    return { model, worker: await environment.startWorker({ modelUrl: model.url, ...(profiles ? { profiles } : {}), ...setup }) };
  };
  try {
    await mkdir(fixturesDirectory, { recursive: true });
    if (only.length === 0) {
      // A full recording replaces the set, so that a removed scenario leaves no stale fixture behind.
      for (const file of (await readdir(fixturesDirectory)).filter((name) => name.endsWith('.json'))) await rm(join(fixturesDirectory, file));
    }
    for (const scenario of scenarios) {
      const handle = await scenario.run({ client: environment.client, startWorker, grantKey: loadGrantKey(environment.dataDir, { create: true }) }, scenario.name);
      const description = await handle.workflow.describe();
      const expected = scenario.ends === 'failed' ? 'FAILED' : 'COMPLETED';
      if (description.status.name !== expected) throw new Error(`${scenario.name}: ended ${description.status.name}, expected ${expected}`);
      const runs = await sessionRunIds(environment.client, scenario.name);
      if (scenario.continuesAsNew && runs.length < 2) throw new Error(`${scenario.name}: expected it to continue as new, it has ${runs.length} run`);
      const names = fixtureNames(scenario, runs.length);
      let events = 0;
      for (const [index, runId] of runs.entries()) {
        const history = await environment.client.workflow.getHandle(scenario.name, runId).fetchHistory();
        events += history.events?.length ?? 0;
        await writeHistoryFile(join(fixturesDirectory, `${names[index]}.json`), history);
      }
      const history = { events: { length: events } };
      process.stdout.write(`recorded ${scenario.name} (${history.events?.length ?? 0} events): ${scenario.covers}\n`);
    }
  } finally {
    await environment.close();
    await Promise.all(models.map((model) => model.close()));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`record-histories: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
