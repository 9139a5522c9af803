/**
 * One session: its status and figures, the tool calls waiting for a decision, the transcript with the turn in
 * progress arriving live (the session's Server-Sent Events), its spend, the actions one may take, and a link to
 * its workflow in the Temporal UI when the server names one. State and transcript are read again after each
 * event that changes them and every few seconds while the session runs.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, followEvents, sessionPath } from './api';
import { ApprovalsPanel } from './approvals-panel';
import { ErrorNote } from './error-note';
import { ForkForm } from './fork-form';
import { formatCount, formatUsd, statusLabel } from './format';
import { applyLiveEvent, LiveTurn, type LiveTurnState } from './live-turn';
import { SessionActions } from './session-actions';
import { consoleSettings } from './settings';
import { SpendPanel } from './spend-panel';
import { TranscriptView } from './transcript-view';
import { endedStatuses, type ConsoleSettings, type SessionState, type TranscriptEntry, type TranscriptPage } from './types';

const REFRESH_MS = 2000;

async function readTranscript(id: string): Promise<TranscriptEntry[]> {
  const entries: TranscriptEntry[] = [];
  for (;;) {
    const page = await api<TranscriptPage>('GET', `${sessionPath(id)}/transcript?fromIndex=${entries.length}`);
    entries.push(...page.entries);
    if (page.entries.length === 0 || entries.length >= page.total) return entries;
  }
}

export function SessionPage({ id }: { id: string }) {
  const [state, setState] = useState<SessionState | undefined>(undefined);
  const [entries, setEntries] = useState<TranscriptEntry[]>([]);
  const [live, setLive] = useState<LiveTurnState | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [settings, setSettings] = useState<ConsoleSettings | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const refresh = () => setVersion((value) => value + 1);

  useEffect(() => {
    void consoleSettings().then(setSettings);
  }, []);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const [nextState, nextEntries] = await Promise.all([api<SessionState>('GET', sessionPath(id)), readTranscript(id)]);
        if (stopped) return;
        setState(nextState);
        setEntries(nextEntries);
        setError(undefined);
        if (!endedStatuses.has(nextState.status)) timer = setTimeout(read, REFRESH_MS);
      } catch (caught) {
        if (!stopped) setError(caught as Error);
      }
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id, version]);

  useEffect(() => {
    const abort = new AbortController();
    void followEvents(
      id,
      (event) => {
        setLive((current) => applyLiveEvent(current, event));
        if (['turn_end', 'session_end', 'status', 'approval_requested', 'tool_result'].includes(event.event)) refresh();
      },
      abort.signal,
    );
    return () => abort.abort();
  }, [id]);

  const temporalLink =
    settings?.temporalUiUrl && `${settings.temporalUiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(id)}`;
  const ended = state !== undefined && endedStatuses.has(state.status);

  return (
    <article aria-labelledby="session-title" class="session-page">
      <p>
        <a href="#/">← All sessions</a>
      </p>
      <h1 id="session-title" class="break">
        {id}
      </h1>
      <ErrorNote error={error} />
      {state && (
        <>
          <dl class="facts" aria-label="Session summary">
            <div>
              <dt>Status</dt>
              <dd>
                <span class={`badge status-${state.status}`} data-testid="session-status">
                  {statusLabel(state.status)}
                </span>
              </dd>
            </div>
            <div>
              <dt>Profile</dt>
              <dd>
                {state.profile} <span class="muted small">{state.model}</span>
              </dd>
            </div>
            <div>
              <dt>Turns</dt>
              <dd>{state.turn}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>{formatCount(state.usage.inputTokens + state.usage.outputTokens)}</dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>{formatUsd(state.usage.costUsd)}</dd>
            </div>
            {temporalLink && (
              <div>
                <dt>Workflow</dt>
                <dd>
                  <a href={temporalLink} target="_blank" rel="noopener noreferrer">
                    Open in the Temporal UI
                  </a>
                </dd>
              </div>
            )}
          </dl>
          {state.lastError && (
            <p class="error" role="alert">
              Last error: {state.lastError}
            </p>
          )}
          {state.limitReached && <p class="warning">Limit reached: {state.limitReached}</p>}
          {state.budgetPause && (
            <p class="warning">
              Waiting for budget: {state.budgetPause.limit} used {state.budgetPause.used} of a soft limit {state.budgetPause.softLimit} (hard limit {state.budgetPause.hardLimit}).
            </p>
          )}
          <ApprovalsPanel sessionId={id} approvals={state.pendingApprovals} onDecided={refresh} />
        </>
      )}
      <section aria-labelledby="conversation-title">
        <h2 id="conversation-title">Conversation</h2>
        <TranscriptView sessionId={id} entries={entries} />
        <LiveTurn state={live} />
      </section>
      {state && <SpendPanel state={state} />}
      {state && !ended && <SessionActions sessionId={id} state={state} onDone={refresh} />}
      {state && <ForkForm sessionId={id} lastTurn={state.turn} />}
    </article>
  );
}
