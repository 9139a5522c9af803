import { defaultPayloadConverter } from '@temporalio/common';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { AesGcmCodec, ENCRYPTED_ENCODING } from '../../src/codec/aes-gcm-codec.js';
import { dataConverterFromEnvironment } from '../../src/codec/data-converter-from-environment.js';
import { parseEncryptionKeys } from '../../src/codec/encryption-keys.js';

const keyOne = randomBytes(32).toString('base64');
const keyTwo = randomBytes(32).toString('base64');
const text = new TextDecoder();
const payloadOf = (value: unknown) => defaultPayloadConverter.toPayload(value);

describe('AesGcmCodec', () => {
  test('AesGcmCodec: seals a payload so that neither its data nor its metadata shows, and opens it again', async () => {
    const codec = new AesGcmCodec(parseEncryptionKeys(`k1:${keyOne}`));
    const original = payloadOf({ prompt: 'the secret plan' });
    const [sealed] = await codec.encode([original]);
    assert.equal(text.decode(sealed!.metadata!.encoding), ENCRYPTED_ENCODING);
    assert.equal(text.decode(sealed!.metadata!['encryption-key-id']), 'k1');
    assert.ok(!Buffer.from(sealed!.data!).toString('latin1').includes('secret plan'));
    assert.ok(!Buffer.from(sealed!.data!).toString('latin1').includes('json/plain'));
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { prompt: 'the secret plan' });
    // A fresh IV every time: the same value never seals to the same bytes.
    const [again] = await codec.encode([original]);
    assert.notDeepEqual(Buffer.from(again!.data!), Buffer.from(sealed!.data!));
  });

  test('AesGcmCodec: after rotation new payloads use the new key and old payloads still open', async () => {
    const before = new AesGcmCodec(parseEncryptionKeys(`k1:${keyOne}`));
    const [old] = await before.encode([payloadOf('written under k1')]);
    const after = new AesGcmCodec(parseEncryptionKeys(`k2:${keyTwo},k1:${keyOne}`));
    assert.equal(after.currentKeyId, 'k2');
    assert.equal(defaultPayloadConverter.fromPayload((await after.decode([old!]))[0]!), 'written under k1');
    const [fresh] = await after.encode([payloadOf('written under k2')]);
    assert.equal(text.decode(fresh!.metadata!['encryption-key-id']), 'k2');
    // Without k1 in the ring the old payload is refused by name, not garbled.
    const retired = new AesGcmCodec(parseEncryptionKeys(`k2:${keyTwo}`));
    await assert.rejects(retired.decode([old!]), /key "k1", which is not in this process's KEEL_ENCRYPTION_KEYS/);
  });

  test('AesGcmCodec: refuses altered data and a relabelled key id', async () => {
    const codec = new AesGcmCodec(parseEncryptionKeys(`k2:${keyTwo},k1:${keyOne}`));
    const [sealed] = await codec.encode([payloadOf('integrity')]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await assert.rejects(codec.decode([{ ...sealed!, data: flipped }]), /does not open/);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': new TextEncoder().encode('k1') } };
    await assert.rejects(codec.decode([relabelled]), /key "k1" does not open/);
  });

  test('AesGcmCodec: passes payloads that were never sealed through decode unchanged', async () => {
    const codec = new AesGcmCodec(parseEncryptionKeys(`k1:${keyOne}`));
    const plain = payloadOf({ from: 'before encryption was turned on' });
    assert.deepEqual(await codec.decode([plain]), [plain]);
  });

  test('parseEncryptionKeys: bad key rings fail naming the key, never printing its material', () => {
    const short = Buffer.from('sixteen byte key').toString('base64');
    assert.throws(() => parseEncryptionKeys(`k1:${short}`), (error: Error) => {
      assert.match(error.message, /key 1 \("k1"\): an AES-256 key is 32 bytes, this one is 16/);
      assert.ok(!error.message.includes(short));
      return true;
    });
    assert.throws(() => parseEncryptionKeys(`k1:${keyOne},k1:${keyTwo}`), /key 2 \("k1"\): the id is used twice/);
    assert.throws(() => parseEncryptionKeys(keyOne), (error: Error) => !error.message.includes(keyOne) && /expected "id:base64key"/.test(error.message));
    assert.throws(() => parseEncryptionKeys(' , '), /no keys/);
    assert.equal(parseEncryptionKeys(`k1:${Buffer.from(keyOne, 'base64').toString('base64url')}`).current.material.length, 32);
  });

  test('dataConverterFromEnvironment: off without KEEL_ENCRYPTION_KEYS, a codec with it', () => {
    assert.equal(dataConverterFromEnvironment({}), undefined);
    assert.equal(dataConverterFromEnvironment({ KEEL_ENCRYPTION_KEYS: '' }), undefined);
    const converter = dataConverterFromEnvironment({ KEEL_ENCRYPTION_KEYS: `k1:${keyOne}` });
    assert.ok(converter?.payloadCodecs?.[0] instanceof AesGcmCodec);
  });
});
