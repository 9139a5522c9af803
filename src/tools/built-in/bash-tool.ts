import { builtInToolSpecs } from '../../shared/tool-specs.js';
import { defineTool, type ToolDefinition } from '../define-tool.js';
import type { BuiltInToolOptions } from './built-in-tool-options.js';
import { formatCommandResult } from './format-command-result.js';
import { requireSandbox } from './require-sandbox.js';

/** Time an attempt gets beyond the command's own limit, to kill the command and report, ms. */
const reportingGraceMs = 30_000;

/**
 * `bash`: one command in the session's sandbox. Not safe to retry: a command may have side effects, so a worker
 * lost mid-command gives the model an error rather than a second run.
 */
export function createBashTool(options: BuiltInToolOptions): ToolDefinition {
  return defineTool({
    name: 'bash',
    ...builtInToolSpecs.bash,
    usesSandbox: true,
    safeToRetry: false,
    timeoutMs: options.maxCommandTimeoutMs + reportingGraceMs,
    async handler(input, context) {
      const sandbox = requireSandbox(context);
      const requestedMs = input.timeoutSeconds !== undefined ? input.timeoutSeconds * 1000 : options.defaultCommandTimeoutMs;
      const timeoutMs = Math.min(requestedMs, options.maxCommandTimeoutMs);
      let outputBytes = 0;
      const result = await sandbox.runCommand(input.command, {
        timeoutMs,
        maxOutputBytes: options.maxOutputBytes,
        signal: context.signal,
        onOutput: (bytes) => {
          outputBytes += bytes;
          context.heartbeat({ outputBytes });
        },
      });
      return formatCommandResult(result, timeoutMs);
    },
  });
}
