/**
 * The transcript across runs. A session's transcript grows without bound, while a run's history and the state it
 * carries into the next must not: before the session continues as new, the entries that can no longer change are
 * archived in the content store (segments of bounded size, activities), and the next run reads them back, so that
 * the `transcript` query still pages through all of it. Workflow code: deterministic, talks to the store only
 * through activities.
 */
import { CancellationScope, log, workflowInfo } from '@temporalio/workflow';
import type { CarriedTranscript } from '../shared/schemas/session-carry.js';
import type { TranscriptEntry, TranscriptPage } from '../shared/schemas/session-messages.js';
import { jsonByteLength } from '../shared/schemas/stored-block.js';
import type { TranscriptSegment } from '../shared/schemas/transcript-archive.js';
import { storeActivities, type SessionActivities } from './session-activities.js';
import type { SessionState } from './session-state.js';

/** Bytes of transcript entries in one archived segment (one activity input). */
const ARCHIVE_SEGMENT_BYTES = 512 * 1024;
/** Bytes of transcript entries one load returns. */
const LOAD_PAGE_BYTES = 1024 * 1024;
/** Largest transcript page a query returns, in serialized characters; keeps query answers far below 2 MB. */
const TRANSCRIPT_PAGE_CHARACTERS = 512 * 1024;

export type MessageEntry = Extract<TranscriptEntry, { kind: 'message' }>;

export function isMessage(entry: TranscriptEntry): entry is MessageEntry {
  return entry.kind === 'message';
}

export class TranscriptArchive {
  readonly #state: SessionState;
  readonly #carried: CarriedTranscript | undefined;
  readonly #segments: TranscriptSegment[];
  /** Entries of `state.transcript` that are archived (a prefix). */
  #archived = 0;
  /** True while a continued run reads its transcript back. */
  #loading: boolean;

  /** @param carried the previous run's transcript, read back by {@link restore}. */
  constructor(state: SessionState, carried: CarriedTranscript | undefined) {
    this.#state = state;
    this.#carried = carried;
    this.#segments = [...(carried?.segments ?? [])];
    this.#loading = carried !== undefined;
  }

  /** In a run that continued as new: reads the transcript back (activities), then the entries carried inline. */
  async restore(): Promise<void> {
    const carried = this.#carried;
    if (!carried) return;
    const transcript = this.#state.transcript;
    // Not cancellable: a session cancelled while its new run reads the transcript back still ends with its whole
    // transcript and the status `cancelled`, as in any other run.
    await CancellationScope.nonCancellable(async () => {
      for (const segment of this.#segments) {
        let offset: number | null = 0;
        while (offset !== null) {
          const page: Awaited<ReturnType<SessionActivities['loadTranscript']>> = await storeActivities.loadTranscript({ segment, offset, maxBytes: LOAD_PAGE_BYTES });
          for (const entry of page.entries) transcript.push(entry);
          offset = page.nextOffset;
        }
      }
    });
    this.#loading = false;
    this.#archived = transcript.length;
    for (const entry of carried.tail) transcript.push(entry);
    if (transcript.length !== carried.total) {
      log.warn('the archived transcript holds another number of entries than carried', { loaded: transcript.length, carried: carried.total });
    }
  }

  /** The `transcript` query's answer: while the transcript is read back, what is there so far. */
  page(fromIndex: number): TranscriptPage {
    const transcript = this.#state.transcript;
    const entries: TranscriptEntry[] = [];
    let characters = 0;
    for (let index = fromIndex; index < transcript.length; index += 1) {
      const size = JSON.stringify(transcript[index]).length;
      if (entries.length > 0 && characters + size > TRANSCRIPT_PAGE_CHARACTERS) break;
      entries.push(transcript[index]);
      characters += size;
    }
    const page = { fromIndex, total: transcript.length, entries };
    if (!this.#loading) return page;
    return { ...page, total: Math.max(page.total, this.#carried?.total ?? 0), loading: true };
  }

  /** The entries not archived yet. */
  pending(): TranscriptEntry[] {
    return this.#state.transcript.slice(this.#archived);
  }

  /**
   * Where the entries that can no longer change end: after the last assistant message. A user message at the end
   * still takes in queued messages (`takeQueue`), so it and what follows it go along inline instead.
   */
  #archivableEnd(): number {
    const transcript = this.#state.transcript;
    for (let index = transcript.length - 1; index >= this.#archived; index -= 1) {
      const entry = transcript[index];
      if (isMessage(entry) && entry.role === 'assistant') return index + 1;
    }
    return this.#archived;
  }

  /** Archives the entries not yet archived that can no longer change, in segments of bounded size. */
  async archivePending(): Promise<void> {
    const transcript = this.#state.transcript;
    const end = this.#archivableEnd();
    while (this.#archived < end) {
      const entries: TranscriptEntry[] = [];
      let bytes = 0;
      for (let index = this.#archived; index < end; index += 1) {
        const size = jsonByteLength(transcript[index]);
        if (entries.length > 0 && bytes + size > ARCHIVE_SEGMENT_BYTES) break;
        entries.push(transcript[index]);
        bytes += size;
      }
      const segment = await storeActivities.archiveTranscript({ sessionId: workflowInfo().workflowId, entries });
      this.#segments.push(segment);
      this.#archived += entries.length;
    }
  }

  /** @param closing an entry that ends the carried transcript without entering this run's (the switch's marker). */
  toCarry(closing?: TranscriptEntry): CarriedTranscript {
    const tail = closing ? [...this.pending(), closing] : this.pending();
    return { total: this.#state.transcript.length + (closing ? 1 : 0), segments: [...this.#segments], tail };
  }
}
