/**
 * Tools for Keel sessions: `defineTool` for custom tools, the built-ins, and the registry a worker holds.
 *
 * A custom tool is TypeScript on the worker: a name, a description, a zod input schema (sent to the model as JSON
 * Schema) and a handler that runs in the `runTool` activity with the tool's own timeout, retry policy and
 * `safeToRetry`. Pass tools to `createKeelWorker({ tools })`; a session enables them by name in its `tools` input.
 * Bad input, an unknown tool, a `ToolError`, a timeout or a lost worker come back to the model as an `is_error`
 * tool result; they never fail the session. See README, "Tools, sandboxes and guardrails".
 */
export { defineTool } from './define-tool.js';
export { toModelJsonSchema } from '../shared/schemas/model-json-schema.js';
export type { DefineToolOptions, ToolContext, ToolDefinition, ToolHandlerResult, ToolSandbox } from './define-tool.js';
export { ToolError } from '../errors.js';
export { createBuiltInTools, defaultBuiltInToolOptions, type BuiltInToolOptions } from './built-in/index.js';
export { ToolRegistry } from './tool-registry.js';
