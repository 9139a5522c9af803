/**
 * `keel`: the command-line entry (bin/keel.js runs it through tsx). Errors end in one line on stderr and an exit
 * code: 1 when the operation failed, 2 when the invocation or its input is wrong. `KEEL_DEBUG=1` adds the stack.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { CommanderError } from 'commander';
import { MessageRejectedError, ValidationError } from '../errors.js';
import { CliError } from './cli-context.js';
import { buildProgram } from './program.js';

function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (ValidationError.isInstance(error)) return { message: error.message, exitCode: 2 };
  if (MessageRejectedError.isInstance(error)) return { message: `refused by the session: ${error.message}`, exitCode: 1 };
  if (error instanceof WorkflowNotFoundError) {
    // An update to a closed workflow comes back as "not found" with the server's reason.
    if (/already completed|closed/i.test(error.message)) return { message: `session ${error.workflowId} has ended: ${error.message}`, exitCode: 1 };
    return { message: `no such session: ${error.workflowId ?? error.message}`, exitCode: 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: 1 };
}

/** Runs `keel` with `argv` (without node and the script) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram({ streams: { stdout: process.stdout, stderr: process.stderr }, environment: process.env });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the usage error or the help already.
      return error.exitCode === 0 ? 0 : 2;
    }
    const { message, exitCode } = describeFailure(error);
    process.stderr.write(`keel: ${message}\n`);
    if (process.env.KEEL_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}

// Output piped into a reader that stops early (`keel list | head`) ends the command quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
