/** The custom search attributes of the contract, kept current by the workflow. Bundle-safe. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const keelStatusKey = defineSearchAttributeKey('KeelStatus', SearchAttributeType.KEYWORD);
export const keelProfileKey = defineSearchAttributeKey('KeelProfile', SearchAttributeType.KEYWORD);
export const keelTurnsKey = defineSearchAttributeKey('KeelTurns', SearchAttributeType.INT);
export const keelTokensKey = defineSearchAttributeKey('KeelTokens', SearchAttributeType.INT);
export const keelCostUsdKey = defineSearchAttributeKey('KeelCostUsd', SearchAttributeType.DOUBLE);
/**
 * The session's `metadata.tenant`, set at start (by Keel's client, and by the workflow for sessions other clients
 * start): what lets `keel serve` list a tenant's sessions, and check that a session is a tenant's, without reading
 * its input.
 */
export const keelTenantKey = defineSearchAttributeKey('KeelTenant', SearchAttributeType.KEYWORD);

export const keelSearchAttributeKeys = [keelStatusKey, keelProfileKey, keelTurnsKey, keelTokensKey, keelCostUsdKey, keelTenantKey];
