/** The server's console settings (`/console/settings.json`), read once per page load. */
import type { ConsoleSettings } from './types';

let pending: Promise<ConsoleSettings> | undefined;

export function consoleSettings(): Promise<ConsoleSettings> {
  pending ??= fetch('/console/settings.json')
    .then((response) => (response.ok ? (response.json() as Promise<ConsoleSettings>) : { temporalUiUrl: null, namespace: 'default' }))
    .catch(() => ({ temporalUiUrl: null, namespace: 'default' }));
  return pending;
}
