/**
 * Baseline (a): what a user would otherwise run. A plain in-process agent loop over the real Anthropic SDK,
 * streaming like Keel's model activity, with no durability: the transcript lives in a local array. It sends the
 * model exactly what a Keel session sends (the opening line and the first message in one user message).
 */
import Anthropic from '@anthropic-ai/sdk';
import { benchModel } from './bench-profiles.js';
import { openingMessage } from './keel-conversation.js';

export interface PlainLoopOptions {
  modelUrl: string;
  system: string;
  /** The user message of each turn, in order. */
  userMessages: string[];
}

/** Runs the conversation; returns each turn's wall time in ms. */
export async function runPlainLoop(options: PlainLoopOptions): Promise<number[]> {
  const client = new Anthropic({ apiKey: 'bench-key', baseURL: options.modelUrl, maxRetries: 0 });
  const messages: Anthropic.MessageParam[] = [];
  const turnMs: number[] = [];
  for (const [index, text] of options.userMessages.entries()) {
    const startedAt = performance.now();
    const content: Anthropic.TextBlockParam[] =
      index === 0 ? [{ type: 'text', text: openingMessage }, { type: 'text', text }] : [{ type: 'text', text }];
    messages.push({ role: 'user', content });
    const reply = await client.messages.stream({ model: benchModel, max_tokens: 1024, system: options.system, messages }).finalMessage();
    messages.push({ role: 'assistant', content: reply.content });
    turnMs.push(performance.now() - startedAt);
  }
  return turnMs;
}
