/**
 * Glue between commander and a verb: builds the {@link CliContext} from the global options, runs the verb, closes
 * the connection, and sets the exit code the verb returns. Client-side.
 */
import type { Command } from 'commander';
import { createCliContext, type CliContext, type CliStreams, type GlobalOptions } from './cli-context.js';

/** A verb's body: positional arguments in order, then the verb's own options. Returns the exit code (default 0). */
export type VerbHandler<Options> = (context: CliContext, positionals: string[], options: Options) => Promise<number | void>;

export interface ActionEnvironment {
  streams: CliStreams;
  environment: NodeJS.ProcessEnv;
}

export function defineAction<Options>(io: ActionEnvironment, handler: VerbHandler<Options>) {
  return async (...parameters: unknown[]): Promise<void> => {
    const command = parameters.at(-1) as Command;
    const options = command.opts<Options & object>();
    const positionals = parameters.slice(0, -2).flatMap((value) => (Array.isArray(value) ? value : value === undefined ? [] : [value])) as string[];
    const context = createCliContext(command.optsWithGlobals<GlobalOptions>(), io.streams, io.environment);
    try {
      const code = await handler(context, positionals, options);
      process.exitCode = code ?? 0;
    } finally {
      await context.close();
    }
  };
}
