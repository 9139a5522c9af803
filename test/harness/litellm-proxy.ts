/**
 * LiteLLM's proxy (`litellm[proxy]` from PyPI, pinned) as a gateway in front of an OpenAI-format server, for the
 * tests of Keel's gateway path. The package is installed into `.keel/venvs/litellm` by `ensurePythonVenv` and kept
 * between runs; the proxy runs as a child process on a free port with a config that routes one model name to the
 * backend's Chat Completions API, and is always killed on `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { ensurePythonVenv } from './python-venv.js';

/**
 * The LiteLLM release the tests install. 1.106.12: the newest whose `[proxy]` extra resolves on PyPI (the extras
 * of 1.108 and later pin `litellm-proxy-extras` releases that are not published), and one that has
 * `use_chat_completions_url_for_anthropic_messages`.
 */
export const litellmRequirement = 'litellm[proxy]==1.106.12';

export interface LiteLlmProxyOptions {
  /** The model name clients ask for. */
  modelName: string;
  /** The OpenAI-format backend's base URL, e.g. `http://127.0.0.1:43123` (`/v1` is added). */
  backendUrl: string;
  /** The model id LiteLLM asks the backend for. */
  backendModel: string;
  /** The key LiteLLM sends the backend. */
  backendApiKey: string;
  /** The key clients must send LiteLLM (its master key). */
  masterKey: string;
  /** How long the proxy may take to start, ms (importing LiteLLM is slow on a loaded machine). @default 180000 */
  startTimeoutMs?: number;
}

export interface LiteLlmProxy {
  /** Base URL for an Anthropic client: LiteLLM serves `/v1/messages` under it. */
  readonly url: string;
  /** What the proxy printed, for a failing test's message. */
  output(): string;
  close(): Promise<void>;
}

/** The proxy's config: one model on the backend's Chat Completions API, for `/v1/messages` too. */
export function litellmConfig(options: LiteLlmProxyOptions): string {
  // JSON is YAML: no YAML writer needed, and every string is quoted.
  return JSON.stringify(
    {
      model_list: [
        {
          model_name: options.modelName,
          litellm_params: { model: `openai/${options.backendModel}`, api_base: `${options.backendUrl}/v1`, api_key: options.backendApiKey },
        },
      ],
      // By default LiteLLM sends `/v1/messages` for OpenAI models to the Responses API.
      litellm_settings: { use_chat_completions_url_for_anthropic_messages: true, drop_params: true },
      general_settings: { master_key: options.masterKey },
    },
    null,
    2,
  );
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`LiteLLM's proxy exited with ${child.exitCode} before it was ready:\n${output()}`);
    try {
      const response = await fetch(`${url}/health/liveliness`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`LiteLLM's proxy was not ready within ${timeoutMs} ms:\n${output()}`);
}

/** Installs LiteLLM when needed, starts its proxy and resolves once it answers. @throws naming the proxy's output */
export async function startLiteLlmProxy(options: LiteLlmProxyOptions): Promise<LiteLlmProxy> {
  const python = ensurePythonVenv('litellm', [litellmRequirement]);
  const directory = mkdtempSync(join(tmpdir(), 'keel-litellm-'));
  const configPath = join(directory, 'litellm.yaml');
  writeFileSync(configPath, litellmConfig(options));
  const port = await freePort();
  const child = spawn(python, ['-m', 'litellm.proxy.proxy_cli', '--config', configPath, '--host', '127.0.0.1', '--port', String(port), '--num_workers', '1'], {
    cwd: directory,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // Offline and quiet: the bundled model price map, no telemetry, no database.
      LITELLM_LOCAL_MODEL_COST_MAP: 'True',
      LITELLM_TELEMETRY: 'False',
      DISABLE_ADMIN_UI: 'True',
      PYTHONUNBUFFERED: '1',
    },
  });
  let printed = '';
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, child, () => printed, options.startTimeoutMs ?? 180_000);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, output: () => printed, close };
}
