/**
 * `read_output`: pages through a tool output that was cut before the model saw it. The cut's note names the stored
 * output and the offset where the cut begins. Offered with the session's tools whenever it has any. It reads only
 * the session's own outputs. Worker-side.
 */
import { ToolError } from '../../errors.js';
import { readStoredOutputInputSchema } from '../../shared/schemas/transcript-archive.js';
import { parseHash } from '../../shared/schemas/stored-block.js';
import type { ContentStore } from '../../stores/content-store.js';
import { readStoredOutput } from '../../stores/read-stored-output.js';
import { READ_OUTPUT_TOOL } from '../../stores/restore-content.js';
import { defineTool, type ToolDefinition } from '../define-tool.js';

export function createReadOutputTool(store: ContentStore): ToolDefinition {
  return defineTool({
    name: READ_OUTPUT_TOOL,
    description:
      'Read more of a tool output that was cut because it was long. The note where it was cut gives the output\'s ' +
      'reference ("sha256:...") and the offset to read from. Returns the characters from offset (at most limit), ' +
      'headed by where they are in the whole output.',
    inputSchema: readStoredOutputInputSchema,
    timeoutMs: 30_000,
    safeToRetry: true,
    handler: async (input, context) => {
      const hash = parseHash(input.ref);
      if (!hash) throw new ToolError(`"${input.ref}" is not a stored output reference (expected "sha256:<64 hex digits>")`);
      // The session's own view of the store: its id is the workflow id Temporal gave the activity, not an argument.
      const page = await readStoredOutput(store.forSession(context.sessionId), hash, input.offset ?? 0, input.limit);
      if (page.isError) throw new ToolError(page.text);
      return page.text;
    },
  });
}
