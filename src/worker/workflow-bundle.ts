/**
 * What a Keel workflow bundle is made of: the workflows module, and the modules every workflow of a worker shares
 * (src/workflows/shared-schemas.ts). Every bundle Keel builds (the worker's own, `npm run bundle`, replay, the tests
 * and the bench) takes its options from here, so that none of them runs the schemas' construction per workflow.
 */
import type { BundleOptions } from '@temporalio/worker';
import { siblingModulePath } from '../internal/sibling-module-path.js';

/** The workflow bundle's entry, for `workflowsPath` and `bundleWorkflowCode`. */
export const workflowsPath = siblingModulePath('../workflows/index', import.meta.url);

/**
 * Modules loaded once into the worker's shared V8 context (`preloadModules`). They only take effect with the SDK's
 * reusable context (`reuseV8Context`, its default), and change nothing a history records: a bundle with or without
 * them replays the same histories.
 */
export const sharedWorkflowModules: string[] = [siblingModulePath('../workflows/shared-schemas', import.meta.url)];

/** `bundleWorkflowCode` options for Keel's workflows: `workflowsPath` and `preloadModules` set, the rest passed on. */
export function workflowBundleOptions(options: Partial<BundleOptions> = {}): BundleOptions {
  return {
    workflowsPath,
    ...options,
    preloadModules: [...sharedWorkflowModules, ...(options.preloadModules ?? [])],
  };
}
