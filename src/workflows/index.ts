/** The workflow bundle's entry point (the worker's `workflowsPath`). Deterministic code only. */
export { agentSessionWorkflow as agentSession } from './session-workflow.js';
export { gradeEvalSessionWorkflow as gradeEvalSession } from './grade-workflow.js';
