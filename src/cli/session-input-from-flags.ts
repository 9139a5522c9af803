/**
 * Builds a session input from `keel start`'s flags and an optional JSON file, and validates it the way the
 * workflow will, so that a bad input is refused before anything reaches the server. Pure; client-side.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { validateSessionInput } from '../client/session-client.js';
import { ValidationError } from '../errors.js';
import type { SessionInput, SessionInputRequest } from '../shared/schemas/session-input.js';
import { CliError } from './cli-context.js';

/** `keel start`'s options, as commander parses them (numbers stay strings until validation). */
export interface StartFlags {
  file?: string;
  profile?: string;
  system?: string;
  mode?: string;
  tool?: string[];
  approveTool?: string[];
  sandbox?: string;
  maxTurns?: string;
  maxTokens?: string;
  maxCostUsd?: string;
  idleTimeoutSeconds?: string;
  metadata?: string[];
}

/** A number flag: kept as the number it reads as, or as the raw text so that validation names the field. */
function numberFlag(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  return value.trim() !== '' && Number.isFinite(number) ? number : value;
}

function metadataFlags(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    if (separator <= 0) throw new CliError(`--metadata ${pair}: expected key=value`, 2);
    metadata[pair.slice(0, separator)] = pair.slice(separator + 1);
  }
  return metadata;
}

/** Reads a JSON input file. @throws CliError (exit 2) when it cannot be read or is not JSON. */
export async function readInputFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, 2);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${path} is not a session input: ${(error as Error).message}`, 2);
  }
}

/**
 * Merges the file's input, the flags (which win) and the task text (a user message), then validates.
 * @throws CliError (exit 2) naming the field when the result breaks the session input schema.
 */
export function sessionInputFromFlags(fileInput: Record<string, unknown> | undefined, flags: StartFlags, task: string | undefined): SessionInput {
  const input: Record<string, unknown> = { ...(fileInput ?? {}) };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) input[key] = value;
  };
  set('profile', flags.profile);
  set('system', flags.system);
  set('mode', flags.mode);
  if (flags.tool && flags.tool.length > 0) set('tools', flags.tool);
  if (flags.approveTool && flags.approveTool.length > 0) set('approval', { tools: flags.approveTool });
  if (flags.sandbox !== undefined) set('sandbox', { ...((input.sandbox as object | undefined) ?? {}), provider: flags.sandbox });
  const limits = {
    maxTurns: numberFlag(flags.maxTurns),
    maxTokens: numberFlag(flags.maxTokens),
    maxCostUsd: numberFlag(flags.maxCostUsd),
    idleTimeoutSeconds: numberFlag(flags.idleTimeoutSeconds),
  };
  const givenLimits = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  if (Object.keys(givenLimits).length > 0) set('limits', { ...((input.limits as object | undefined) ?? {}), ...givenLimits });
  const metadata = metadataFlags(flags.metadata);
  if (metadata) set('metadata', { ...((input.metadata as object | undefined) ?? {}), ...metadata });
  if (task !== undefined && task.trim() !== '') {
    if (Array.isArray(input.messages) && input.messages.length > 0) {
      throw new CliError('the task is given twice: as an argument and as `messages` in the input file; keep one', 2);
    }
    input.messages = [{ role: 'user', content: task }];
  }
  if (input.messages === undefined) throw new CliError('no task: give it as an argument (keel start "...") or as `messages` in --file', 2);
  try {
    return validateSessionInput(input as SessionInputRequest);
  } catch (error) {
    if (ValidationError.isInstance(error)) throw new CliError(error.message, 2);
    throw error;
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the session input flags ({@link StartFlags}) to a verb that builds a session input (`start`, `schedule create`). */
export function addSessionInputOptions(command: Command): Command {
  return command
    .option('-f, --file <path>', 'a JSON session input (SessionInput); flags override its fields')
    .option('-p, --profile <name>', 'model profile on the workers')
    .option('-s, --system <prompt>', 'system prompt')
    .option('-m, --mode <mode>', 'task (ends when the model stops) or chat (waits for the next message)')
    .option('-t, --tool <name>', 'enable a tool (repeatable)', collect)
    .option('--approve-tool <name>', 'a tool whose calls wait for approval (repeatable)', collect)
    .option('--sandbox <provider>', 'where sandbox tools run: local, e2b or none')
    .option('--max-turns <n>', 'budget: model turns')
    .option('--max-tokens <n>', 'budget: tokens')
    .option('--max-cost-usd <usd>', 'budget: cost in US dollars')
    .option('--idle-timeout-seconds <s>', 'end a chat session idle this long')
    .option('--metadata <key=value>', 'metadata copied into the memo (repeatable)', collect);
}
