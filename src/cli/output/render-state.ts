/** The `state` query's answer and a session's end, as a person reads them. Pure; client-side. */
import type { SessionResult, SessionStateView, SessionStatus } from '../../shared/schemas/session-messages.js';
import { compactJson, formatUsage, table } from './format.js';
import type { Style } from './style.js';

/** Status words coloured by what they ask of the reader: green done, yellow waiting on someone, red stopped. */
export function renderStatus(status: SessionStatus | string, style: Style): string {
  switch (status) {
    case 'completed':
      return style.green(status);
    case 'running':
      return style.blue(status);
    case 'waiting_for_input':
      return style.cyan(status);
    case 'waiting_for_approval':
    case 'waiting_for_budget':
      return style.yellow(style.bold(status));
    default:
      return style.red(status);
  }
}

/** A tool call waiting for approval, and how to decide it (`decide`: the commands, one line). */
export function renderApproval(approval: { toolUseId: string; tool: string; input: unknown; requestedAtTurn?: number }, decide: string, style: Style): string[] {
  const where = approval.requestedAtTurn === undefined ? approval.toolUseId : `${approval.toolUseId}, turn ${approval.requestedAtTurn}`;
  return [`${style.yellow('approval')}  ${style.bold(approval.tool)} ${compactJson(approval.input)} ${style.dim(`(${where})`)}`, style.dim(`           ${decide}`)];
}

/** Lines naming each pending approval with the commands that decide it. */
export function renderPendingApprovals(workflowId: string, state: SessionStateView, style: Style): string[] {
  return state.pendingApprovals.flatMap((approval) =>
    renderApproval(approval, `keel approve ${workflowId} ${approval.toolUseId}   |   keel deny ${workflowId} ${approval.toolUseId}`, style),
  );
}

export function renderState(workflowId: string, state: SessionStateView, style: Style): string[] {
  const rows: string[][] = [
    ['profile', `${state.profile}${state.model ? ` (${state.model})` : ''}, ${state.mode} mode`],
    ['turn', String(state.turn)],
    ['usage', formatUsage(state.usage)],
    ['context', `epoch ${state.contextEpoch}`],
    ['sandbox', `${state.sandbox.provider}${state.sandbox.id ? ` ${state.sandbox.id}` : ''}`],
    ['queued', `${state.queuedMessages} message${state.queuedMessages === 1 ? '' : 's'}`],
  ];
  if (state.limitReached) rows.push(['limit', state.limitReached]);
  if (state.lastError) rows.push(['last error', style.red(state.lastError)]);
  // A worker of an earlier build answers without `children`.
  for (const child of state.children ?? []) {
    rows.push(['sub-agent', `${child.id}  ${renderStatus(child.status, style)}, ${child.turns} turn${child.turns === 1 ? '' : 's'}, ${formatUsage(child.usage)}`]);
  }
  return [
    `${style.bold(workflowId)}  ${renderStatus(state.status, style)}`,
    ...table(rows.map(([name, value]) => [style.dim(`  ${name}`), value])),
    ...renderPendingApprovals(workflowId, state, style),
  ];
}

export function renderResult(result: SessionResult, style: Style): string {
  const limit = result.limit ? ` (${result.limit})` : '';
  return `${renderStatus(result.status, style)}${limit} after ${result.turns} turn${result.turns === 1 ? '' : 's'}, ${formatUsage(result.usage)}`;
}
