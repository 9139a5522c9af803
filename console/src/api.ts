/**
 * The console's only way out: Keel's HTTP API on the same origin, with the bearer token the user gave (kept in
 * sessionStorage, so it lasts the tab and no longer). Errors come back as the API's `{error: {type, message}}`.
 */

const TOKEN_KEY = 'keel.apiToken';

export function storedToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function storeToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An answer of the API that is not a success. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = storedToken();
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** A JSON request to the API. @throws ApiRequestError with the API's error type and message. */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: headers(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { type?: string; message?: string } } | undefined)?.error;
    throw new ApiRequestError(response.status, error?.type ?? 'http', error?.message ?? `HTTP ${response.status}`);
  }
  return parsed as T;
}

export const sessionPath = (id: string): string => `/v1/sessions/${encodeURIComponent(id)}`;

/** The `data` of the session's events (contract, "HTTP API and live events"): each event fills the fields of its kind. */
export interface StreamedEventData {
  turn: number;
  index: number;
  text: string;
  toolUseId: string;
  name: string;
  tool: string;
  input: unknown;
  isError: boolean;
  content: unknown;
  status: string;
  finalText: string;
}

/** One Server-Sent Event of a session's stream. */
export interface StreamedEvent {
  id: string;
  event: string;
  data: Partial<StreamedEventData>;
}

/**
 * Follows a session's events (`GET /v1/sessions/{id}/events`) with fetch, since EventSource cannot send a bearer
 * token; reconnects with `Last-Event-ID` after a dropped connection, until the stream ends or `signal` aborts.
 */
export async function followEvents(id: string, onEvent: (event: StreamedEvent) => void, signal: AbortSignal): Promise<void> {
  let lastEventId: string | undefined;
  for (let attempt = 0; !signal.aborted; attempt += 1) {
    let ended = false;
    try {
      const response = await fetch(`${sessionPath(id)}/events`, {
        headers: headers(lastEventId ? { 'last-event-id': lastEventId, accept: 'text/event-stream' } : { accept: 'text/event-stream' }),
        signal,
      });
      if (!response.ok || !response.body) {
        if (response.status === 404 || response.status === 401 || response.status === 409) return;
        throw new Error(`HTTP ${response.status}`);
      }
      attempt = 0;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let boundary: number;
        while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const raw = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
          const event: Partial<StreamedEvent> = { event: 'message' };
          const data: string[] = [];
          for (const line of raw.split(/\r?\n/)) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const fieldValue = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') event.id = fieldValue;
            else if (field === 'event') event.event = fieldValue;
            else if (field === 'data') data.push(fieldValue);
          }
          if (data.length === 0) continue;
          if (event.id) lastEventId = event.id;
          onEvent({ id: event.id ?? '', event: event.event ?? 'message', data: JSON.parse(data.join('\n')) });
          if (event.event === 'session_end') ended = true;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
    }
    if (ended) return;
    // A dropped stream is picked up again after a pause that grows, from the last event seen.
    await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
  }
}
