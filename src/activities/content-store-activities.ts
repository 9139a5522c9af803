/**
 * Activities over the content store: storing large content before it enters history, and archiving and loading the
 * transcript across continue-as-new. Worker-side.
 */
import { ApplicationFailure } from '@temporalio/common';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import type { MessageContent } from '../shared/schemas/content.js';
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';
import {
  storeContentRequestSchema,
  type ArchiveTranscriptRequest,
  type LoadTranscriptRequest,
  type LoadTranscriptResponse,
  type StoreContentRequest,
  type TranscriptSegment,
} from '../shared/schemas/transcript-archive.js';
import { jsonByteLength } from '../shared/schemas/stored-block.js';
import type { ContentStore } from '../stores/content-store.js';
import { storeContent } from '../stores/store-content.js';
import { toActivityFailure } from './activity-failure.js';
import { FailureTypes } from '../shared/failure-types.js';
import { assertPayloadFits } from './assert-payload-fits.js';
import { activitySessionId } from './activity-session.js';

/** A stored transcript segment. */
interface StoredSegment {
  kind: 'keel.transcript';
  sessionId: string;
  entries: TranscriptEntry[];
}

async function withStoreFailures<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toActivityFailure(error);
  }
}

/**
 * The running session's view of the store. Its identity is the workflow id Temporal set on the activity, which no
 * client can choose for another session's activities; never an argument.
 */
function sessionStore(store: ContentStore) {
  return store.forSession(activitySessionId());
}

export function createContentStoreActivities(shared: ContentStore) {
  return {
    /** Stores every large block of each content; returns the contents with stored blocks in their place. */
    async storeContent(request: StoreContentRequest): Promise<MessageContent[]> {
      const parsed = storeContentRequestSchema.safeParse(request);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid storeContent request: ${describeIssues(parsed.error)}`, FailureTypes.StoreInvalidRequest);
      const options = parsed.data.toolResultMaxBytes !== undefined ? { toolResultMaxBytes: parsed.data.toolResultMaxBytes } : {};
      const store = sessionStore(shared);
      const result = await withStoreFailures(() => Promise.all(parsed.data.contents.map((content) => storeContent(store, content, options))));
      assertPayloadFits(result, 'the stored content');
      return result;
    },

    /** Writes a run of transcript entries as one segment. */
    async archiveTranscript(request: ArchiveTranscriptRequest): Promise<TranscriptSegment> {
      if (request.entries.length === 0) throw ApplicationFailure.nonRetryable('archiveTranscript: no entries', FailureTypes.StoreInvalidRequest);
      const segment: StoredSegment = { kind: 'keel.transcript', sessionId: request.sessionId, entries: request.entries };
      const { hash } = await withStoreFailures(() => sessionStore(shared).putJson(segment));
      return { hash, count: request.entries.length };
    },

    /**
     * Reads a segment's entries from `offset`, at most `maxBytes` of them (always at least one). A segment this
     * session did not write fails it with `Store.Forbidden`, a lost one with `Store.NotFound` (neither retried).
     */
    async loadTranscript(request: LoadTranscriptRequest): Promise<LoadTranscriptResponse> {
      const segment = await withStoreFailures(() => sessionStore(shared).getJson<StoredSegment>(request.segment.hash));
      if (segment.kind !== 'keel.transcript' || segment.entries.length !== request.segment.count) {
        throw ApplicationFailure.nonRetryable(`stored transcript sha256:${request.segment.hash} does not hold ${request.segment.count} entries`, FailureTypes.StoreCorrupt);
      }
      const entries: TranscriptEntry[] = [];
      let bytes = 0;
      let index = request.offset;
      for (; index < segment.entries.length; index += 1) {
        const size = jsonByteLength(segment.entries[index]);
        if (entries.length > 0 && bytes + size > request.maxBytes) break;
        entries.push(segment.entries[index]);
        bytes += size;
      }
      const result = { entries, nextOffset: index < segment.entries.length ? index : null };
      assertPayloadFits(result, 'a transcript page');
      return result;
    },
  };
}
