/**
 * The encryption key ring: `KEEL_ENCRYPTION_KEYS="k2:<base64>,k1:<base64>"`, the first key current (new payloads
 * are sealed with it), the others kept so that payloads written under them still open after a rotation. Worker and
 * client side. Key material never appears in an error message: errors name the key id and the position only.
 */
import { ConfigError } from '../errors.js';

/** One AES-256 key and the id stored beside every payload it sealed. */
export interface EncryptionKey {
  /** Short, public name of the key: letters, digits, `.`, `_`, `-`; at most 64 characters. */
  id: string;
  /** 32 bytes. */
  material: Buffer;
}

/** The ring: `current` seals, every key in `byId` opens. */
export interface EncryptionKeyRing {
  current: EncryptionKey;
  byId: ReadonlyMap<string, EncryptionKey>;
}

const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Parses a key ring from its environment form, `id:base64,id:base64` (standard or URL-safe base64 of 32 bytes).
 * @throws ConfigError naming the key id or position that is wrong, never its material.
 */
export function parseEncryptionKeys(specification: string, variable = 'KEEL_ENCRYPTION_KEYS'): EncryptionKeyRing {
  const entries = specification
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new ConfigError(`${variable}: no keys; expected "id:base64key[,id:base64key...]"`);
  const byId = new Map<string, EncryptionKey>();
  const keys = entries.map((entry, index) => {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    const encoded = separator > 0 ? entry.slice(separator + 1) : '';
    const where = `${variable}: key ${index + 1}${keyIdPattern.test(id) ? ` ("${id}")` : ''}`;
    if (!keyIdPattern.test(id)) {
      throw new ConfigError(`${where}: expected "id:base64key" with an id of letters, digits, ".", "_" or "-" (at most 64)`);
    }
    if (byId.has(id)) throw new ConfigError(`${where}: the id is used twice`);
    if (!base64Pattern.test(encoded)) throw new ConfigError(`${where}: the key is not base64`);
    const material = Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64');
    if (material.length !== 32) {
      throw new ConfigError(`${where}: an AES-256 key is 32 bytes, this one is ${material.length} (make one with \`openssl rand -base64 32\`)`);
    }
    // Not enumerable: a key that reaches a logger or JSON.stringify (the SDK debug-logs its worker options, codecs
    // included) shows its id only.
    const key = Object.defineProperty({ id } as EncryptionKey, 'material', { value: material, enumerable: false });
    byId.set(id, key);
    return key;
  });
  return { current: keys[0]!, byId };
}
