/**
 * Baseline (c): the same conversation as the least durable loop on Temporal (`minimalChatWorkflow`, bench-only):
 * an update per user message, the model and tool calls as activities, nothing else. What Temporal itself costs on
 * this machine, so that Keel's overhead can be split into Temporal's and Keel's own.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { ToolDefinition } from '../../src/tools/index.js';
import { minimalTurnUpdate, type MinimalChatInput } from '../workflows/minimal-chat-workflow.js';
import { benchModel } from './bench-profiles.js';
import { openingMessage } from './keel-conversation.js';

export interface MinimalLoopOptions {
  client: Client;
  /** A task queue polled by a bench worker of kind `naive` (it runs the baseline workflows). */
  taskQueue: string;
  system: string;
  userMessages: string[];
  tools?: ToolDefinition[];
  /** @default a new random id */
  workflowId?: string;
}

/** Runs the conversation in a new workflow, cancelled at the end; returns each turn's wall time in ms. */
export async function runMinimalLoop(options: MinimalLoopOptions): Promise<number[]> {
  const input: MinimalChatInput = {
    model: benchModel,
    system: options.system,
    opening: openingMessage,
    tools: (options.tools ?? []).map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.jsonSchema as Record<string, unknown> })),
  };
  const handle = await options.client.workflow.start('minimalChatWorkflow', { taskQueue: options.taskQueue, workflowId: options.workflowId ?? `minimal-${randomUUID()}`, args: [input] });
  const turnMs: number[] = [];
  try {
    for (const text of options.userMessages) {
      const startedAt = performance.now();
      await handle.executeUpdate(minimalTurnUpdate, { args: [text] });
      turnMs.push(performance.now() - startedAt);
    }
  } finally {
    await handle.cancel().catch(() => undefined);
  }
  return turnMs;
}
