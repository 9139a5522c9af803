/**
 * A Server-Sent Events reader over plain fetch, as an app would write one: parses `id:`, `event:` and `data:` lines
 * into events until the stream ends or `stop` says so (then it disconnects). Tests only.
 */
export interface StreamedEvent {
  id: string;
  event: string;
  data: any;
}

export interface ReadEventsOptions {
  token?: string;
  lastEventId?: string;
  /** Disconnects once this answers true for the events so far. */
  stop?: (seen: StreamedEvent[]) => boolean;
}

export async function readEvents(url: string, options: ReadEventsOptions = {}): Promise<{ status: number; events: StreamedEvent[]; body?: any }> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(url, { headers, signal: abort.signal });
  if (!response.ok || !response.body) return { status: response.status, events: [], body: await response.json() };
  const events: StreamedEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  let current: Partial<StreamedEvent> & { data?: string } = {};
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (current.data !== undefined) events.push({ id: current.id ?? '', event: current.event ?? 'message', data: JSON.parse(current.data) });
          current = {};
          if (options.stop?.(events)) {
            abort.abort();
            return { status: response.status, events };
          }
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
        else if (field === 'id') current.id = value;
        else if (field === 'event') current.event = value;
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  }
  return { status: response.status, events };
}
