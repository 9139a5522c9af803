/**
 * The console (console/, a Preact app) served by `keel serve`: `/` redirects to `/console/`, `/console/*` answers
 * the built files with their content type, gzip when the client takes it, and caching by kind: hashed assets are
 * immutable for a year, the page itself is revalidated every time (it names the current assets). A path with no
 * file is the app's own route and gets the page. `/console/settings.json` tells the app the settings it cannot
 * read from the API (the Temporal UI's address, the namespace), with the token like the API. The files need no
 * token: they hold no session data, and the app asks for the token itself; every call it makes goes to the API
 * with it. Server-side.
 */
import type { Context } from 'hono';
import type { ApiApp } from '../api-environment.js';
import { ConsoleFiles, type ConsoleFile } from './console-files.js';

export interface ConsoleOptions {
  /** The built console. @default dist/console of the package */
  directory: string;
  /** The Temporal UI's base URL, for links to a session's workflow. @default none (env `KEEL_CONSOLE_TEMPORAL_UI_URL`) */
  temporalUiUrl?: string;
  /** The Temporal namespace of the sessions, for those links. */
  namespace: string;
}

/** Where the console reads its settings: behind the token like the API, since it names the namespace. */
const SETTINGS_PATH = '/console/settings.json';

/** The console's own files, which the bearer check lets through (its settings are not among them). */
export function isConsolePath(path: string): boolean {
  return path === '/' || path === '/console' || (path.startsWith('/console/') && path !== SETTINGS_PATH);
}

/** The page may load only its own files and talk only to this server. */
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function send(c: Context, file: ConsoleFile, cacheControl: string): Response {
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    'Cache-Control': cacheControl,
    ETag: file.etag,
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept-Encoding',
  };
  if (file.contentType.startsWith('text/html')) {
    headers['Content-Security-Policy'] = contentSecurityPolicy;
    headers['Referrer-Policy'] = 'no-referrer';
  }
  if (c.req.header('if-none-match') === file.etag) return new Response(null, { status: 304, headers });
  const acceptsGzip = /\bgzip\b/i.test(c.req.header('accept-encoding') ?? '');
  if (file.gzip && acceptsGzip) {
    headers['Content-Encoding'] = 'gzip';
    return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(file.gzip), { status: 200, headers });
  }
  return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(file.body), { status: 200, headers });
}

export function registerConsoleRoutes(app: ApiApp, options: ConsoleOptions): void {
  const files = new ConsoleFiles(options.directory);
  const settings = JSON.stringify({ temporalUiUrl: options.temporalUiUrl ?? null, namespace: options.namespace });

  app.get('/', (c) => c.redirect('/console/', 302));
  app.get('/console', (c) => c.redirect('/console/', 301));
  app.get(SETTINGS_PATH, (c) => c.body(settings, 200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' }));
  app.get('/console/*', (c) => {
    const relative = decodeURIComponent(c.req.path.slice('/console/'.length));
    const asset = relative === '' ? undefined : files.read(relative);
    if (asset) return send(c, asset, relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    // A file-like path that is missing is a 404; anything else is one of the app's own views.
    if (/\.[a-z0-9]+$/i.test(relative)) return c.text('not found', 404);
    const page = files.read('index.html');
    if (!page) return c.text('The console is not built: run `npm run build:console` (or `npm run build`).', 503);
    return send(c, page, 'no-cache');
  });
}
