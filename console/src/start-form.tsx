/**
 * Starts a session (`POST /v1/sessions`): profile, task, mode, tools, which tools wait for approval, and limits;
 * then opens its page. A tenant's token gives the session its tenant on the server's side.
 */
import { useState } from 'preact/hooks';
import { api } from './api';
import { ErrorNote } from './error-note';

const list = (value: string): string[] => value.split(',').map((part) => part.trim()).filter(Boolean);

export function StartForm() {
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <section aria-labelledby="new-title">
      <h1 id="new-title">New session</h1>
      <form
        class="stack start-form"
        onSubmit={async (event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const text = (name: string) => String(form.get(name) ?? '').trim();
          const limits: Record<string, number> = {};
          if (text('maxTurns')) limits.maxTurns = Number(text('maxTurns'));
          if (text('maxCostUsd')) limits.maxCostUsd = Number(text('maxCostUsd'));
          const body: Record<string, unknown> = {
            profile: text('profile'),
            mode: text('mode'),
            messages: [{ role: 'user', content: text('task') }],
            ...(text('id') ? { id: text('id') } : {}),
            ...(text('tools') ? { tools: list(text('tools')) } : {}),
            ...(text('approval') ? { approval: { tools: list(text('approval')) } } : {}),
            ...(Object.keys(limits).length > 0 ? { limits } : {}),
          };
          setBusy(true);
          setError(undefined);
          try {
            const created = await api<{ id: string }>('POST', '/v1/sessions', body);
            location.hash = `#/sessions/${encodeURIComponent(created.id)}`;
          } catch (caught) {
            setError(caught as Error);
            setBusy(false);
          }
        }}
      >
        <label>
          Profile
          <input name="profile" required defaultValue="default" />
        </label>
        <label>
          Task
          <textarea name="task" required rows={5} />
        </label>
        <fieldset>
          <legend>Mode</legend>
          <label class="inline">
            <input type="radio" name="mode" value="task" defaultChecked /> task (ends with its answer)
          </label>
          <label class="inline">
            <input type="radio" name="mode" value="chat" /> chat (waits for more messages)
          </label>
        </fieldset>
        <label>
          Tools <span class="muted">(comma-separated; none for the profile's)</span>
          <input name="tools" />
        </label>
        <label>
          Tools that wait for approval <span class="muted">(comma-separated)</span>
          <input name="approval" />
        </label>
        <div class="row">
          <label>
            Max turns
            <input name="maxTurns" type="number" min="1" step="1" inputMode="numeric" />
          </label>
          <label>
            Max cost (USD)
            <input name="maxCostUsd" type="number" min="0" step="any" inputMode="decimal" />
          </label>
        </div>
        <label>
          Session id <span class="muted">(optional)</span>
          <input name="id" pattern="[A-Za-z0-9._:@-]+" />
        </label>
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Starting…' : 'Start session'}
        </button>
      </form>
    </section>
  );
}
