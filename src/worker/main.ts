/**
 * `npm run worker [-- --profiles <file>]`: a Keel worker process, {@link runWorker} with every setting from the
 * environment (`--profiles` overrides `KEEL_PROFILES`). Exits 0 once a SIGINT/SIGTERM shutdown has finished, 1
 * with one JSON log line when the worker cannot start or fails.
 */
import { parseArgs } from 'node:util';
import { runWorker } from './run-worker.js';

const { values } = parseArgs({ options: { profiles: { type: 'string' } }, strict: true });
runWorker(values.profiles ? { profiles: values.profiles } : {}).catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), name: 'keel', msg: `keel worker: ${error instanceof Error ? error.message : String(error)}` })}\n`);
  process.exit(1);
});
