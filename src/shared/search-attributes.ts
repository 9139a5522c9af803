/** The custom search attributes of the contract, kept current by the workflow. Bundle-safe. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const keelStatusKey = defineSearchAttributeKey('KeelStatus', SearchAttributeType.KEYWORD);
export const keelProfileKey = defineSearchAttributeKey('KeelProfile', SearchAttributeType.KEYWORD);
export const keelTurnsKey = defineSearchAttributeKey('KeelTurns', SearchAttributeType.INT);
export const keelTokensKey = defineSearchAttributeKey('KeelTokens', SearchAttributeType.INT);
export const keelCostUsdKey = defineSearchAttributeKey('KeelCostUsd', SearchAttributeType.DOUBLE);

export const keelSearchAttributeKeys = [keelStatusKey, keelProfileKey, keelTurnsKey, keelTokensKey, keelCostUsdKey];
