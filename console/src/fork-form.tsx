/**
 * Forks the session at a turn (`POST /v1/sessions/{id}/fork`): a new session from its transcript through that turn,
 * under the same or another profile; then opens the fork. Offered for ended sessions too: retrying a failed run
 * from a good turn is what forks are for.
 */
import { useState } from 'preact/hooks';
import { api, sessionPath } from './api';
import { ErrorNote } from './error-note';

export function ForkForm({ sessionId, lastTurn }: { sessionId: string; lastTurn: number }) {
  const [error, setError] = useState<Error | undefined>(undefined);
  return (
    <section class="panel" aria-labelledby="fork-title">
      <h2 id="fork-title">Fork</h2>
      <form
        class="row"
        onSubmit={async (event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const profile = String(form.get('profile') ?? '').trim();
          setError(undefined);
          try {
            const created = await api<{ id: string }>('POST', `${sessionPath(sessionId)}/fork`, { atTurn: Number(form.get('atTurn')), ...(profile ? { profile } : {}) });
            location.hash = `#/sessions/${encodeURIComponent(created.id)}`;
          } catch (caught) {
            setError(caught as Error);
          }
        }}
      >
        <label>
          At turn
          <input name="atTurn" type="number" min="0" max={String(lastTurn)} step="1" required defaultValue={String(lastTurn)} inputMode="numeric" />
        </label>
        <label>
          Profile <span class="muted small">(empty: the same)</span>
          <input name="profile" />
        </label>
        <button type="submit">Fork at this turn</button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
