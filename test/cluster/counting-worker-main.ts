/**
 * The cluster suite's worker process: Keel's worker (`runWorker`, every setting from the environment, as
 * `npm run worker`) plus one custom tool that is not safe to retry, `record_effect`, which posts its marker to the
 * suite's side-effect counter (`KEEL_TEST_COUNTER_URL`) from the worker process. The count the suite reads is kept
 * outside every worker, so a call that ran twice (a retry after a lost worker) shows as a count of two.
 */
import { z } from 'zod';
import { defineTool, runWorker } from '../../src/index.js';

const counterUrl = process.env.KEEL_TEST_COUNTER_URL;
if (!counterUrl) throw new Error('KEEL_TEST_COUNTER_URL: the side-effect counter of the cluster suite');

const recordEffect = defineTool({
  name: 'record_effect',
  description: 'Records a side effect under a marker, once.',
  inputSchema: z.object({ marker: z.string().min(1).max(200) }),
  safeToRetry: false,
  handler: async ({ marker }) => {
    const response = await fetch(`${counterUrl}/${encodeURIComponent(marker)}`, { method: 'POST' });
    if (!response.ok) throw new Error(`the counter answered ${response.status}`);
    return `recorded ${marker}`;
  },
});

runWorker({ tools: [recordEffect] }).catch((error: unknown) => {
  process.stderr.write(`counting worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
