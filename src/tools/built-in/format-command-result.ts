import type { CommandResult } from '../../sandboxes/sandbox-provider.js';
import type { ToolHandlerResult } from '../define-tool.js';

/**
 * A command's result as the model reads it: the exit code (or the timeout), then stdout and stderr, each already
 * capped by the sandbox with a note where it was cut. A non-zero exit, a timeout or a resource limit reached
 * (memory, processes) is an error result.
 */
export function formatCommandResult(result: CommandResult, timeoutMs: number): ToolHandlerResult {
  const lines: string[] = [];
  if (result.timedOut) {
    lines.push(`timed out after ${timeoutMs / 1000} s: the command and every process it started were killed`);
  } else {
    lines.push(`exit code: ${result.exitCode ?? 'none (killed)'}`);
  }
  const section = (name: string, text: string): void => {
    if (text.length === 0) return;
    lines.push(`${name}:`, text.endsWith('\n') ? text.slice(0, -1) : text);
  };
  section('stdout', result.stdout);
  section('stderr', result.stderr);
  if (result.stdout.length === 0 && result.stderr.length === 0) lines.push('(no output)');
  const hitLimit = (result.limitsReached?.length ?? 0) > 0;
  return { content: lines.join('\n'), isError: result.timedOut || result.exitCode !== 0 || hitLimit };
}
