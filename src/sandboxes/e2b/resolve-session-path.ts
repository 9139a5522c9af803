import { posix } from 'node:path';
import { ToolError } from '../../errors.js';

/**
 * A tool's path (relative to the session's working directory, or absolute inside it) as an absolute sandbox path.
 * The check is lexical (`..` and absolute paths); inside a remote sandbox the sandbox itself is the boundary.
 *
 * @throws ToolError when the path leaves `workingDirectory` or holds a NUL byte: the model's mistake, not a failure.
 */
export function resolveSessionPath(workingDirectory: string, path: string): string {
  if (path.includes('\0')) throw new ToolError(`invalid path ${JSON.stringify(path)}: it contains a NUL byte`);
  const resolved = posix.resolve(workingDirectory, path === '' ? '.' : path);
  const relative = posix.relative(workingDirectory, resolved);
  if (relative === '..' || relative.startsWith('../') || posix.isAbsolute(relative)) {
    throw new ToolError(`path ${JSON.stringify(path)} is outside the session directory; use a path relative to it`);
  }
  return resolved;
}
