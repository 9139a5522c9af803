/**
 * The built-in tools as models see them: names, descriptions and input schemas (README.md, "Tools, sandboxes and
 * guardrails").
 * Names and input fields are part of the public contract: prompts refer to them. Handlers live worker-side in
 * src/tools/built-in/. Bundle-safe.
 */
import { z } from 'zod';
import { MAX_SANDBOX_SECONDS } from './schemas/input-bounds.js';

/** Most lines `read_file` skips or returns: far beyond any text file it can read, and a finite number. */
const MAX_FILE_LINES = 1_000_000_000;

export const bashInputSchema = z.object({
  command: z.string().min(1).describe('The shell command to run with bash, in the session directory.'),
  timeoutSeconds: z
    .number()
    .positive()
    .max(MAX_SANDBOX_SECONDS)
    .optional()
    .describe('Wall-clock limit for the command, seconds; the worker caps it. Every process it started is killed when it passes.'),
});

export const readFileInputSchema = z.object({
  path: z.string().min(1).describe('File path, relative to the session directory.'),
  offset: z.number().int().nonnegative().max(MAX_FILE_LINES).optional().describe('Lines to skip from the start of the file. @default 0'),
  limit: z.number().int().positive().max(MAX_FILE_LINES).optional().describe('Most lines to return. @default 2000'),
});

export const writeFileInputSchema = z.object({
  path: z.string().min(1).describe('File path, relative to the session directory. Missing parent directories are created.'),
  content: z.string().describe('The whole new content of the file.'),
});

export const editFileInputSchema = z.object({
  path: z.string().min(1).describe('File path, relative to the session directory.'),
  old: z.string().min(1).describe('Text to replace; it must occur exactly once in the file, byte for byte.'),
  new: z.string().describe('Replacement text.'),
});

export const listFilesInputSchema = z.object({
  path: z.string().min(1).optional().describe('Directory to list, relative to the session directory. @default the session directory'),
});

export type BashInput = z.infer<typeof bashInputSchema>;
export type ReadFileInput = z.infer<typeof readFileInputSchema>;
export type WriteFileInput = z.infer<typeof writeFileInputSchema>;
export type EditFileInput = z.infer<typeof editFileInputSchema>;
export type ListFilesInput = z.infer<typeof listFilesInputSchema>;

/** A built-in tool's model-facing description and input schema. */
export interface BuiltInToolSpec {
  description: string;
  inputSchema: z.ZodType<Record<string, unknown>>;
}

export const builtInToolSpecs = {
  bash: {
    description:
      'Runs a bash command in the session directory, in a sandbox, and returns its exit code, stdout and stderr ' +
      '(long output is cut in the middle, with a note of how much). Use it to run programs, tests and scripts.',
    inputSchema: bashInputSchema,
  },
  read_file: {
    description:
      'Reads a text file in the session directory. Returns its lines from `offset`, at most `limit` of them; long ' +
      'output is cut with a note.',
    inputSchema: readFileInputSchema,
  },
  write_file: {
    description: 'Writes a file in the session directory (created or replaced as a whole). Returns the bytes written.',
    inputSchema: writeFileInputSchema,
  },
  edit_file: {
    description:
      'Replaces the text `old` with `new` in a file of the session directory. Fails, changing nothing, unless `old` ' +
      'occurs exactly once.',
    inputSchema: editFileInputSchema,
  },
  list_files: {
    description: 'Lists the files and directories under a directory of the session directory, recursively, with sizes.',
    inputSchema: listFilesInputSchema,
  },
} as const satisfies Record<string, BuiltInToolSpec>;

export type BuiltInToolName = keyof typeof builtInToolSpecs;

/** The built-in tool names, in the contract's order. */
export const builtInToolNames = Object.keys(builtInToolSpecs) as BuiltInToolName[];
