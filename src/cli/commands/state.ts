/** `keel state <id>`: the session's status, turn, usage, pending approvals (the `state` query). */
import type { Command } from 'commander';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { renderState } from '../output/render-state.js';

export function registerState(program: Command, io: ActionEnvironment): void {
  program
    .command('state')
    .description("print a session's state: status, turn, usage, context epoch, pending approvals")
    .argument('<id>', 'session id')
    .action(
      defineAction<object>(io, async (context, [workflowId]) => {
        const state = await (await context.sessions()).getHandle(workflowId).state();
        if (context.options.json) context.printJson(state);
        else for (const line of renderState(workflowId, state, context.style)) context.print(line);
      }),
    );
}
