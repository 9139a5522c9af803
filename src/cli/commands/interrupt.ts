/** `keel interrupt <id>`: stops the current turn at the next safe point; the session stays open. */
import type { Command } from 'commander';
import { defineAction, type ActionEnvironment } from '../define-action.js';

export function registerInterrupt(program: Command, io: ActionEnvironment): void {
  program
    .command('interrupt')
    .description('stop the current turn at the next safe point (the session stays open)')
    .argument('<id>', 'session id')
    .option('--reason <text>', 'why, recorded in the transcript marker')
    .action(
      defineAction<{ reason?: string }>(io, async (context, [workflowId], flags) => {
        await (await context.sessions()).getHandle(workflowId).interrupt(flags.reason);
        if (context.options.json) context.printJson({ workflowId, interruptRequested: true });
        else context.print(`${context.style.green('interrupt requested')} for ${workflowId}`);
      }),
    );
}
