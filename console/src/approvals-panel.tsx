/**
 * Tool calls waiting for a decision (`POST /v1/sessions/{id}/tool-decisions`): approve as asked, approve with
 * edited input, deny with a reason, or deny and substitute the result the model sees.
 */
import { useState } from 'preact/hooks';
import { api, sessionPath } from './api';
import { ErrorNote } from './error-note';
import type { PendingApproval } from './types';

function ApprovalCard({ sessionId, approval, onDecided }: { sessionId: string; approval: PendingApproval; onDecided: () => void }) {
  const [mode, setMode] = useState<'none' | 'edit' | 'deny' | 'substitute'>('none');
  const [text, setText] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const decide = async (decision: Record<string, unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', `${sessionPath(sessionId)}/tool-decisions`, { toolUseId: approval.toolUseId, ...decision });
      onDecided();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };
  const fieldId = `decision-${approval.toolUseId}`;
  const open = (next: typeof mode) => {
    setMode(next);
    setText(next === 'edit' ? JSON.stringify(approval.input, null, 2) : '');
  };
  return (
    <li class="approval" data-tool-use-id={approval.toolUseId}>
      <div>
        <code>{approval.tool}</code> <span class="muted small">asked at turn {approval.requestedAtTurn}</span>
      </div>
      <pre class="json" aria-label={`Input of ${approval.tool}`}>{JSON.stringify(approval.input, null, 2)}</pre>
      <div class="buttons">
        <button type="button" disabled={busy} onClick={() => decide({ approve: true })}>
          Approve
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={() => open('edit')} aria-expanded={mode === 'edit'}>
          Edit input
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={() => open('deny')} aria-expanded={mode === 'deny'}>
          Deny
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={() => open('substitute')} aria-expanded={mode === 'substitute'}>
          Substitute result
        </button>
      </div>
      {mode !== 'none' && (
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            if (mode === 'edit') {
              let input: unknown;
              try {
                input = JSON.parse(text);
              } catch {
                setError(new Error('The input is not valid JSON.'));
                return;
              }
              void decide({ approve: true, input });
            } else if (mode === 'deny') void decide({ approve: false, ...(text.trim() ? { reason: text.trim() } : {}) });
            else void decide({ approve: false, result: text });
          }}
        >
          <label for={fieldId}>{mode === 'edit' ? 'Input (JSON)' : mode === 'deny' ? 'Reason (optional)' : 'Result the model sees'}</label>
          <textarea id={fieldId} rows={mode === 'deny' ? 2 : 6} value={text} onInput={(event) => setText(event.currentTarget.value)} required={mode !== 'deny'} />
          <div class="buttons">
            <button type="submit" disabled={busy}>
              {mode === 'edit' ? 'Approve with this input' : mode === 'deny' ? 'Deny' : 'Deny and substitute'}
            </button>
            <button type="button" class="secondary" onClick={() => setMode('none')}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorNote error={error} />
    </li>
  );
}

export function ApprovalsPanel({ sessionId, approvals, onDecided }: { sessionId: string; approvals: PendingApproval[]; onDecided: () => void }) {
  if (approvals.length === 0) return null;
  return (
    <section class="panel attention" aria-labelledby="approvals-title">
      <h2 id="approvals-title">Waiting for approval</h2>
      <ul class="approvals">
        {approvals.map((approval) => (
          <ApprovalCard key={approval.toolUseId} sessionId={sessionId} approval={approval} onDecided={onDecided} />
        ))}
      </ul>
    </section>
  );
}
