import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { keelSearchAttributeKeys } from '../../src/shared/search-attributes.js';
import { startTestEnvironment, type TestEnvironment } from '../harness/temporal-env.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../deploy/temporal/scripts/create-namespace.sh', import.meta.url));

describe('compose namespace step', () => {
  let environment: TestEnvironment;

  before(async () => {
    environment = await startTestEnvironment();
  });
  after(async () => environment?.close());

  test('create-namespace.sh: creates the namespace and Keel\'s search attributes with the temporal CLI, and is idempotent', async () => {
    const namespace = `keel-compose-${randomUUID().slice(0, 8)}`;
    // The same `temporal` CLI that the admin-tools image carries.
    const env = { PATH: `${dirname(environment.cli)}:${process.env.PATH}`, TEMPORAL_ADDRESS: environment.address, KEEL_NAMESPACE: namespace };
    const first = await run('sh', [script], { env });
    assert.match(first.stdout, new RegExp(`namespace ${namespace} created`));
    const second = await run('sh', [script], { env });
    assert.match(second.stdout, new RegExp(`namespace ${namespace} exists`));
    for (const key of keelSearchAttributeKeys) assert.match(second.stdout, new RegExp(`search attribute ${key.name} exists`));

    const listed = await environment.client.connection.operatorService.listSearchAttributes({ namespace });
    const types = Object.fromEntries(Object.entries(listed.customAttributes ?? {}).map(([name, type]) => [name, Number(type)]));
    // IndexedValueType: KEYWORD 2, INT 3, DOUBLE 4.
    const expected = { KEYWORD: 2, INT: 3, DOUBLE: 4 } as Record<string, number>;
    for (const key of keelSearchAttributeKeys) assert.equal(types[key.name], expected[key.type], key.name);
  });
});
