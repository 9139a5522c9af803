/**
 * The package `keel`: its public surface, as one explicit list. Anything not named here (and anything under
 * `internal/`) is not part of the contract and may change in any release.
 */
export { runWorker } from './worker/run-worker.js';
export type { RunWorkerOptions } from './worker/run-worker.js';
export { createKeelWorker } from './worker/create-keel-worker.js';
export { workflowBundleOptions, workflowsPath } from './worker/workflow-bundle.js';
export type { KeelWorkerOptions } from './worker/create-keel-worker.js';
export { McpServers } from './mcp/mcp-servers.js';
export type { McpServersOptions } from './mcp/mcp-servers.js';
export { loadMcpConfig, parseMcpConfig } from './mcp/mcp-config.js';
export type { McpServerConfig } from './mcp/mcp-config.js';
export { defineTool } from './tools/define-tool.js';
export { defineGrader } from './eval/define-grader.js';
export type { DefineGraderOptions, GraderDefinition, GraderVerdict } from './eval/define-grader.js';
export type { SessionComparison, ToolCallCounts } from './eval/compare-sessions.js';
export type { SessionSummary, ToolCallSummary } from './eval/session-summary.js';
export type { DefineToolOptions, ToolContext, ToolDefinition, ToolHandlerResult, ToolSandbox } from './tools/define-tool.js';
export { SessionClient, SessionHandle, validateSessionInput } from './client/session-client.js';
export type { ConnectOptions, SessionClientOptions, StartOptions } from './client/session-client.js';
// Live events: `SessionHandle.events()`, or for a server with many subscribers `SessionClient.eventFeed().subscribe()`.
export { SessionEventFeed } from './client/session-event-feed.js';
export { TurnText } from './events/turn-text.js';
export type { SessionEventFeedOptions } from './client/session-event-feed.js';
export type { SubscribeOptions } from './client/session-event-subscriber.js';
export type { EventPublisher, EventSource, EventSubscriptionHandlers } from './events/event-transport.js';
export { eventsSettingsFromEnvironment, openEventPublisher, openEventSource } from './events/events-settings.js';
export type { EventsSettings } from './events/events-settings.js';
export { sessionEventNames, sessionEventSchemas } from './shared/schemas/session-event.js';
export type { SessionEvent, SessionEventEnvelope, SessionEventName } from './shared/schemas/session-event.js';
// The HTTP API of `keel serve`, to run or mount in a server of one's own (a hono app: `app.fetch`).
export { createHttpApi } from './http/create-http-api.js';
export type { HttpApiOptions } from './http/create-http-api.js';
export { startHttpApi } from './http/start-http-api.js';
export type { RunningHttpApi, StartHttpApiOptions } from './http/start-http-api.js';
export { parseApiTokens } from './http/api-tokens.js';
export type { ApiToken } from './http/api-tokens.js';
export { temporalConnectionFromEnvironment } from './config/temporal-connection.js';
export type { TemporalConnection, TemporalConnectionOptions, TemporalConnectionOverrides } from './config/temporal-connection.js';
export { AgentRuntimeError, ConfigError, McpServerError, MessageRejectedError, ModelError, SandboxError, StoreError, ToolError, ValidationError } from './errors.js';
export { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, SESSION_WORKFLOW_TYPE } from './shared/constants.js';
export { sessionInputSchema } from './shared/schemas/session-input.js';
export type { SessionInput, SessionInputRequest } from './shared/schemas/session-input.js';
export type { AssistantTurn, SessionResult, SessionStateView, SessionStatus, TranscriptPage } from './shared/schemas/session-messages.js';
export type { ProfileConfig } from './shared/schemas/profile.js';
