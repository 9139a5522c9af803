/** `keel reset-context <id>`: the next model call starts from a reset context (the resetContext signal). */
import type { Command } from 'commander';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';

interface ResetFlags {
  strategy?: string;
  reason?: string;
}

export function registerResetContext(program: Command, io: ActionEnvironment): void {
  program
    .command('reset-context')
    .description("reset the session's context before its next model call: compact (summarise) or clear")
    .argument('<id>', 'session id')
    .option('--strategy <strategy>', 'compact or clear (default: the profile\'s policy)')
    .option('--reason <text>', 'why, recorded in the transcript marker')
    .action(
      defineAction<ResetFlags>(io, async (context, [workflowId], flags) => {
        if (flags.strategy !== undefined && flags.strategy !== 'compact' && flags.strategy !== 'clear') {
          throw new CliError(`--strategy ${flags.strategy}: expected compact or clear`, 2);
        }
        const handle = (await context.sessions()).getHandle(workflowId);
        await handle.resetContext({
          ...(flags.strategy ? { strategy: flags.strategy as 'compact' | 'clear' } : {}),
          ...(flags.reason ? { reason: flags.reason } : {}),
        });
        if (context.options.json) context.printJson({ workflowId, resetRequested: true });
        else context.print(`${context.style.green('reset requested')} for ${workflowId}`);
      }),
    );
}
