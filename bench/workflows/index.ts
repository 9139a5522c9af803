/** The benchmark's baseline workflow bundle entry. Deterministic code only. */
export { naiveLoopWorkflow } from './naive-loop-workflow.js';
