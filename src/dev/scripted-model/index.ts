/**
 * The scripted model server's public surface: an offline stand-in for the Anthropic Messages API, used by tests
 * (in-process), by `npm run demo` (the offline demo model, through `../scripted-model/main.ts`) and by the
 * bench. Import from here, not from the files behind it. Worker/dev side only: the server uses `node:http`.
 */
export { offlineDemoResponder, offlineModelLabel } from './demo-responder.js';
export { demoStoryResponder } from './demo-story-responder.js';
export type { DemoStoryResponderOptions } from './demo-story-responder.js';
export type { OfflineDemoResponderOptions } from './demo-responder.js';
export { contentBlockParamSchema, messagesRequestSchema } from './request-schema.js';
export type { ContentBlockParam, MessagesRequest } from './request-schema.js';
export { scriptedBlockSchema, scriptedReplySchema } from './script.js';
export type { RecordedRequest, ScriptedBlock, ScriptedReply, ScriptedResponder, ScriptedUsage } from './script.js';
export { startScriptedModelServer } from './server.js';
export type { ScriptedModelServer, ScriptedModelServerOptions } from './server.js';
export { validateMessagesRequest } from './validate-request.js';
export type { MessagesRequestValidation } from './validate-request.js';
