/** The server's console settings (`/console/settings.json`, with the token), read once per page load and token. */
import { api, storedToken } from './api';
import type { ConsoleSettings } from './types';

const none: ConsoleSettings = { temporalUiUrl: null, namespace: 'default' };
let pending: { token: string; settings: Promise<ConsoleSettings> } | undefined;

export function consoleSettings(): Promise<ConsoleSettings> {
  if (pending?.token !== storedToken()) {
    pending = { token: storedToken(), settings: api<ConsoleSettings>('GET', '/console/settings.json').catch(() => none) };
  }
  return pending.settings;
}
