import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelAdapter } from '../models/model-adapter.js';
import type { ContentBlock, Message } from '../shared/schemas/content.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { modelCallRequestSchema, type ModelCallRequest, type ModelCallResponse } from '../shared/schemas/model-call.js';
import { jsonByteLength, utf8ByteLength } from '../shared/schemas/stored-block.js';
import type { ContentStore } from '../stores/content-store.js';
import { appendContext, loadContext } from '../stores/context-chain.js';
import { restoreForModel } from '../stores/restore-content.js';
import { RestoredContexts, type RestoredContext } from '../stores/restored-contexts.js';
import { storeContent } from '../stores/store-content.js';
import { activitySessionId } from './activity-session.js';
import { startHeartbeats } from './heartbeat-pacer.js';
import { toActivityFailure } from './activity-failure.js';
import { FailureTypes } from '../shared/failure-types.js';
import { assertPayloadFits } from './assert-payload-fits.js';
import { startCallStream, type CallStream } from '../events/call-stream.js';
import type { EventPublisher } from '../events/event-transport.js';

/** A system prompt longer than this is stored once and sent by reference afterwards, bytes. */
export const INLINE_SYSTEM_BYTES = 1024;

/** Messages with their size as JSON. */
function measured(messages: Message[]): RestoredContext {
  return { messages, bytes: jsonByteLength(messages) };
}

/** Where this attempt's stream goes among the turn's streams (see `CallStreamPosition.stream`). */
function streamPosition(info: Context['info']): { call: number; attempt: number; stream: number } {
  return {
    call: Number(info.activityId) || 0,
    attempt: info.attempt,
    stream: info.isLocal ? info.currentAttemptScheduledTimestampMs : info.attempt,
  };
}

/** A stored system prompt. */
interface StoredSystem {
  kind: 'keel.system';
  text: string;
}

/**
 * `callModel`: one model call, streamed, heartbeating (with the progress of the stream) so that a dead worker is
 * noticed within the heartbeat timeout and the call retried elsewhere. Retries belong to Temporal: failures leave here as
 * `ApplicationFailure`s classified retryable or not.
 *
 * The conversation lives in the content store: the request names the stored context (`contextBase`) and carries
 * only what is new; this activity restores the whole conversation for the model, stores the new messages and the
 * reply, and returns the reply with its large blocks stored, plus the new context head. So its input and result
 * stay small however long the session runs.
 */
export function createCallModel(adapter: ModelAdapter, sharedStore: ContentStore, contexts = new RestoredContexts(), events?: EventPublisher) {
  return async function callModel(request: ModelCallRequest): Promise<ModelCallResponse> {
    const parsed = modelCallRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw ApplicationFailure.nonRetryable(`invalid model call request: ${describeIssues(parsed.error)}`, FailureTypes.ModelInvalidRequest);
    }
    const { contextBase, systemRef, toolResultMaxBytes, inlineReply, prelude, ...call } = parsed.data;
    // The session's own view of the store, by the workflow id Temporal gave this activity (never the request's
    // sessionId): a stored block, context or system prompt of another session in the request is refused.
    const sessionId = activitySessionId();
    const store = sharedStore.forSession(sessionId);
    const storeOptions = toolResultMaxBytes !== undefined ? { toolResultMaxBytes } : {};

    let modelMessages: Message[];
    let modelBytes: number;
    let newMessages: Message[];
    let system = call.system;
    try {
      // Messages are restored one by one, so the kept restoration of the base plus the new messages restored is
      // what restoring the whole context gives.
      const earlier: RestoredContext = contextBase
        ? (contexts.get(sessionId, contextBase, toolResultMaxBytes) ?? measured(await restoreForModel(store, await loadContext(store, contextBase), storeOptions)))
        : { messages: [], bytes: 0 };
      newMessages = await Promise.all(
        call.messages.map(async (message) => ({ role: message.role, content: await storeContent(store, message.content, storeOptions) })),
      );
      const restoredNew = measured(await restoreForModel(store, newMessages, storeOptions));
      modelMessages = [...earlier.messages, ...restoredNew.messages];
      modelBytes = earlier.bytes + restoredNew.bytes;
      if (systemRef) system = (await store.getJson<StoredSystem>(systemRef.hash)).text;
    } catch (error) {
      throw toActivityFailure(error);
    }

    const context = Context.current();
    const heartbeats = startHeartbeats(context, { phase: 'waiting for the first token' });
    // A turn's reply streams live to subscribers; a summary the workflow reads itself (`inlineReply`) is no turn's.
    const stream: CallStream | undefined =
      events && !inlineReply
        ? startCallStream(events, { sessionId, turn: call.turn, ...streamPosition(context.info) }, 'the model call started again', prelude)
        : undefined;
    let response: ModelCallResponse;
    try {
      response = await adapter.call(
        { ...call, ...(system !== undefined ? { system } : {}), messages: modelMessages },
        {
          signal: context.cancellationSignal,
          onProgress: (update) => heartbeats.progress(update),
          ...(stream ? { onDelta: (delta) => stream.delta(delta) } : {}),
        },
      );
      stream?.end();
    } catch (error) {
      throw toActivityFailure(error, { type: FailureTypes.ModelBadResponse });
    } finally {
      heartbeats.stop();
    }

    try {
      // The API refuses an assistant message with empty content; an empty reply is kept as an empty text block.
      const replyContent: ContentBlock[] = response.content.length > 0 ? response.content : [{ type: 'text', text: '' }];
      if (inlineReply) {
        const whole: ModelCallResponse = { ...response, content: replyContent };
        assertPayloadFits(whole, 'the model call result');
        return whole;
      }
      const stored = await storeContent(store, replyContent, storeOptions);
      const content = typeof stored === 'string' ? [{ type: 'text' as const, text: stored }] : stored;
      const head = await appendContext(store, contextBase, [...newMessages, { role: 'assistant', content }]);
      const restoredReply = measured(await restoreForModel(store, [{ role: 'assistant', content }], storeOptions));
      contexts.set(sessionId, head, toolResultMaxBytes, { messages: [...modelMessages, ...restoredReply.messages], bytes: modelBytes + restoredReply.bytes });
      const storedSystem =
        !systemRef && call.system !== undefined && utf8ByteLength(call.system) > INLINE_SYSTEM_BYTES
          ? await store.putJson({ kind: 'keel.system', text: call.system } satisfies StoredSystem)
          : undefined;
      const result: ModelCallResponse = { ...response, content, context: head, ...(storedSystem ? { systemRef: storedSystem } : {}) };
      assertPayloadFits(result, 'the model call result');
      return result;
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}
