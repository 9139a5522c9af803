/**
 * The offline demo model: a responder for the scripted model server that `npm run demo` uses when no API key is
 * configured. It is deterministic and labels every reply (`offlineModelLabel`), so nobody mistakes a demo transcript
 * for a real model's work. Worker/dev side only: a pure function of the recorded request.
 */
import { isRecord } from './is-record.js';
import type { ScriptedBlock, ScriptedResponder } from './script.js';
/** Options of `offlineDemoResponder`. */
export interface OfflineDemoResponderOptions {
  /** Pause between SSE events, in milliseconds, so a terminal shows the reply arriving. @default 0 */
  chunkDelayMs?: number;
}

/** Marks every reply of the offline model, so nobody mistakes a demo transcript for a real model's work. */
export const offlineModelLabel = '[offline scripted model]';

const demoCommand = 'echo "hello from the offline scripted model"';
const demoFilePath = 'offline-demo.txt';
const demoFileContent = 'Written by the offline scripted model: no real model was called.\n';

/**
 * Responder for the offline demo: a deterministic, clearly labelled stand-in for a model, used by `npm run demo`
 * when no API key is configured.
 *
 * For a new user message it answers with a short plan. If the request offers a tool named `bash` (preferred) or
 * `write_file`, and no tool has been called yet in the conversation, it also calls that tool once; when the tool
 * result comes back it reports what it got and ends the turn. With extended thinking enabled it adds a thinking
 * block before the tool call, as the API requires for the next request. It never throws and never runs out.
 */
export function offlineDemoResponder(options: OfflineDemoResponderOptions = {}): ScriptedResponder {
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  return (request) => {
    const body: Record<string, unknown> = isRecord(request.body) ? request.body : {};
    const messages = Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
    const last = messages.at(-1);
    const lastBlocks = contentBlocks(last);

    const toolResults = lastBlocks.filter((block) => block['type'] === 'tool_result');
    if (toolResults.length > 0) {
      const failed = toolResults.some((block) => block['is_error'] === true);
      const output = snippet(toolResults.map((block) => contentText(block['content'])).join('\n'), 200);
      const text =
        `${offlineModelLabel} The tool ${failed ? 'reported an error' : 'finished'}; its output was: "${output}". ` +
        'That completes the plan, so I am ending the turn. ' +
        '(No real model was called: this is the offline scripted model.)';
      return { kind: 'message', content: [{ type: 'text', text }], chunkDelayMs };
    }

    const said = snippet(contentText(last?.['content']), 120);
    const usedToolBefore = messages.some(
      (message) =>
        message['role'] === 'assistant' && contentBlocks(message).some((block) => block['type'] === 'tool_use'),
    );
    const tool = usedToolBefore ? undefined : pickDemoTool(body['tools']);
    const plan = tool
      ? `1. Call \`${tool.name}\` once to show a tool round-trip through the sandbox.\n` +
        '2. Report its output and end the turn.'
      : '1. Acknowledge the message.\n2. End the turn, since there is no tool to try.';
    const text =
      `${offlineModelLabel} You said: "${said}". I am the offline scripted model: no real model was called, and ` +
      `these replies are scripted so the demo runs without an API key.\n\nPlan:\n${plan}`;

    const content: ScriptedBlock[] = [];
    const thinking = isRecord(body['thinking']) ? body['thinking']['type'] : undefined;
    if (tool && (thinking === 'enabled' || thinking === 'adaptive')) {
      content.push({
        type: 'thinking',
        thinking:
          'Offline scripted model: no reasoning happens here; ' +
          'this block keeps the transcript shaped like a thinking reply.',
      });
    }
    content.push({ type: 'text', text });
    if (tool) content.push({ type: 'tool_use', name: tool.name, input: tool.input });
    return { kind: 'message', content, chunkDelayMs };
  };
}

/** The content blocks of a request message (none for string content). */
export function contentBlocks(message: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const content = message?.['content'];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

/** The text of a message's content or a tool result's, blocks joined by spaces. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((block) => (typeof block['text'] === 'string' ? block['text'] : ''))
    .filter((text) => text.length > 0)
    .join(' ');
}

/** `text` on one line, cut to `maxLength` characters with an ellipsis. */
export function snippet(text: string, maxLength: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= maxLength ? flat : `${flat.slice(0, maxLength - 1)}…`;
}

/** Picks `bash` or `write_file` from the offered tools and fills its input, whatever its schema calls the fields. */
function pickDemoTool(tools: unknown): { name: string; input: Record<string, unknown> } | undefined {
  const offered = Array.isArray(tools) ? tools.filter(isRecord) : [];
  const tool =
    offered.find((candidate) => candidate['name'] === 'bash') ??
    offered.find((candidate) => candidate['name'] === 'write_file');
  if (tool === undefined) return undefined;
  const name = tool['name'] as string;
  const schema = isRecord(tool['input_schema']) ? tool['input_schema'] : {};
  const properties = isRecord(schema['properties']) ? Object.keys(schema['properties']) : [];
  const defaults: Record<string, unknown> =
    name === 'bash' ? { command: demoCommand } : { path: demoFilePath, content: demoFileContent };
  if (properties.length === 0) return { name, input: defaults };
  const input: Record<string, unknown> = {};
  for (const property of properties) {
    const value = demoValueFor(property, name);
    if (value !== undefined) input[property] = value;
  }
  return { name, input };
}

function demoValueFor(property: string, toolName: string): string | undefined {
  const key = property.toLowerCase();
  if (key.includes('command') || key === 'cmd') return demoCommand;
  if (key.includes('path') || key.includes('file')) return demoFilePath;
  if (key.includes('content') || key.includes('text') || key.includes('data')) return demoFileContent;
  return toolName === 'bash' && key === 'script' ? demoCommand : undefined;
}
