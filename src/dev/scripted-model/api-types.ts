/**
 * The Messages API values the scripted model server sends, typed as the `@anthropic-ai/sdk` types they are on the
 * wire, so that an SDK upgrade that changes the wire format breaks the typecheck here rather than a user's run.
 *
 * Each type is the SDK's own, minus the fields this server has never sent (named one by one with `Without`, which
 * itself fails the typecheck when the SDK renames or drops a field it names). A field the SDK adds as required
 * appears in these types at once, so building a reply without it fails the typecheck too. Types only; worker/dev side.
 */
import type Anthropic from '@anthropic-ai/sdk';

/** `Omit` that only takes fields `T` has: a field renamed or removed by an SDK upgrade fails the typecheck. */
export type Without<T, K extends keyof T> = Omit<T, K>;

/** A text block of a reply (no citations: scripted text cites nothing). */
export type ApiTextBlock = Without<Anthropic.Messages.TextBlock, 'citations'>;
/** A tool call of a reply (no `caller`: every scripted call is the model's own). */
export type ApiToolUseBlock = Without<Anthropic.Messages.ToolUseBlock, 'caller'>;
/** A content block of a reply: the kinds a scripted message can hold. */
export type ApiContentBlock =
  | ApiTextBlock
  | ApiToolUseBlock
  | Anthropic.Messages.ThinkingBlock
  | Anthropic.Messages.RedactedThinkingBlock;

/** Token counts of a reply: the four counts, not the per-feature breakdowns. */
export type ApiUsage = Without<
  Anthropic.Messages.Usage,
  'cache_creation' | 'inference_geo' | 'output_tokens_details' | 'server_tool_use' | 'service_tier' | 'speed'
>;

/** A Message, as the JSON body of a reply and inside `message_start`. */
export type ApiMessage = Without<Anthropic.Messages.Message, 'diagnostics' | 'content' | 'usage'> & {
  content: ApiContentBlock[];
  usage: ApiUsage;
};

/** The API's keep-alive event; the SDK skips it, so it has no type of its own there. */
export type ApiPingEvent = { type: 'ping' };

/** An error type the API answers with: the SDK's list, plus `request_too_large` (413), which it leaves out. */
export type ApiErrorType = Anthropic.ErrorType | 'request_too_large';

/**
 * The body of an error reply, and the data of an SSE `error` event. `error.type` is a string because a script may
 * name a type of its own; the server's defaults are `ApiErrorType`s.
 */
export type ApiErrorBody = Without<Anthropic.ErrorResponse, 'request_id' | 'error'> & {
  error: { type: ApiErrorType | (string & {}); message: Anthropic.ErrorObject['message'] };
};

/** One server-sent event of a streamed reply (its SSE `event:` name is its `type`). */
export type ApiStreamEvent =
  | (Without<Anthropic.Messages.RawMessageStartEvent, 'message'> & { message: ApiMessage })
  | ApiPingEvent
  | (Without<Anthropic.Messages.RawContentBlockStartEvent, 'content_block'> & { content_block: ApiContentBlock })
  | Anthropic.Messages.RawContentBlockDeltaEvent
  | Anthropic.Messages.RawContentBlockStopEvent
  | (Without<Anthropic.Messages.RawMessageDeltaEvent, 'usage'> & {
      usage: Without<Anthropic.Messages.MessageDeltaUsage, 'output_tokens_details' | 'server_tool_use'>;
    })
  | Anthropic.Messages.RawMessageStopEvent
  | ApiErrorBody;
