/**
 * Zod and Keel's schemas, built once per worker and shared by every workflow it runs, instead of built again for
 * each one. Each new workflow runs the module code of its bundle, and constructing these schemas was most of it:
 * about 1.9 MiB of heap and 13 ms of CPU a session (bench/README.md, "Memory per cached session"; CHANGELOG).
 *
 * This module is the bundle's one preloaded module (src/worker/workflow-bundle.ts, `preloadModules`). No workflow
 * imports it: the SDK requires it when it creates the worker's shared V8 context, before any workflow exists, and
 * every module it pulls in (these schema modules and zod) lands in the context's shared module cache, where the
 * workflows' own imports of the same modules find it. The SDK then deep-freezes those modules, so that no workflow
 * can leave state in them for another.
 *
 * Frozen is why the schemas are settled here first. Zod 4 computes some properties of a schema on first use and
 * defines them on the schema then (`~standard`, `propValues`, `pattern`, ...); on a frozen schema that definition
 * throws. `settleSchemas` reads each of them now, while the schemas can still take them.
 *
 * What may be added here: modules whose module scope only builds values (schemas, constants, pure functions) and
 * imports nothing that needs a running workflow. Never a module that keeps state across calls.
 */
import * as clientArgument from '../shared/schemas/client-argument.js';
import * as content from '../shared/schemas/content.js';
import * as failoverEvent from '../shared/schemas/failover-event.js';
import * as grade from '../shared/schemas/grade.js';
import * as modelCall from '../shared/schemas/model-call.js';
import * as modelProvider from '../shared/schemas/model-provider.js';
import * as profile from '../shared/schemas/profile.js';
import * as recordedToolCalls from '../shared/schemas/recorded-tool-calls.js';
import * as rubricGrade from '../shared/schemas/rubric-grade.js';
import * as sessionCarry from '../shared/schemas/session-carry.js';
import * as sessionInput from '../shared/schemas/session-input.js';
import * as sessionMessages from '../shared/schemas/session-messages.js';
import * as spend from '../shared/schemas/spend.js';
import * as storedBlock from '../shared/schemas/stored-block.js';
import * as subAgents from '../shared/schemas/sub-agents.js';
import * as tools from '../shared/schemas/tools.js';
import * as transcriptArchive from '../shared/schemas/transcript-archive.js';
import * as toolSpecs from '../shared/tool-specs.js';
import { settleSchemas } from './settle-schemas.js';

/** The modules shared, as namespaces. */
export const sharedSchemaModules: readonly object[] = [
  clientArgument,
  content,
  failoverEvent,
  grade,
  modelCall,
  modelProvider,
  profile,
  recordedToolCalls,
  rubricGrade,
  sessionCarry,
  sessionInput,
  sessionMessages,
  spend,
  storedBlock,
  subAgents,
  tools,
  transcriptArchive,
  toolSpecs,
];

settleSchemas(sharedSchemaModules);
