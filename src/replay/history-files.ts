/**
 * History files: the JSON that `temporal workflow show --output json`, the Temporal UI's download and Keel's
 * recorder write (`{"events": [...]}`). A file's workflow id is its name without `.json`. Worker-side tooling.
 */
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ValidationError } from '../errors.js';
import type { HistorySource } from './replay-histories.js';

/** Reads one history file. @throws ValidationError naming the file when it is not a history. */
export async function readHistoryFile(path: string): Promise<HistorySource> {
  let history: History;
  try {
    history = historyFromJSON(JSON.parse(await readFile(path, 'utf8')));
  } catch (error) {
    throw new ValidationError(`${path} is not a workflow history: ${(error as Error).message}`, path);
  }
  return { workflowId: basename(path).replace(/\.json$/, ''), history, origin: path };
}

/** The `.json` files a list of paths names: files as given, directories by their `*.json` entries, sorted. */
export async function expandHistoryPaths(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ValidationError(`no such file or directory: ${path}`, path);
    if (info.isDirectory()) {
      const entries = (await readdir(path)).filter((name) => name.endsWith('.json')).sort();
      files.push(...entries.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  return files;
}

/** Writes a history as the same JSON other Temporal tools read. */
export async function writeHistoryFile(path: string, history: History): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${historyToJSON(history)}\n`);
}
