/** `keel deny <id> <toolUseId>`: denies a tool call waiting for a decision (the decideToolCall update). */
import type { Command } from 'commander';
import { defineAction, type ActionEnvironment } from '../define-action.js';

interface DenyFlags {
  result?: string;
  reason?: string;
}

export function registerDeny(program: Command, io: ActionEnvironment): void {
  program
    .command('deny')
    .description('deny a tool call that waits for a decision; the model gets the reason (or --result) as the tool result')
    .argument('<id>', 'session id')
    .argument('<toolUseId>', 'the tool call id (keel state lists them)')
    .option('--result <text>', 'the tool result the model sees instead of running the tool')
    .option('--reason <text>', 'why, recorded with the decision')
    .action(
      defineAction<DenyFlags>(io, async (context, [workflowId, toolUseId], flags) => {
        const handle = (await context.sessions()).getHandle(workflowId);
        const decision = await handle.decideToolCall({
          toolUseId,
          approve: false,
          ...(flags.result !== undefined ? { result: flags.result } : {}),
          ...(flags.reason ? { reason: flags.reason } : {}),
        });
        if (context.options.json) context.printJson(decision);
        else context.print(`${context.style.yellow('denied')} ${decision.tool ?? ''} ${context.style.dim(`(${toolUseId})`)}`);
      }),
    );
}
