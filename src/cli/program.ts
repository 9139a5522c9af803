/**
 * The `keel` command: every verb, its options and help. Built by a function so that tests can drive it without a
 * process of its own. Client-side.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { ActionEnvironment } from './define-action.js';
import { registerApprove } from './commands/approve.js';
import { registerCancel } from './commands/cancel.js';
import { registerChat } from './commands/chat.js';
import { registerDeny } from './commands/deny.js';
import { registerDiff } from './commands/diff.js';
import { registerEval } from './commands/eval.js';
import { registerFork } from './commands/fork.js';
import { registerInterrupt } from './commands/interrupt.js';
import { registerList } from './commands/list.js';
import { registerMcp } from './commands/mcp.js';
import { registerProfile } from './commands/profile.js';
import { registerPurge } from './commands/purge.js';
import { registerReplay } from './commands/replay.js';
import { registerResetContext } from './commands/reset-context.js';
import { registerSchedule } from './commands/schedule.js';
import { registerSend } from './commands/send.js';
import { registerServe } from './commands/serve.js';
import { registerStart } from './commands/start.js';
import { registerState } from './commands/state.js';
import { registerStats } from './commands/stats.js';
import { registerTranscript } from './commands/transcript.js';
import { registerWatch } from './commands/watch.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(io: ActionEnvironment): Command {
  const program = new Command('keel')
    .version(version, '-V, --version', 'print the version')
    .description('Keel: durable AI agent sessions on Temporal. Start, talk to, watch, debug and replay sessions.')
    // No commander defaults for these two: the connection settings (env TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
    // TLS, API key, temporal.toml profiles) are resolved by temporal-connection.ts, and a flag wins over them.
    .addOption(new Option('--address <host:port>', 'Temporal frontend (default: TEMPORAL_ADDRESS or the temporal.toml profile, else localhost:7233)'))
    .addOption(new Option('--namespace <name>', 'Temporal namespace (default: KEEL_NAMESPACE, else TEMPORAL_NAMESPACE or the profile\'s, else default)'))
    .addOption(new Option('--task-queue <name>', 'task queue the Keel workers poll').env('KEEL_TASK_QUEUE').default('keel'))
    .option('--json', 'machine-readable output on stdout')
    .option('--no-color', 'no colour (also NO_COLOR=1); colour is on only on a terminal')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.streams.stdout.write(text),
      writeErr: (text) => io.streams.stderr.write(text),
    })
    .exitOverride();
  program.configureHelp({ sortSubcommands: false, showGlobalOptions: true });

  registerStart(program, io);
  registerChat(program, io);
  registerSend(program, io);
  registerWatch(program, io);
  registerState(program, io);
  registerTranscript(program, io);
  registerApprove(program, io);
  registerDeny(program, io);
  registerResetContext(program, io);
  registerInterrupt(program, io);
  registerProfile(program, io);
  registerCancel(program, io);
  registerList(program, io);
  registerStats(program, io);
  registerReplay(program, io);
  registerFork(program, io);
  registerDiff(program, io);
  registerEval(program, io);
  registerPurge(program, io);
  registerSchedule(program, io);
  registerMcp(program, io);
  registerServe(program, io);
  // Every verb, nested ones (`schedule create`) included, reports usage errors the same way.
  const verbs = program.commands.flatMap((command) => [command, ...command.commands]);
  for (const command of verbs) {
    command.showHelpAfterError('(run with --help for usage)').exitOverride();
    command.configureHelp({ showGlobalOptions: true });
  }
  return program;
}
