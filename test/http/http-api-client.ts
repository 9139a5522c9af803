/**
 * A small client of `keel serve` for tests: JSON requests with a bearer token, answers as status and parsed body.
 * Plain fetch, as any app would use; nothing of Keel's client.
 */
export interface ApiAnswer<Body = any> {
  status: number;
  body: Body;
  headers: Headers;
}

export interface ApiRequestOptions {
  token?: string;
  body?: unknown;
  /** A raw body, sent as is (for malformed requests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export function apiClient(baseUrl: () => string) {
  return async function request<Body = any>(method: string, path: string, options: ApiRequestOptions = {}): Promise<ApiAnswer<Body>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : options.rawBody !== undefined ? { body: options.rawBody } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the test sees the text.
    }
    return { status: response.status, body: body as Body, headers: response.headers };
  };
}
