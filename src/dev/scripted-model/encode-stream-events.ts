/**
 * Stream encoding of the scripted model server: the server-sent events of a Message, in the order and shape the
 * Messages API streams them (`message_start`, `ping`, per block `content_block_start` / deltas /
 * `content_block_stop`, `message_delta`, `message_stop`), and the cut-short streams of the fault replies.
 * Pure functions; worker/dev side only.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ApiContentBlock, ApiMessage, ApiStreamEvent } from './api-types.js';
import { buildMessage, fillerReply } from './encode-message.js';
import type { RecordedRequest } from './script.js';

/** One event in SSE framing; the API names every event after its data's `type`. */
export function formatEvent(event: ApiStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Size of a text, thinking or JSON fragment per delta event, in code points: several deltas per block, as live. */
const deltaSize = 12;
/** The most delta events one block streams; a longer block has longer deltas, as a fast model's would be. */
const maxDeltasPerBlock = 2000;

/** The SSE events of a whole message, in the order and shape the API streams them. */
export function buildStreamEvents(message: ApiMessage): ApiStreamEvent[] {
  const { usage } = message;
  const events: ApiStreamEvent[] = [
    {
      type: 'message_start',
      // As live: no content or stop reason yet, and output tokens only counted at the end.
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
    { type: 'ping' },
  ];
  // A loop, not push(...spread): a block of megabytes has more events than a call may take arguments.
  for (const [index, block] of message.content.entries()) for (const event of blockEvents(block, index)) events.push(event);
  events.push(
    {
      type: 'message_delta',
      delta: {
        stop_reason: message.stop_reason,
        stop_sequence: message.stop_sequence,
        stop_details: null,
        container: null,
      },
      usage,
    },
    { type: 'message_stop' },
  );
  return events;
}

/** The first `afterEvents` events of a stream that never reaches `message_stop`. */
export function partialStreamEvents(record: RecordedRequest, afterEvents: number): ApiStreamEvent[] {
  const events = buildStreamEvents(buildMessage(fillerReply, record));
  return events.slice(0, Math.min(afterEvents, events.length - 1));
}

function blockEvents(block: ApiContentBlock, index: number): ApiStreamEvent[] {
  const delta = (payload: Anthropic.Messages.RawContentBlockDelta): ApiStreamEvent => ({
    type: 'content_block_delta',
    index,
    delta: payload,
  });
  let start: ApiContentBlock;
  let deltas: ApiStreamEvent[];
  switch (block.type) {
    case 'text':
      start = { type: 'text', text: '' };
      deltas = chunks(block.text).map((text) => delta({ type: 'text_delta', text }));
      break;
    case 'tool_use':
      start = { ...block, input: {} };
      deltas = chunks(JSON.stringify(block.input)).map((json) =>
        delta({ type: 'input_json_delta', partial_json: json }),
      );
      break;
    case 'thinking':
      start = { type: 'thinking', thinking: '', signature: '' };
      deltas = [
        ...chunks(block.thinking).map((thinking) => delta({ type: 'thinking_delta', thinking })),
        delta({ type: 'signature_delta', signature: block.signature }),
      ];
      break;
    case 'redacted_thinking':
      start = block;
      deltas = [];
      break;
  }
  return [
    { type: 'content_block_start', index, content_block: start },
    ...deltas,
    { type: 'content_block_stop', index },
  ];
}

function chunks(text: string): string[] {
  // By code point, so a delta never ends inside a surrogate pair.
  const codePoints = Array.from(text);
  const result: string[] = [];
  const size = Math.max(deltaSize, Math.ceil(codePoints.length / maxDeltasPerBlock));
  for (let start = 0; start < codePoints.length; start += size) {
    result.push(codePoints.slice(start, start + size).join(''));
  }
  return result;
}
