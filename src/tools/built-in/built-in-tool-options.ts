/** Settings of the built-in tools, with their defaults and units. Worker-side. */
export interface BuiltInToolOptions {
  /** Wall-clock limit of a `bash` command when the model sets none, ms. @default 120000 (env `KEEL_COMMAND_TIMEOUT_SECONDS`) */
  defaultCommandTimeoutMs: number;
  /** Most a `bash` command may ask for, ms. @default 600000 (env `KEEL_COMMAND_MAX_TIMEOUT_SECONDS`) */
  maxCommandTimeoutMs: number;
  /** Bytes kept of a command's stdout and of its stderr (half from the start, half from the end), and of a `read_file` answer. @default 32768 (env `KEEL_TOOL_OUTPUT_BYTES`) */
  maxOutputBytes: number;
}

export const defaultBuiltInToolOptions: BuiltInToolOptions = {
  defaultCommandTimeoutMs: 120_000,
  maxCommandTimeoutMs: 600_000,
  maxOutputBytes: 32 * 1024,
};
