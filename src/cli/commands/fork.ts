/**
 * `keel fork <id> --at-turn N`: a new session from another's transcript up to turn N, to try a fix or another
 * model (--profile) on a failed run.
 */
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { planFork, readSandboxSnapshots, readSessionInput } from '../../client/fork-session.js';
import { forkGrant } from '../../codec/fork-grant.js';
import { SESSION_ID_PREFIX } from '../../shared/constants.js';
import { ValidationError } from '../../errors.js';
import { CliError } from '../cli-context.js';
import { cliGrantKey } from '../cli-grant-key.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';

interface ForkFlags {
  atTurn: string;
  profile?: string;
  mode?: string;
  id?: string;
}

export function registerFork(program: Command, io: ActionEnvironment): void {
  program
    .command('fork')
    .description('start a new session from a session\'s transcript up to a turn, e.g. to try another profile on a failed run')
    .argument('<id>', 'the session to fork')
    .requiredOption('--at-turn <n>', 'keep the transcript through this turn (0: only the opening messages)')
    .option('-p, --profile <name>', 'the fork\'s profile (default: the source\'s)')
    .option('-m, --mode <mode>', 'the fork\'s mode, task or chat (default: the source\'s)')
    .option('--id <workflowId>', 'the fork\'s session id (default: session-<uuid>)')
    .addHelpText('after', '\nExample:\n  keel fork session-0d5c... --at-turn 2 --profile claude-opus-4-1')
    .action(
      defineAction<ForkFlags>(io, async (context, [sourceId], flags) => {
        const atTurn = Number(flags.atTurn);
        if (!Number.isInteger(atTurn) || atTurn < 0) throw new CliError(`--at-turn ${flags.atTurn}: expected a whole number >= 0`, 2);
        if (flags.mode !== undefined && flags.mode !== 'task' && flags.mode !== 'chat') throw new CliError(`--mode ${flags.mode}: expected task or chat`, 2);
        // The grant names the fork's id, so the id is chosen here; the key is the workers' (see src/codec/fork-grant.ts).
        const forkId = flags.id ?? `${SESSION_ID_PREFIX}${randomUUID()}`;
        const grantKey = cliGrantKey(io.environment);
        const client = await context.client();
        const sessions = await context.sessions();
        const [source, transcript, snapshots] = await Promise.all([
          readSessionInput(client, sourceId),
          sessions.getHandle(sourceId).fullTranscript(),
          readSandboxSnapshots(client, sourceId),
        ]);
        let plan;
        try {
          plan = planFork(source, transcript, {
            atTurn,
            sourceWorkflowId: sourceId,
            snapshots,
            grant: forkGrant(grantKey, sourceId, forkId),
            ...(flags.profile ? { profile: flags.profile } : {}),
            ...(flags.mode ? { mode: flags.mode as 'task' | 'chat' } : {}),
          });
        } catch (error) {
          if (ValidationError.isInstance(error)) throw new CliError(error.message, 2);
          throw error;
        }
        const handle = await sessions.start(plan.input, { workflowId: forkId });
        if (context.options.json) {
          context.printJson({
            workflowId: handle.workflowId,
            forkedFrom: sourceId,
            atTurn,
            profile: plan.input.profile,
            messages: plan.input.messages.length,
            ...(plan.snapshot ? { sandboxSnapshot: plan.snapshot } : {}),
            ...(plan.snapshotMissing ? { sandboxSnapshotMissing: plan.snapshotMissing } : {}),
          });
          return;
        }
        const { style } = context;
        context.print(
          `${style.green('forked')} ${style.bold(handle.workflowId)} from ${sourceId} at turn ${atTurn} ${style.dim(`(${plan.input.messages.length} messages, profile ${plan.input.profile})`)}`,
        );
        if (plan.snapshot) context.print(style.dim(`  sandbox files as they were after turn ${plan.snapshot.turn} (snapshot ${plan.snapshot.snapshotId})`));
        if (plan.snapshotMissing) {
          context.print(style.yellow(`  no sandbox snapshot of turn ${plan.snapshotMissing.turn} (${plan.snapshotMissing.missing}): the fork starts with an empty sandbox`));
        }
        if (plan.droppedForReset > 0) context.print(style.dim(`  ${plan.droppedForReset} earlier messages left out: a context reset had hidden them from the model`));
        if (plan.unansweredToolCalls.length > 0) context.print(style.yellow(`  tool calls at the cut answered as not run: ${plan.unansweredToolCalls.join(', ')}`));
        const last = plan.input.messages.at(-1);
        if (last?.role === 'assistant') context.print(style.dim(`  it waits for a message: keel send ${handle.workflowId} "..."`));
        context.print(style.dim(`  follow it: keel watch ${handle.workflowId}   compare: keel diff ${sourceId} ${handle.workflowId}`));
      }),
    );
}
