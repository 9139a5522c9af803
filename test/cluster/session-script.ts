/**
 * The scripted model of the cluster suite: every answer follows from the conversation in the request, so a call
 * retried after a fault gets the answer the lost one would have had. A session is tagged `[s<n>]` in its first
 * message. Each user message gets `toolRounds` rounds of two tool calls, then a text reply `[s<n>] turn <u> done`:
 * a bash call in the sandbox that prints 10 kB (which the transcript keeps in the content store), and a
 * `record_effect` call that posts its marker `s<n>-u<u>-r<r>` to the side-effect counter (a side effect that is not
 * safe to repeat). While `overloaded()` is true every request gets
 * a 529.
 */
import type { RecordedRequest, ScriptedReply, ScriptedResponder } from '../../src/dev/scripted-model/index.js';

interface RequestMessage {
  role: 'user' | 'assistant';
  content: string | Array<{ type: string; text?: string }>;
}

const isToolResultMessage = (message: RequestMessage): boolean =>
  Array.isArray(message.content) && message.content.some((block) => block.type === 'tool_result');

function textOf(message: RequestMessage | undefined): string {
  if (!message) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content.map((block) => block.text ?? '').join('');
}

/** The marker the `record_effect` call of session `tag`, user message `userTurn`, round `round` posts. */
export const sideEffectMarker = (tag: string, userTurn: number, round: number): string => `${tag}-u${userTurn}-r${round}`;
/** The text reply to user message `userTurn` of session `tag`. */
export const turnReply = (tag: string, userTurn: number): string => `[${tag}] turn ${userTurn} done`;
/** Bytes a bash call prints: over the 8 KiB past which a block is kept in the content store. */
export const TOOL_OUTPUT_BYTES = 10_000;

export function sessionScript(options: { toolRounds: number; overloaded: () => boolean }): ScriptedResponder {
  return (request: RecordedRequest): ScriptedReply | undefined => {
    if (options.overloaded()) return { kind: 'http-error', status: 529 };
    const messages = (request.body?.messages ?? []) as RequestMessage[];
    const tag = /\[(s\d+)\]/.exec(textOf(messages[0]))?.[1];
    if (!tag) return undefined;
    const userTurns = messages.map((message, index) => ({ message, index })).filter(({ message }) => message.role === 'user' && !isToolResultMessage(message));
    const userTurn = userTurns.length;
    const since = messages.slice((userTurns.at(-1)?.index ?? 0) + 1);
    const round = since.filter((message) => message.role === 'user' && isToolResultMessage(message)).length + 1;
    if (round <= options.toolRounds) {
      const marker = sideEffectMarker(tag, userTurn, round);
      return {
        kind: 'message',
        content: [
          // The marker makes each round's command its own, so a model reply recorded twice shows as a repeated call.
          { type: 'tool_use', name: 'bash', input: { command: `echo ${marker}; sleep 1; head -c ${TOOL_OUTPUT_BYTES} /dev/zero | tr '\\0' x` } },
          { type: 'tool_use', name: 'record_effect', input: { marker } },
        ],
        usage: { input_tokens: 100, output_tokens: 20 },
      };
    }
    return { kind: 'message', content: [{ type: 'text', text: turnReply(tag, userTurn) }], usage: { input_tokens: 100, output_tokens: 10 } };
  };
}
