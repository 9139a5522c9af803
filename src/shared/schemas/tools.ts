/**
 * The JSON wire types between the session workflow and the tool activities: a tool as the workflow knows it
 * (resolved once per session, so it is recorded in history and replays the same), a tool call to run, and what
 * comes back. Bundle-safe.
 */
import type { SandboxOptions } from './session-input.js';
import type { ToolSpec } from './model-call.js';
import type { BlobRef } from './stored-block.js';

/** How Temporal retries a tool's activity. Attempts count the first one; 0 means unlimited. */
export interface ToolRetryPolicy {
  maximumAttempts: number;
  /** Delay before the first retry, ms. */
  initialIntervalMs: number;
  backoffCoefficient: number;
  /** Longest delay between retries, ms. */
  maximumIntervalMs: number;
}

/** A tool as the workflow sees it: the spec sent to the model, and how its activity runs. */
export interface ResolvedTool extends ToolSpec {
  /** The tool runs in the session's sandbox (the built-ins do). */
  usesSandbox: boolean;
  /** Start-to-close timeout of one attempt, ms. */
  timeoutMs: number;
  /**
   * An attempt that sends no heartbeat for this long is taken as lost (its worker died), ms. Absent when it would be
   * no shorter than `timeoutMs`: the attempt's own timeout then notices a lost worker as soon, and two timeouts of
   * one length would race to name the failure.
   */
  heartbeatTimeoutMs?: number;
  retry: ToolRetryPolicy;
  /**
   * Whether running the tool twice for one call is harmless. When false, the activity gets a single attempt: a
   * worker that dies mid-call yields an error result for the model rather than a second run.
   */
  safeToRetry: boolean;
}

export interface ResolveToolsRequest {
  /** The session's `tools` input. */
  tools: string[];
  /** The session's `sandbox` input, if it set one. */
  sandbox?: SandboxOptions;
}

export interface ResolvedTools {
  tools: ResolvedTool[];
  /** The session's sandbox with its default applied: `local` when a sandbox tool is enabled, else `none`. */
  sandbox: SandboxOptions;
  /** MCP servers that could not be reached when the session started, with the reason: their tools are left out. */
  unavailable?: string[];
}

/** Where a sandbox tool runs: what the workflow keeps of its sandbox (see SandboxRef, worker-side). */
export interface SandboxReference {
  provider: 'local' | 'e2b';
  id: string;
  sessionId: string;
}

export interface RunToolRequest {
  sessionId: string;
  toolUseId: string;
  tool: string;
  /** The input as the model sent it (or as a reviewer edited it); the activity checks it against the schema. */
  input: unknown;
  sandbox?: SandboxReference;
}

/** A tool call's outcome as the model will see it. */
export interface ToolCallOutput {
  content: string;
  isError: boolean;
  /** The whole output as a stored `tool_result` block, when it was too long for history: `content` is its preview. */
  storedRef?: BlobRef;
}
