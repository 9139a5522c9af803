/**
 * Sealing bytes at rest (content store blobs, sandbox snapshots) with the payload key ring
 * (`KEEL_ENCRYPTION_KEYS`): AES-256-GCM under the current key; any key of the ring opens. Worker and client side.
 *
 * Format: `KS1` magic, one byte of key id length, the key id, a 12-byte IV, the ciphertext, a 16-byte tag. The
 * associated data binds the key id and what the bytes are (a blob's hash, a snapshot's id), so a sealed file moved
 * under another name, or relabelled with another key id, does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FailureTypes } from '../shared/failure-types.js';
import { AgentRuntimeError } from '../errors.js';
import type { EncryptionKeyRing } from './encryption-keys.js';

const MAGIC = Buffer.from('KS1', 'latin1');
const ivBytes = 12;
const tagBytes = 16;

/** Sealed bytes could not be opened: unknown key id, wrong key, or altered data. */
/** Sealed bytes that do not open: a key that is not in the ring, or bytes altered, truncated or misplaced. Never retried. */
export class SealedBytesError extends AgentRuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { retryable: false, failureType: FailureTypes.PayloadDecryptionFailed }, options);
  }
}

function associatedData(keyId: string, label: string): Buffer {
  return Buffer.from(`keel-sealed\0${keyId}\0${label}`, 'utf8');
}

/** True when `data` starts like sealed bytes (a store written before encryption was on holds plain ones). */
export function isSealed(data: Uint8Array): boolean {
  return data.byteLength > MAGIC.length && Buffer.from(data.buffer, data.byteOffset, MAGIC.length).equals(MAGIC);
}

/** `data` sealed under the ring's current key, bound to `label`. */
export function sealBytes(keys: EncryptionKeyRing, data: Uint8Array, label: string): Buffer {
  const key = keys.current;
  const id = Buffer.from(key.id, 'utf8');
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key.material, iv, { authTagLength: tagBytes });
  cipher.setAAD(associatedData(key.id, label));
  return Buffer.concat([MAGIC, Buffer.from([id.length]), id, iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}

/**
 * The plaintext of sealed bytes. @throws SealedBytesError naming the key id (never key material) when the key is
 * not in the ring or the bytes were altered, truncated or sealed for another label.
 */
export function openSealedBytes(keys: EncryptionKeyRing, data: Uint8Array, label: string): Buffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!isSealed(bytes)) throw new SealedBytesError('not sealed bytes');
  const idLength = bytes[MAGIC.length]!;
  const idStart = MAGIC.length + 1;
  const keyId = bytes.subarray(idStart, idStart + idLength).toString('utf8');
  const ivStart = idStart + idLength;
  if (bytes.length < ivStart + ivBytes + tagBytes) throw new SealedBytesError(`sealed bytes under key "${keyId}" are truncated`);
  const key = keys.byId.get(keyId);
  if (!key) throw new SealedBytesError(`sealed with key "${keyId}", which is not in this process's KEEL_ENCRYPTION_KEYS (keep retired keys after the current one)`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.material, bytes.subarray(ivStart, ivStart + ivBytes), { authTagLength: tagBytes });
    decipher.setAAD(associatedData(keyId, label));
    decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
    return Buffer.concat([decipher.update(bytes.subarray(ivStart + ivBytes, bytes.length - tagBytes)), decipher.final()]);
  } catch (error) {
    throw new SealedBytesError(`sealed bytes under key "${keyId}" do not open: wrong key material, or altered or misplaced data`, { cause: error });
  }
}
