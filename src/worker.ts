/**
 * `npm run worker`: a Keel worker process. Reads its settings from the environment (see loadWorkerConfig), makes
 * sure the namespace has Keel's search attributes, polls the task queue, and on SIGINT/SIGTERM stops polling and
 * lets in-flight activities finish within the grace period.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadWorkerConfig } from './config/worker-config.js';
import { createKeelWorker } from './worker/create-keel-worker.js';
import { ensureSearchAttributes } from './worker/ensure-search-attributes.js';
import { createLogger } from './worker/logger.js';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = createLogger(config.logLevel);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  try {
    const added = await ensureSearchAttributes(connection, config.namespace);
    if (added.length > 0) logger.info({ added }, 'registered Keel search attributes');
  } catch (error) {
    logger.warn({ error: (error as Error).message }, 'could not check search attributes; register KeelStatus, KeelProfile (Keyword), KeelTurns, KeelTokens (Int), KeelCostUsd (Double) by hand');
  }
  const worker = await createKeelWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...(config.profilesFile ? { profilesFile: config.profilesFile } : {}),
    ...(config.anthropicBaseUrl ? { anthropicBaseUrl: config.anthropicBaseUrl } : {}),
    shutdownGraceTimeMs: config.shutdownGraceSeconds * 1000,
  });
  logger.info(
    { address: config.temporalAddress, namespace: config.namespace, taskQueue: config.taskQueue, model: config.anthropicBaseUrl ?? 'Anthropic API', apiKey: process.env.ANTHROPIC_API_KEY ? 'set' : 'not set' },
    'keel worker started',
  );
  // The SDK installs SIGINT/SIGTERM handlers that call worker.shutdown(): polling stops and in-flight activities
  // get shutdownGraceTime to finish before run() resolves.
  await worker.run();
  await connection.close();
  logger.info('keel worker stopped');
}

main().catch((error: unknown) => {
  process.stderr.write(`keel worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
