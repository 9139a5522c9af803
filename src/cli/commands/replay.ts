/**
 * `keel replay`: replays session histories (from the server, from files, or every session matching a visibility
 * query) against this build's workflow code and says, for each, whether the code is deterministic against it;
 * on divergence it names the event and what differs. The gate to run before deploying a new worker build.
 * `--inspect` opens the Node inspector so that a debugger can step through the workflow code as it replays.
 */
import type { Command } from 'commander';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import type { ReplayFlags } from './replay-action.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerReplay(program: Command, io: ActionEnvironment): void {
  program
    .command('replay')
    .description('replay session histories with this build\'s workflow code and say whether it is deterministic against them')
    .argument('[workflowId]', 'replay this session\'s history from the server')
    .option('--run-id <runId>', 'with a workflow id: that run (default: the latest)')
    .option('-f, --file <path>', 'a history JSON file, or a directory of them (repeatable)', collect)
    .option('--since <duration>', 'replay every session started within this long, e.g. 24h (the pre-deploy gate)')
    .option('--query <visibility query>', 'replay every session matching this visibility query')
    .option('--open', 'replay every open session of the namespace (the gate before a new build takes traffic)')
    .option('--limit <n>', 'with --since / --query / --open: at most this many sessions', '1000')
    .option('--workflows <path>', 'the workflows module to replay with (default: this build\'s src/workflows/index.ts)')
    .option('--save <path>', 'save the histories fetched from the server (a file for one, a directory for several)')
    .option('--inspect [host:port]', 'open the Node inspector (default 127.0.0.1:9229), wait for a debugger, and stop as each workflow starts')
    .addHelpText(
      'after',
      `
Exit status: 0 when every history replays deterministically, 1 when one does not (or cannot be replayed), 2 on bad usage.

Examples:
  keel replay session-0d5c...                      # one session, from the server
  keel replay --file failing-session.json --inspect # step through a recorded failure in a debugger
  keel replay --since 24h                           # every session of the last day, before deploying
  keel replay --open --workflows ../next/src/workflows/index.ts   # a new build against every open session
  keel replay --query "KeelProfile = 'default'"`,
    )
    .action(
      defineAction<ReplayFlags>(io, async (context, [workflowId], flags) => {
        // The replay machinery (the SDK's worker, its native core, webpack) loads only when a replay runs, so that
        // every other verb starts without it.
        const { replayAction } = await import('./replay-action.js');
        return replayAction(context, workflowId, flags);
      }),
    );
}
