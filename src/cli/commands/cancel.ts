/** `keel cancel <id>`: ends the session with status cancelled (Temporal cancellation). */
import type { Command } from 'commander';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { renderResult } from '../output/render-state.js';

export function registerCancel(program: Command, io: ActionEnvironment): void {
  program
    .command('cancel')
    .description('cancel a session: it ends with status cancelled and its sandbox is cleaned up')
    .argument('<id>', 'session id')
    .option('--wait', 'wait for the session to end and print its result')
    .action(
      defineAction<{ wait?: boolean }>(io, async (context, [workflowId], flags) => {
        const handle = (await context.sessions()).getHandle(workflowId);
        await handle.cancel();
        if (!flags.wait) {
          if (context.options.json) context.printJson({ workflowId, cancelRequested: true });
          else context.print(`${context.style.green('cancellation requested')} for ${workflowId}`);
          return;
        }
        const result = await handle.result();
        if (context.options.json) context.printJson({ workflowId, result });
        else context.print(renderResult(result, context.style));
      }),
    );
}
