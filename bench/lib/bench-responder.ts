/**
 * The benchmark's model: deterministic replies derived from the request, served by Keel's scripted Messages API
 * server with a fixed latency, so model time is known and the rest of a turn is overhead.
 *
 * - When the request offers a bench tool and its last message is not a tool result, the reply calls the tool.
 * - Otherwise the reply is a short text naming the turn (the number of user messages that are not tool results).
 *
 * So a conversation with a bench tool enabled makes two model calls and one tool call a turn; without, one call.
 */
import type { RecordedRequest, ScriptedReply, ScriptedResponder } from '../../src/dev/scripted-model/index.js';
import { benchLookupToolName, benchOutputToolName } from './bench-tools.js';

export interface BenchResponderOptions {
  /** Per-request override of the server's latency, ms (e.g. a call that a crash must interrupt). */
  delayFor?: (request: RecordedRequest) => number | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The messages of a recorded request body. */
export function requestMessages(request: RecordedRequest): Array<Record<string, unknown>> {
  const body = isRecord(request.body) ? request.body : {};
  return Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
}

/** The system prompt of a recorded request, which the bench uses to tag sessions. */
export function requestSystem(request: RecordedRequest): string {
  const body = isRecord(request.body) ? request.body : {};
  const system = body['system'];
  if (typeof system === 'string') return system;
  if (Array.isArray(system)) return system.filter(isRecord).map((block) => String(block['text'] ?? '')).join('\n');
  return '';
}

function offeredTools(request: RecordedRequest): string[] {
  const body = isRecord(request.body) ? request.body : {};
  return Array.isArray(body['tools']) ? body['tools'].filter(isRecord).map((tool) => String(tool['name'])) : [];
}

/** A system prompt that asks the bench model for a latency (ms), so one server and one worker serve several. */
export function systemWithLatency(system: string, latencyMs: number): string {
  return `${system} [model latency ${latencyMs} ms]`;
}

/** The latency a system prompt asks for, if any. */
export function latencyFromSystem(request: RecordedRequest): number | undefined {
  const match = /\[model latency (\d+) ms\]/.exec(requestSystem(request));
  return match ? Number(match[1]) : undefined;
}

/** True when the request's last message carries tool results: the model now answers instead of calling again. */
function answersToolResults(messages: Array<Record<string, unknown>>): boolean {
  const last = messages[messages.length - 1];
  return Array.isArray(last?.['content']) && last['content'].some((block) => isRecord(block) && block['type'] === 'tool_result');
}

export function createBenchResponder(options: BenchResponderOptions = {}): ScriptedResponder {
  return (request) => {
    const messages = requestMessages(request);
    const turn = messages.filter((message) => message['role'] === 'user' && !answersToolResults([message])).length;
    const delayMs = options.delayFor?.(request);
    const timing = delayMs !== undefined ? { delayMs } : {};
    const tools = offeredTools(request);
    const tool = tools.includes(benchOutputToolName) ? benchOutputToolName : tools.includes(benchLookupToolName) ? benchLookupToolName : undefined;
    if (tool && !answersToolResults(messages)) {
      const input = tool === benchOutputToolName ? { seed: turn } : { key: `key-${turn}` };
      return {
        kind: 'message',
        content: [
          { type: 'text', text: `Turn ${turn}: calling the tool.` },
          { type: 'tool_use', id: `toolu_bench_${turn}_${messages.length}`, name: tool, input },
        ],
        usage: { input_tokens: 100, output_tokens: 10 },
        ...timing,
      } satisfies ScriptedReply;
    }
    return { kind: 'message', content: [{ type: 'text', text: `Reply ${turn}.` }], usage: { input_tokens: 100, output_tokens: 5 }, ...timing };
  };
}
