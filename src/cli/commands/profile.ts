/** `keel profile <id> <name>`: moves a session to another profile before its next model call (switchProfile). */
import type { Command } from 'commander';
import { defineAction, type ActionEnvironment } from '../define-action.js';

export function registerProfile(program: Command, io: ActionEnvironment): void {
  program
    .command('profile')
    .description('move a session to another profile from its next model call (recorded as a profile-switch marker)')
    .argument('<id>', 'session id')
    .argument('<name>', 'the profile to move to, as the workers know it')
    .option('--reason <text>', 'why, recorded in the transcript marker')
    .action(
      defineAction<{ reason?: string }>(io, async (context, [workflowId, profile], flags) => {
        const handle = (await context.sessions()).getHandle(workflowId);
        const switched = await handle.switchProfile({ profile, ...(flags.reason ? { reason: flags.reason } : {}) });
        if (context.options.json) context.printJson({ workflowId, ...switched });
        else context.print(`${context.style.green('profile switch')} ${switched.fromProfile} -> ${switched.profile} (${switched.model}) for ${workflowId}, from its next model call`);
      }),
    );
}
