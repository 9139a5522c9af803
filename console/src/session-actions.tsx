/**
 * What one may do to a running session: send a message (chat), interrupt the turn, reset the context, raise the
 * budget, cancel. Each is one API call; the page reads the state again after it.
 */
import { useState } from 'preact/hooks';
import { api, sessionPath } from './api';
import { ErrorNote } from './error-note';
import type { SessionState } from './types';

export function SessionActions({ sessionId, state, onDone }: { sessionId: string; state: SessionState; onDone: () => void }) {
  const [error, setError] = useState<Error | undefined>(undefined);
  const [note, setNote] = useState('');
  const [confirmCancel, setConfirmCancel] = useState(false);
  const call = async (path: string, body: unknown, done: string) => {
    setError(undefined);
    setNote('');
    try {
      await api('POST', `${sessionPath(sessionId)}${path}`, body);
      setNote(done);
      onDone();
    } catch (caught) {
      setError(caught as Error);
    }
  };
  return (
    <section class="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Act on the session</h2>
      {state.mode === 'chat' && (
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const content = String(new FormData(form).get('content') ?? '').trim();
            if (!content) return;
            void call('/messages?wait=false', { content }, 'Message sent.').then(() => form.reset());
          }}
        >
          <label for="message-content">Message</label>
          <textarea id="message-content" name="content" rows={3} required />
          <button type="submit">Send</button>
        </form>
      )}
      <form
        class="row budget-form"
        aria-label="Raise budget"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const body: Record<string, number> = {};
          if (String(form.get('maxTokens') ?? '')) body.maxTokens = Number(form.get('maxTokens'));
          if (String(form.get('maxCostUsd') ?? '')) body.maxCostUsd = Number(form.get('maxCostUsd'));
          void call('/budget', body, 'Budget raised.');
        }}
      >
        <label>
          Max tokens
          <input name="maxTokens" type="number" min="1" step="1" placeholder={state.limits.maxTokens !== undefined ? String(state.limits.maxTokens) : 'none'} />
        </label>
        <label>
          Max cost (USD)
          <input name="maxCostUsd" type="number" min="0" step="any" placeholder={state.limits.maxCostUsd !== undefined ? String(state.limits.maxCostUsd) : 'none'} />
        </label>
        <button type="submit">Raise budget</button>
      </form>
      <div class="buttons">
        <button type="button" class="secondary" onClick={() => call('/interrupt', { reason: 'from the console' }, 'Interrupt sent.')}>
          Interrupt turn
        </button>
        <button type="button" class="secondary" onClick={() => call('/reset-context', { strategy: 'compact' }, 'The next call starts from a compacted context.')}>
          Compact context
        </button>
        <button type="button" class="secondary" onClick={() => call('/reset-context', { strategy: 'clear' }, 'The next call starts from a cleared context.')}>
          Clear context
        </button>
        {confirmCancel ? (
          <>
            <button type="button" class="danger" onClick={() => call('/cancel', undefined, 'Cancellation requested.').then(() => setConfirmCancel(false))}>
              Yes, cancel the session
            </button>
            <button type="button" class="secondary" onClick={() => setConfirmCancel(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" class="danger" onClick={() => setConfirmCancel(true)}>
            Cancel session
          </button>
        )}
      </div>
      <p role="status" class="small">
        {note}
      </p>
      <ErrorNote error={error} />
    </section>
  );
}
