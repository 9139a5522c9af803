/**
 * `defineTool`: a tool for Keel sessions, written in TypeScript. Its zod input schema is sent to the model as
 * JSON Schema and checked against what the model sends back (a mismatch is a tool error the model can fix, never
 * a failure of the session); its handler runs in an activity with the tool's own timeout and retry policy.
 * Worker-side.
 */
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { CommandResult, FileEntry, RunCommandOptions, SandboxRef } from '../sandboxes/sandbox-provider.js';
import type { ToolRetryPolicy } from '../shared/schemas/tools.js';
import { toModelJsonSchema } from '../shared/schemas/model-json-schema.js';

/** The session's sandbox, attached for one tool call. */
export interface ToolSandbox {
  readonly ref: SandboxRef;
  runCommand(command: string, options: RunCommandOptions): Promise<CommandResult>;
  /** @throws ToolError when the path leaves the session directory or does not exist. */
  readFile(path: string): Promise<Uint8Array>;
  /** @throws ToolError when the path leaves the session directory. */
  writeFile(path: string, data: Uint8Array): Promise<number>;
  listFiles(path?: string): Promise<FileEntry[]>;
}

/** What a handler gets besides its input. */
export interface ToolContext {
  sessionId: string;
  toolUseId: string;
  /** The session's sandbox, for tools defined with `usesSandbox: true`; undefined otherwise. */
  sandbox: ToolSandbox | undefined;
  /** Aborted when the call is cancelled (the session was cancelled, or the activity timed out). */
  signal: AbortSignal;
  /** Reports progress: it goes out with the activity's next heartbeat (they beat on a timer while the handler runs). */
  heartbeat(details?: unknown): void;
}

/**
 * What a handler returns: text for the model, or text flagged as an error. To report a failure the model should
 * see, return `{content, isError: true}` or throw a `ToolError`; any other exception counts as a failure of the
 * tool's machinery and is retried by the tool's policy (when it is safe to retry).
 */
export type ToolHandlerResult = string | { content: string; isError?: boolean };

export interface DefineToolOptions<Schema extends z.ZodType> {
  /** The name the model calls it by: letters, digits, `_` and `-`, at most 64. */
  name: string;
  /** What it does and when to use it, for the model. */
  description: string;
  /** The input, as a zod object schema. */
  inputSchema: Schema;
  handler: (input: z.output<Schema>, context: ToolContext) => ToolHandlerResult | Promise<ToolHandlerResult>;
  /** Longest one attempt may take, ms. @default 60000 */
  timeoutMs?: number;
  /** An attempt that sends no heartbeat for this long is taken as lost, ms. @default the worker's (env `KEEL_TOOL_HEARTBEAT_TIMEOUT_SECONDS`) */
  heartbeatTimeoutMs?: number;
  /** How failed attempts are retried when `safeToRetry`. @default 3 attempts from 1 s, doubling, at most 10 s apart */
  retry?: Partial<ToolRetryPolicy>;
  /** Whether a second run of the same call is harmless. When false the tool gets one attempt. @default false */
  safeToRetry?: boolean;
  /** Whether the tool runs in (and needs) the session's sandbox. @default false */
  usesSandbox?: boolean;
}

/** A tool ready for the registry. Create with {@link defineTool}. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.ZodType;
  /** The input schema as JSON Schema (an object schema), as the model receives it. */
  readonly jsonSchema: Record<string, unknown>;
  readonly handler: (input: unknown, context: ToolContext) => ToolHandlerResult | Promise<ToolHandlerResult>;
  readonly timeoutMs: number;
  readonly heartbeatTimeoutMs: number | undefined;
  readonly retry: ToolRetryPolicy;
  readonly safeToRetry: boolean;
  readonly usesSandbox: boolean;
}

const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;

export const defaultToolRetry: ToolRetryPolicy = { maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 10_000 };

/** @throws ConfigError when the name, schema or policy is unusable (checked when the worker starts). */
export function defineTool<Schema extends z.ZodType>(options: DefineToolOptions<Schema>): ToolDefinition {
  if (!toolNamePattern.test(options.name)) {
    throw new ConfigError(`tool name "${options.name}" is invalid: use 1 to 64 letters, digits, _ or -`);
  }
  let jsonSchema: Record<string, unknown>;
  try {
    jsonSchema = toModelJsonSchema(options.inputSchema);
  } catch (error) {
    throw new ConfigError(`tool "${options.name}": its input schema cannot be expressed as JSON Schema: ${(error as Error).message}`);
  }
  if (jsonSchema.type !== 'object') throw new ConfigError(`tool "${options.name}": the input schema must be a zod object schema`);
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!(timeoutMs > 0)) throw new ConfigError(`tool "${options.name}": timeoutMs must be positive`);
  const retry = { ...defaultToolRetry, ...options.retry };
  if (retry.maximumAttempts < 0 || retry.initialIntervalMs <= 0 || retry.backoffCoefficient < 1) {
    throw new ConfigError(`tool "${options.name}": invalid retry policy ${JSON.stringify(retry)}`);
  }
  return {
    name: options.name,
    description: options.description,
    inputSchema: options.inputSchema,
    jsonSchema,
    handler: options.handler as ToolDefinition['handler'],
    timeoutMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    retry,
    safeToRetry: options.safeToRetry ?? false,
    usesSandbox: options.usesSandbox ?? false,
  };
}
