/**
 * The built-in `read_output` tool: pages through an output that was stored by reference and cut before the model
 * saw it (the cut's note names the reference and the offset to go on from). Its handler is the worker's
 * `readStoredOutput` activity. Bundle-safe: name, description and input schema only.
 */
import { z } from 'zod';
import type { ToolSpec } from './schemas/model-call.js';
import { readStoredOutputInputSchema } from './schemas/transcript-archive.js';

export const READ_OUTPUT_TOOL_NAME = 'read_output';

export const readOutputToolSpec: ToolSpec = {
  name: READ_OUTPUT_TOOL_NAME,
  description:
    'Read more of a tool output that was cut because it was long. The note at the end of the cut output gives its ' +
    'reference ("sha256:...") and the offset to continue from. Returns the characters from offset (at most limit), ' +
    'headed by where they are in the whole output.',
  inputSchema: z.toJSONSchema(readStoredOutputInputSchema) as Record<string, unknown>,
};
