/**
 * The file path of a module beside the caller, with the caller's own extension: `.ts` when Keel runs from its
 * sources (tests, `npm run worker`), `.js` when it runs compiled from the installed package. Paths handed to the
 * workflow bundler (workflows, workflow interceptors) must name a file that exists in whichever form is running.
 * Internal; worker-side.
 */
import { fileURLToPath } from 'node:url';

/** `relativePath` without an extension, e.g. `'../workflows/index'`; `callerUrl` is the caller's `import.meta.url`. */
export function siblingModulePath(relativePath: string, callerUrl: string): string {
  const extension = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`${relativePath}${extension}`, callerUrl));
}
