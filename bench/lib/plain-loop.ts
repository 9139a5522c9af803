/**
 * Baseline (a): what a user would otherwise run. A plain in-process agent loop over the real Anthropic SDK,
 * streaming like Keel's model activity, running tool calls in-process with the same handlers, with no
 * durability: the transcript lives in a local array. It sends the model exactly what a Keel session sends (the
 * opening line and the first message in one user message).
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ToolDefinition } from '../../src/tools/index.js';
import { benchModel } from './bench-profiles.js';
import { openingMessage } from './keel-conversation.js';

export interface PlainLoopOptions {
  modelUrl: string;
  system: string;
  /** The user message of each turn, in order. */
  userMessages: string[];
  /** Tools offered to the model and run in-process. @default none */
  tools?: ToolDefinition[];
}

/** Runs the conversation; returns each turn's wall time in ms. */
export async function runPlainLoop(options: PlainLoopOptions): Promise<number[]> {
  const client = new Anthropic({ apiKey: 'bench-key', baseURL: options.modelUrl, maxRetries: 0 });
  const tools = options.tools ?? [];
  const toolParams: Anthropic.Tool[] = tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: tool.jsonSchema as Anthropic.Tool.InputSchema,
  }));
  const messages: Anthropic.MessageParam[] = [];
  const turnMs: number[] = [];
  for (const [index, text] of options.userMessages.entries()) {
    const startedAt = performance.now();
    const content: Anthropic.TextBlockParam[] =
      index === 0 ? [{ type: 'text', text: openingMessage }, { type: 'text', text }] : [{ type: 'text', text }];
    messages.push({ role: 'user', content });
    for (;;) {
      const reply = await client.messages
        .stream({ model: benchModel, max_tokens: 1024, system: options.system, messages, ...(toolParams.length > 0 ? { tools: toolParams } : {}) })
        .finalMessage();
      messages.push({ role: 'assistant', content: reply.content });
      const calls = reply.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      if (calls.length === 0) break;
      const results: Anthropic.ToolResultBlockParam[] = [];
      for (const call of calls) {
        const tool = tools.find((candidate) => candidate.name === call.name);
        const output = tool ? await tool.handler(tool.inputSchema.parse(call.input), { sessionId: 'plain', toolUseId: call.id, sandbox: undefined, signal: new AbortController().signal, heartbeat() {} }) : `unknown tool ${call.name}`;
        const result = typeof output === 'string' ? { content: output, isError: false } : output;
        results.push({ type: 'tool_result', tool_use_id: call.id, content: result.content, ...(result.isError ? { is_error: true } : {}) });
      }
      messages.push({ role: 'user', content: results });
    }
    turnMs.push(performance.now() - startedAt);
  }
  return turnMs;
}
