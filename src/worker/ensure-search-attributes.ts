import proto from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';

// A CommonJS package: its namespace comes through the default export under ESM.
const { temporal } = proto;
import { keelSearchAttributeKeys } from '../shared/search-attributes.js';

const indexedValueType: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};

/**
 * Registers the contract's custom search attributes (`KeelStatus`, ...) in the namespace when they are missing.
 * The workflow upserts them on every step, and an unregistered attribute would fail its workflow tasks, so the
 * worker checks before it polls. Returns the names it added. Needs operator rights; where the server refuses
 * (a hosted namespace), it throws and the caller reports what to register by hand.
 */
export async function ensureSearchAttributes(connection: Pick<NativeConnection, 'operatorService'>, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = keelSearchAttributeKeys.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedValueType[key.type]])),
  });
  return missing.map((key) => key.name);
}
