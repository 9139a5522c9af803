/**
 * The session list: status, profile, turns, tokens, cost and age of each, newest first, read again every few
 * seconds. Status and profile filter through the API (the contract's search attributes); the search box matches
 * the first line of the task among the listed sessions. The counts per status are the server's
 * (`GET /v1/sessions/counts`), of every session the filters match, however many the list shows.
 */
import { useState } from 'preact/hooks';
import { api } from './api';
import { DataTable } from './data-table';
import { ErrorNote } from './error-note';
import { firstLine, formatAge, formatCount, formatUsd, statusLabel } from './format';
import { statuses, type ListedSession, type SessionCounts } from './types';
import { usePolling } from './use-polling';

const REFRESH_MS = 3000;

export function SessionList() {
  const [status, setStatus] = useState('');
  const [profile, setProfile] = useState('');
  const [search, setSearch] = useState('');
  const [limit, setLimit] = useState(100);
  const filters = (): URLSearchParams => {
    const query = new URLSearchParams();
    if (status) query.set('status', status);
    if (profile.trim()) query.set('profile', profile.trim());
    return query;
  };
  const { data, error } = usePolling(
    () => {
      const query = filters();
      query.set('limit', String(limit));
      return api<{ sessions: ListedSession[] }>('GET', `/v1/sessions?${query}`);
    },
    REFRESH_MS,
    [status, profile, limit],
  );
  const counted = usePolling(() => api<SessionCounts>('GET', `/v1/sessions/counts?${filters()}`), REFRESH_MS, [status, profile]);
  const sessions = (data?.sessions ?? []).filter((session) => firstLine(session.task).toLowerCase().includes(search.trim().toLowerCase()));
  const counts = Object.entries(counted.data?.counts ?? {}).filter(([, count]) => count > 0);

  return (
    <section aria-labelledby="sessions-title">
      <div class="title-row">
        <h1 id="sessions-title">Sessions</h1>
        <a class="button" href="#/new">
          New session
        </a>
      </div>
      <form class="filters" aria-label="Filter sessions" onSubmit={(event) => event.preventDefault()}>
        <label>
          Status
          <select name="status" value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            <option value="">any</option>
            {statuses.map((value) => (
              <option value={value}>{statusLabel(value)}</option>
            ))}
          </select>
        </label>
        <label>
          Profile
          <input name="profile" value={profile} onChange={(event) => setProfile(event.currentTarget.value)} placeholder="any" />
        </label>
        <label>
          Task
          <input name="search" type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} placeholder="first line contains" />
        </label>
        <label>
          Show
          <select name="limit" value={String(limit)} onChange={(event) => setLimit(Number(event.currentTarget.value))}>
            {[50, 100, 500, 1000].map((value) => (
              <option value={String(value)}>{value}</option>
            ))}
          </select>
        </label>
      </form>
      <ul class="counts" aria-label="Sessions per status" aria-live="polite">
        {counted.data && (
          <li class="badge" data-status="all">
            All: <strong>{counted.data.total}</strong>
          </li>
        )}
        {counts.map(([name, count]) => (
          <li class={`badge status-${name}`} data-status={name}>
            {statusLabel(name)}: <strong>{count}</strong>
          </li>
        ))}
      </ul>
      <ErrorNote error={error ?? counted.error} />
      {data && sessions.length === 0 && <p>No sessions{status || profile || search ? ' match these filters' : ' yet'}.</p>}
      {sessions.length > 0 && (
        <DataTable
          label="Session table"
          rows={sessions}
          rowKey={(session) => session.workflowId}
          rowAttributes={(session) => ({ 'data-session-id': session.workflowId })}
          columns={[
            {
              header: 'Task',
              cell: (session) => (
                <>
                  <a href={`#/sessions/${encodeURIComponent(session.workflowId)}`}>{firstLine(session.task) || session.workflowId}</a>
                  <div class="muted small session-id">{session.workflowId}</div>
                </>
              ),
            },
            { header: 'Status', cell: (session) => <span class={`badge status-${session.status}`}>{statusLabel(session.status)}</span> },
            { header: 'Profile', cell: (session) => session.profile ?? '–' },
            { header: 'Turns', numeric: true, cell: (session) => formatCount(session.turns) },
            { header: 'Tokens', numeric: true, cell: (session) => formatCount(session.tokens) },
            { header: 'Cost', numeric: true, cell: (session) => formatUsd(session.costUsd) },
            {
              header: 'Age',
              numeric: true,
              cell: (session) => (
                <time dateTime={session.startTime} title={session.startTime}>
                  {formatAge(session.startTime)}
                </time>
              ),
            },
          ]}
        />
      )}
    </section>
  );
}
