/**
 * Lines for `keel watch` and `keel chat`: each transcript entry, each model call or tool as it starts, retries,
 * waits (for input, for an approval, for budget), context resets and usage, and the session's end. Pure; client-side.
 */
import type { WatchEvent } from '../../client/watch-session.js';
import { formatUsage } from './format.js';
import { renderPendingApprovals, renderResult, renderStatus } from './render-state.js';
import { renderTranscriptEntry, type RenderOptions } from './render-transcript.js';
import type { Style } from './style.js';

export interface WatchRenderOptions extends RenderOptions {
  /** Leave out user messages (chat echoes what the person typed). @default false */
  hideUserText?: boolean;
  /**
   * Report only the waits that ask something of the reader (approval, budget) and context resets, not each status
   * and usage change (chat prints each reply's usage itself). @default false
   */
  quietStatus?: boolean;
  /** Leave out new pending approvals (chat shows them from the event stream). @default false */
  hideApprovals?: boolean;
}

/** The lines to print for one watch event (none for events a person need not see). */
export function renderWatchEvent(workflowId: string, event: WatchEvent, style: Style, options: WatchRenderOptions = {}): string[] {
  switch (event.kind) {
    case 'entry': {
      const { entry } = event;
      if (options.hideUserText && entry.kind === 'message' && entry.role === 'user') {
        // Tool results still show: they are what the tools answered, not what the person typed.
        const withoutText = typeof entry.content === 'string' ? [] : entry.content.filter((block) => block.type !== 'text');
        return withoutText.length === 0 ? [] : renderTranscriptEntry({ ...entry, content: withoutText }, style, options);
      }
      return renderTranscriptEntry(entry, style, options);
    }
    case 'activity':
      return [style.dim(`… ${event.summary ?? event.activityType}`)];
    case 'retry':
      return [style.yellow(`↻ ${event.activityType} attempt ${event.attempt} after: ${event.failure}`)];
    case 'progress':
    case 'live':
      return [];
    case 'state': {
      const { state, previous } = event;
      const lines: string[] = [];
      const asksReader = state.status === 'waiting_for_approval' || state.status === 'waiting_for_budget';
      if (options.quietStatus) {
        if (asksReader && previous?.status !== state.status) lines.push(`${style.dim('status')} ${renderStatus(state.status, style)}`);
      } else if (!previous || previous.status !== state.status) {
        lines.push(`${style.dim('status')} ${renderStatus(state.status, style)}  ${style.dim(`turn ${state.turn}, ${formatUsage(state.usage)}`)}`);
      } else if (previous.turn !== state.turn || previous.usage.costUsd !== state.usage.costUsd) {
        lines.push(style.dim(`usage  turn ${state.turn}, ${formatUsage(state.usage)}`));
      }
      if (previous && previous.contextEpoch !== state.contextEpoch) lines.push(style.yellow(`context reset: now epoch ${state.contextEpoch}`));
      const before = new Set(previous?.pendingApprovals.map((approval) => approval.toolUseId) ?? []);
      const added = state.pendingApprovals.filter((approval) => !before.has(approval.toolUseId));
      if (added.length > 0 && !options.hideApprovals) lines.push(...renderPendingApprovals(workflowId, { ...state, pendingApprovals: added }, style));
      return lines;
    }
    case 'run':
      return [style.dim(`continued as new: run ${event.runId}`)];
    case 'notice':
      return [style.yellow(`note: ${event.message}`)];
    case 'end':
      if (event.result) return [`${style.bold('ended')} ${renderResult(event.result, style)}`];
      return [`${style.bold('ended')} ${style.red(event.end)}${event.failure ? `: ${event.failure}` : ''}`];
  }
}
