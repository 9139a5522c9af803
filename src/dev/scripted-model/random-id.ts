/**
 * Random ids in the shape the Messages API uses (`msg_…`, `toolu_…`, `req_…`: a prefix and 24 base62 characters),
 * for the scripted model server's messages, tool calls and request ids. Worker/dev side only: uses `node:crypto`.
 */
import { randomBytes } from 'node:crypto';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` random base62 characters (not uniformly distributed: ids need to be unique, not unbiased). */
export function randomBase62(length: number): string {
  return Array.from(randomBytes(length), (byte) => base62[byte % 62]).join('');
}
