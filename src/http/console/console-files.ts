/**
 * The console's built files (dist/console/, from `npm run build:console`) as `keel serve` answers them: read once,
 * kept in memory with their gzip form, reread when a file changes on disk. Paths are resolved inside the folder
 * only (no `..`). Server-side.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from '../../dev/project-root.js';

/** Where `npm run build:console` writes the console, in a clone and in the installed package alike. */
export function defaultConsoleDirectory(): string {
  return join(projectRoot(), 'dist', 'console');
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Types worth compressing; images and fonts are compressed already. */
const compressible = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt']);

export interface ConsoleFile {
  contentType: string;
  body: Buffer;
  /** The gzip form, for a client that accepts it; none for types that do not shrink. */
  gzip: Buffer | undefined;
  /** A strong validator from size and mtime. */
  etag: string;
}

export class ConsoleFiles {
  readonly #cache = new Map<string, { mtimeMs: number; file: ConsoleFile }>();

  constructor(readonly directory: string) {}

  /** The file at `relativePath` (URL form, no leading slash), or undefined when there is none. */
  read(relativePath: string): ConsoleFile | undefined {
    const normalized = normalize(relativePath).replace(/^([/\\])+/, '');
    if (normalized.startsWith('..') || normalized.includes(`${sep}..`)) return undefined;
    const path = join(this.directory, normalized);
    let stats;
    try {
      stats = statSync(path);
    } catch {
      return undefined;
    }
    if (!stats.isFile()) return undefined;
    const cached = this.#cache.get(path);
    if (cached && cached.mtimeMs === stats.mtimeMs) return cached.file;
    const body = readFileSync(path);
    const extension = extname(path).toLowerCase();
    const file: ConsoleFile = {
      contentType: contentTypes[extension] ?? 'application/octet-stream',
      body,
      gzip: compressible.has(extension) ? gzipSync(body, { level: 9 }) : undefined,
      etag: `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`,
    };
    this.#cache.set(path, { mtimeMs: stats.mtimeMs, file });
    return file;
  }
}
