/**
 * The data converter every Keel process builds from its environment: plain JSON payloads, or, when
 * `KEEL_ENCRYPTION_KEYS` is set, payloads sealed by {@link AesGcmCodec}. Workers, `SessionClient.connect` (and so
 * the CLI) and the codec server all call this, so one variable turns encryption on everywhere.
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm-codec.js';
import { readSecretVariable } from '../secrets/read-secret-variable.js';
import { parseEncryptionKeys, type EncryptionKeyRing } from './encryption-keys.js';

/**
 * Environment variable holding the key ring, `id:base64key[,id:base64key...]`, current key first; or
 * `KEEL_ENCRYPTION_KEYS_FILE` naming a file that holds it (Docker and Kubernetes secrets).
 */
export const ENCRYPTION_KEYS_VARIABLE = 'KEEL_ENCRYPTION_KEYS';

/**
 * The key ring configured by the environment, or undefined when encryption is off. The content store and sandbox
 * snapshots seal with it too. @throws ConfigError on a bad key ring or an unreadable key file.
 */
export function encryptionKeysFromEnvironment(environment: NodeJS.ProcessEnv = process.env): EncryptionKeyRing | undefined {
  const specification = readSecretVariable(ENCRYPTION_KEYS_VARIABLE, environment);
  if (!specification || specification.trim() === '') return undefined;
  return parseEncryptionKeys(specification, ENCRYPTION_KEYS_VARIABLE);
}

/** The codec configured by the environment, or undefined when encryption is off. @throws ConfigError on a bad key ring or an unreadable key file. */
export function codecFromEnvironment(environment: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const keys = encryptionKeysFromEnvironment(environment);
  return keys ? new AesGcmCodec(keys) : undefined;
}

/** `{ payloadCodecs: [codec] }` when encryption is on, else undefined (the SDK's default). @throws ConfigError. */
export function dataConverterFromEnvironment(environment: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = codecFromEnvironment(environment);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
