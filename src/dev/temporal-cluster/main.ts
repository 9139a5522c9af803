/**
 * `npm run cluster [-- --workers 2 --shards 4 --dir <folder>]`: Keel on a production-shaped Temporal cluster on this
 * machine. Builds or finds the Temporal server, starts PostgreSQL, the four Temporal services as separate processes
 * with mutual TLS on the frontend, and Keel workers as separate processes sharing the content store on the same
 * PostgreSQL. The model is Claude when `ANTHROPIC_API_KEY` is set, else the offline scripted model. Prints where
 * everything is and how to reach it, and stops everything on Ctrl-C. Dev tooling.
 *
 * `npm run cluster -- --prepare` only builds (or finds) the Temporal server and PostgreSQL, then exits: CI runs it
 * before the production-topology suite so that a first build is never counted against a test's time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { offlineDemoResponder, startScriptedModelServer, type ScriptedModelServer } from '../scripted-model/index.js';
import { ensurePostgresTools } from '../postgres-server.js';
import { clusterServices } from './cluster-config.js';
import { startTemporalCluster } from './temporal-cluster.js';
import { ensureTemporalServerTools } from './temporal-server-build.js';
import { spawnWorkerProcess, type WorkerProcess } from '../worker-process.js';

const flagsSchema = z.object({
  workers: z.coerce.number().int().min(1).max(16),
  shards: z.coerce.number().int().min(1).max(512),
  dir: z.string().min(1).optional(),
  prepare: z.boolean(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { workers: { type: 'string', default: '2' }, shards: { type: 'string', default: '4' }, dir: { type: 'string' }, prepare: { type: 'boolean', default: false } },
    strict: true,
  });
  const flags = flagsSchema.parse(values);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  if (flags.prepare) {
    const tools = await ensureTemporalServerTools({ log: say });
    const postgres = await ensurePostgresTools();
    say(`Temporal server ${tools.version}: ${tools.server}`);
    say(`PostgreSQL: ${postgres}`);
    return;
  }
  const cluster = await startTemporalCluster({ historyShards: flags.shards, log: say, ...(flags.dir ? { directory: flags.dir } : {}) });
  let model: ScriptedModelServer | undefined;
  const workers: WorkerProcess[] = [];
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping: workers, then the Temporal services, then PostgreSQL');
    await Promise.allSettled(workers.map((worker) => worker.kill('SIGTERM')));
    await cluster.stop();
    await model?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  if (!process.env.ANTHROPIC_API_KEY) model = await startScriptedModelServer({ responder: offlineDemoResponder() });
  const envFile = join(cluster.directory, 'client.env');
  writeFileSync(envFile, `${Object.entries(cluster.clientEnvironment).map(([key, value]) => `export ${key}=${value}`).join('\n')}\n`);
  for (let index = 0; index < flags.workers; index++) {
    workers.push(
      await spawnWorkerProcess({
        env: {
          ...cluster.clientEnvironment,
          KEEL_NAMESPACE: cluster.namespace,
          KEEL_STORE: 'postgres',
          KEEL_STORE_URL: cluster.storeUrl,
          KEEL_DATA_DIR: join(cluster.directory, 'keel-data'),
          ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY ?? 'offline',
          ...(model ? { ANTHROPIC_BASE_URL: model.url } : process.env.ANTHROPIC_BASE_URL ? { ANTHROPIC_BASE_URL: process.env.ANTHROPIC_BASE_URL } : {}),
        },
      }),
    );
  }

  say('');
  say(`Temporal frontend   ${cluster.address} (mutual TLS; certificates in ${join(cluster.directory, 'certificates')})`);
  for (const service of clusterServices) say(`  ${service.padEnd(10)} pid ${cluster.pid(service)}, grpc ${cluster.ports[service].grpc}, log ${cluster.logFile(service)}`);
  say(`PostgreSQL          ${cluster.postgres.url} (Temporal: temporal, temporal_visibility; Keel's store: keel)`);
  say(`Keel workers        ${workers.map((worker) => `pid ${worker.child.pid}`).join(', ')} (KEEL_STORE=postgres)`);
  say(`model               ${model ? `offline scripted model at ${model.url}` : (process.env.ANTHROPIC_BASE_URL ?? 'Anthropic API')}`);
  say(`client settings     source ${envFile}`);
  say(`temporal CLI        temporal workflow list ${cluster.cliArgs.join(' ')} --query "KeelStatus='waiting_for_input'"`);
  say('Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run cluster: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
