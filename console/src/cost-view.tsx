/**
 * Spend per profile per day over a chosen period (`GET /v1/spend`): a uPlot chart, one series per profile, and
 * the same figures as a table (which is also what a screen reader reads). uPlot is loaded with this view only.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import { api } from './api';
import { DataTable } from './data-table';
import { ErrorNote } from './error-note';
import { formatCount, formatUsd } from './format';
import { usePolling } from './use-polling';

interface Spend {
  from: string;
  to: string;
  rows: { day: string; profile: string; costUsd: number; tokens: number; sessions: number }[];
  truncated: boolean;
}

/** Distinct colours with enough contrast on white. */
const palette = ['#1f5fbf', '#b3261e', '#1b7a3a', '#8a4f00', '#6b3fa0', '#00707a'];
const DAY_MS = 86_400_000;

function Chart({ spend }: { spend: Spend }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let stopped = false;
    void import('uplot').then(({ default: uPlot }) => {
      if (stopped || !holder.current) return;
      const start = Date.parse(`${spend.from}T00:00:00Z`);
      const end = Date.parse(`${spend.to}T00:00:00Z`);
      const days: number[] = [];
      for (let time = start; time <= end; time += DAY_MS) days.push(time / 1000);
      const profiles = [...new Set(spend.rows.map((row) => row.profile))].sort();
      const series = profiles.map((profile) =>
        days.map((day) => spend.rows.filter((row) => row.profile === profile && Date.parse(`${row.day}T00:00:00Z`) / 1000 === day).reduce((sum, row) => sum + row.costUsd, 0)),
      );
      const width = Math.max(280, holder.current.clientWidth);
      chart = new uPlot(
        {
          width,
          height: 260,
          scales: { x: { time: true } },
          axes: [{}, { values: (_plot, ticks) => ticks.map((tick) => `$${tick}`) , size: 70 }],
          series: [{}, ...profiles.map((profile, index) => ({ label: profile, stroke: palette[index % palette.length], width: 2, points: { show: true } }))],
        },
        [days, ...series],
        holder.current,
      );
    });
    return () => {
      stopped = true;
      chart?.destroy();
    };
  }, [spend]);
  return <div ref={holder} class="chart" role="img" aria-label={`Cost per profile per day, ${spend.from} to ${spend.to}; the table below has the figures`} />;
}

export function CostView() {
  const [days, setDays] = useState(30);
  const { data, error } = usePolling(() => api<Spend>('GET', `/v1/spend?days=${days}`), 30_000, [days]);
  const total = (data?.rows ?? []).reduce((sum, row) => sum + row.costUsd, 0);
  return (
    <section aria-labelledby="cost-title">
      <h1 id="cost-title">Cost</h1>
      <form class="filters" aria-label="Period" onSubmit={(event) => event.preventDefault()}>
        <label>
          Period
          <select name="days" value={String(days)} onChange={(event) => setDays(Number(event.currentTarget.value))}>
            {[7, 30, 90, 365].map((value) => (
              <option value={String(value)}>last {value} days</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={error} />
      {data && (
        <>
          <p>
            {formatUsd(total)} from {data.from} to {data.to} (UTC, by the day each session started; sub-agents count in their root session).
            {data.truncated ? ' Only the newest sessions are counted: the period holds more than one answer reads.' : ''}
          </p>
          <Chart spend={data} />
          <DataTable
            label="Spend per profile per day"
            rows={data.rows}
            rowKey={(row) => `${row.day} ${row.profile}`}
            columns={[
              { header: 'Day', cell: (row) => row.day },
              { header: 'Profile', cell: (row) => row.profile },
              { header: 'Sessions', numeric: true, cell: (row) => row.sessions },
              { header: 'Tokens', numeric: true, cell: (row) => formatCount(row.tokens) },
              { header: 'Cost', numeric: true, cell: (row) => formatUsd(row.costUsd) },
            ]}
          />
        </>
      )}
    </section>
  );
}
