/** `keel approve <id> <toolUseId>`: approves a tool call waiting for a decision (the decideToolCall update). */
import type { Command } from 'commander';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { compactJson } from '../output/format.js';

interface ApproveFlags {
  input?: string;
  reason?: string;
}

export function registerApprove(program: Command, io: ActionEnvironment): void {
  program
    .command('approve')
    .description('approve a tool call that waits for a decision, optionally with edited input')
    .argument('<id>', 'session id')
    .argument('<toolUseId>', 'the tool call id (keel state lists them)')
    .option('--input <json>', 'run the tool with this input instead of the model\'s (JSON)')
    .option('--reason <text>', 'why, recorded with the decision')
    .action(
      defineAction<ApproveFlags>(io, async (context, [workflowId, toolUseId], flags) => {
        let input: Record<string, unknown> | undefined;
        if (flags.input !== undefined) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(flags.input);
          } catch (error) {
            throw new CliError(`--input is not JSON: ${(error as Error).message}`, 2);
          }
          // A tool's input is a JSON object, as the model's own is.
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError('--input must be a JSON object', 2);
          input = parsed as Record<string, unknown>;
        }
        const handle = (await context.sessions()).getHandle(workflowId);
        const decision = await handle.decideToolCall({
          toolUseId,
          approve: true,
          ...(input !== undefined ? { input } : {}),
          ...(flags.reason ? { reason: flags.reason } : {}),
        });
        if (context.options.json) context.printJson(decision);
        else context.print(`${context.style.green('approved')} ${decision.tool ?? ''} ${compactJson(input ?? decision.input)} ${context.style.dim(`(${toolUseId})`)}`);
      }),
    );
}
