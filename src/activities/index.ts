/**
 * The worker's activities, built from their dependencies. Workflows see them only as types:
 * `proxyActivities<ReturnType<typeof createActivities>>`.
 */
import type { ProfileRegistry } from '../config/profile-registry.js';
import type { ModelAdapter } from '../models/model-adapter.js';
import type { SandboxRegistry } from '../sandboxes/sandbox-registry.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { ContentStore } from '../stores/content-store.js';
import type { McpServers } from '../mcp/mcp-servers.js';
import { createCallModel } from './call-model.js';
import type { EventPublisher } from '../events/event-transport.js';
import { RestoredContexts } from '../stores/restored-contexts.js';
import { createClaimFork } from './claim-fork.js';
import { createContentStoreActivities } from './content-store-activities.js';
import { createDrawCanary } from './draw-canary.js';
import { createResolveProfile } from './resolve-profile.js';
import { createResolveTools } from './resolve-tools.js';
import { createGradeSession } from './grade-session.js';
import { createCallGraderModel } from './call-grader-model.js';
import type { GraderDefinition } from '../eval/define-grader.js';
import { createRunTool } from './run-tool.js';
import { createSandboxLifecycle } from './sandbox-lifecycle.js';
import { createSnapshotSandbox } from './snapshot-sandbox.js';

export interface ActivityDependencies {
  model: ModelAdapter;
  profiles: ProfileRegistry;
  tools: ToolRegistry;
  sandboxes: SandboxRegistry;
  /** Where conversations, large outputs and archived transcripts are kept. */
  store: ContentStore;
  /** The key fork grants are checked with (see src/codec/fork-grant.ts). */
  grantKey: Buffer;
  /** The worker's MCP servers, when it has any. */
  mcp?: McpServers | undefined;
  /** Where model calls publish their live stream. @default none: no live stream */
  events?: EventPublisher;
  /** Graders of `keel eval` (`defineGrader`), run by the `gradeSession` activity. @default none */
  graders?: GraderDefinition[];
}

export function createActivities(dependencies: ActivityDependencies) {
  return {
    callModel: createCallModel(dependencies.model, dependencies.store, new RestoredContexts(), dependencies.events),
    resolveProfile: createResolveProfile(dependencies.profiles),
    drawCanary: createDrawCanary(),
    resolveTools: createResolveTools(dependencies),
    runTool: createRunTool(dependencies),
    ...createSandboxLifecycle(dependencies),
    ...createContentStoreActivities(dependencies.store),
    snapshotSandbox: createSnapshotSandbox(dependencies),
    claimFork: createClaimFork(dependencies),
    gradeSession: createGradeSession(dependencies.graders ?? []),
    callGraderModel: createCallGraderModel(dependencies.model),
  };
}
