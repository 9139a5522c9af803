/** Keel's client entry point: a typed wrapper over the Temporal Client. */
export { SessionClient, SessionHandle, validateSessionInput } from './client/session-client.js';
export type { ConnectOptions, SessionClientOptions, StartOptions } from './client/session-client.js';
