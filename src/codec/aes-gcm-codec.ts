/**
 * Keel's opt-in payload encryption: a Temporal `PayloadCodec` sealing every payload (workflow input, results,
 * messages, activity inputs and outputs, memo) with AES-256-GCM before it leaves the process. Runs on workers and
 * clients outside the workflow sandbox, so the workflow bundle is unaffected.
 *
 * Wire format of a sealed payload: metadata `encoding: binary/encrypted`, `encryption-cipher: AES-256-GCM`,
 * `encryption-key-id: <id>`; data = 12-byte IV || ciphertext || 16-byte tag, the plaintext being the whole original
 * payload (its metadata too) in protobuf form. The key id is authenticated as associated data, so relabelling a
 * payload with another key id fails to open it. Payloads that are not sealed pass through `decode` unchanged, so
 * histories written before encryption was turned on stay readable.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FailureTypes } from '../shared/failure-types.js';
import { AgentRuntimeError } from '../errors.js';
import type { EncryptionKeyRing } from './encryption-keys.js';

/** `encoding` of a sealed payload (the name Temporal's samples use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const CIPHER_NAME = 'AES-256-GCM';
// A CommonJS module: under Node's ESM loader only its default export exists.
const { temporal } = proto;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ivBytes = 12;
const tagBytes = 16;

/** A sealed payload could not be opened: unknown key id, wrong key, or tampered data. Not retryable. */
export class PayloadDecryptionError extends AgentRuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { retryable: false, failureType: FailureTypes.PayloadDecryptionFailed }, options);
  }
}

export class AesGcmCodec implements PayloadCodec {
  // A private field, so that logging the codec (the SDK debug-logs its worker options) cannot reach the keys.
  readonly #keys: EncryptionKeyRing;

  constructor(keys: EncryptionKeyRing) {
    this.#keys = keys;
  }

  /** The id new payloads are sealed under. */
  get currentKeyId(): string {
    return this.#keys.current.id;
  }

  toJSON(): object {
    return { cipher: CIPHER_NAME, currentKeyId: this.currentKeyId, keyIds: [...this.#keys.byId.keys()] };
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.#keys.current;
    return payloads.map((payload) => {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', key.material, iv, { authTagLength: tagBytes });
      cipher.setAAD(Buffer.from(key.id));
      const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: encoder.encode(ENCRYPTED_ENCODING),
          'encryption-cipher': encoder.encode(CIPHER_NAME),
          'encryption-key-id': encoder.encode(key.id),
        },
        data: sealed,
      };
    });
  }

  /** @throws PayloadDecryptionError naming the key id when a sealed payload cannot be opened. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const metadata = payload.metadata ?? {};
      if (!metadata.encoding || decoder.decode(metadata.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = metadata['encryption-key-id'] ? decoder.decode(metadata['encryption-key-id']) : '';
      const key = this.#keys.byId.get(keyId);
      if (!key) {
        throw new PayloadDecryptionError(
          `payload sealed with key "${keyId}", which is not in this process's KEEL_ENCRYPTION_KEYS (keep retired keys after the current one)`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < ivBytes + tagBytes) throw new PayloadDecryptionError(`payload sealed with key "${keyId}" is truncated`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.material, data.subarray(0, ivBytes), { authTagLength: tagBytes });
        decipher.setAAD(Buffer.from(key.id));
        decipher.setAuthTag(data.subarray(data.length - tagBytes));
        const plaintext = Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plaintext) as Payload;
      } catch (error) {
        throw new PayloadDecryptionError(`payload sealed with key "${keyId}" does not open: wrong key material or altered data`, {
          cause: error,
        });
      }
    });
  }
}
