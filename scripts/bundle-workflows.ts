/**
 * `npm run bundle [out]`: builds the workflow bundle ahead of time (the container image does this at build time),
 * so a worker started with `KEEL_WORKFLOW_BUNDLE=<out>` polls within a second instead of bundling first.
 * @default out `dist/workflow-bundle.js`
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { workflowBundleOptions } from '../src/worker/workflow-bundle.js';

const out = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
const { code } = await bundleWorkflowCode(workflowBundleOptions());
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
process.stderr.write(`workflow bundle written to ${out} (${code.length} bytes)\n`);
