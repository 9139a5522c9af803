/** The session's spend: its total, per turn (from the ledger's recent calls) and per sub-agent. */
import { DataTable } from './data-table';
import { formatCount, formatUsd, statusLabel } from './format';
import type { SessionState } from './types';

export function SpendPanel({ state }: { state: SessionState }) {
  const byTurn = new Map<number, { calls: number; tokens: number; costUsd: number }>();
  for (const entry of state.spend.recent ?? []) {
    const row = byTurn.get(entry.turn) ?? { calls: 0, tokens: 0, costUsd: 0 };
    row.calls += 1;
    row.tokens += entry.inputTokens + entry.outputTokens;
    row.costUsd += entry.costUsd;
    byTurn.set(entry.turn, row);
  }
  const children = state.children ?? [];
  return (
    <section class="panel" aria-labelledby="spend-title">
      <h2 id="spend-title">Spend</h2>
      <p>
        Total <strong data-testid="session-cost">{formatUsd(state.spend.total.costUsd)}</strong> for {formatCount(state.spend.total.totalTokens)} tokens in{' '}
        {formatCount(state.spend.total.calls)} model calls{state.spend.olderCalls > 0 ? ` (${state.spend.olderCalls} older calls counted, not listed)` : ''}.
      </p>
      {byTurn.size > 0 && (
        <DataTable
          label="Spend per turn"
          caption="Per turn"
          rows={[...byTurn]}
          rowKey={([turn]) => String(turn)}
          columns={[
            { header: 'Turn', cell: ([turn]) => turn },
            { header: 'Calls', numeric: true, cell: ([, row]) => row.calls },
            { header: 'Tokens', numeric: true, cell: ([, row]) => formatCount(row.tokens) },
            { header: 'Cost', numeric: true, cell: ([, row]) => formatUsd(row.costUsd) },
          ]}
        />
      )}
      {children.length > 0 && (
        <DataTable
          label="Sub-agents"
          caption="Sub-agents"
          rows={children}
          rowKey={(child) => child.id}
          columns={[
            { header: 'Session', cell: (child) => <a href={`#/sessions/${encodeURIComponent(child.id)}`}>{child.id}</a> },
            { header: 'Status', cell: (child) => statusLabel(child.status) },
            { header: 'Turns', numeric: true, cell: (child) => child.turns },
            { header: 'Cost', numeric: true, cell: (child) => formatUsd(child.usage.costUsd) },
          ]}
        />
      )}
    </section>
  );
}
