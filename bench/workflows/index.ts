/** The benchmark's baseline workflow bundle entry. Deterministic code only. */
export { naiveLoopWorkflow } from './naive-loop-workflow.js';
export { minimalChatWorkflow } from './minimal-chat-workflow.js';
