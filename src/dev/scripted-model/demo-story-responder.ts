/**
 * The offline model of `npm run demo`'s three sessions (`../demo/demo-story.ts`): it writes and runs a program in the
 * sandbox step, asks for the shell in the approval step and reports the decision, and streams a slow reply in the
 * recovery step so that the worker can be killed in the middle of it. Every reply is labelled as the offline model's.
 * Any other conversation gets `offlineDemoResponder`'s answer. A pure function of the recorded request.
 */
import { demoApprovalCommand, demoPrimesProgram, demoStepOf } from '../demo/demo-story.js';
import { contentBlocks, contentText, offlineDemoResponder, offlineModelLabel, snippet } from './demo-responder.js';
import { isRecord } from './is-record.js';
import type { ScriptedReply, ScriptedResponder } from './script.js';

export interface DemoStoryResponderOptions {
  /** Pause between SSE events of ordinary replies, ms, so a terminal shows them arriving. @default 0 */
  chunkDelayMs?: number;
  /** Pause between SSE events of the recovery step's reply: long enough to kill a worker in the middle. @default 120 */
  slowChunkDelayMs?: number;
}

const recoveryReply =
  `${offlineModelLabel} An agent session is a long conversation with the world: model calls that cost money and ` +
  'time, commands that change files, people who approve what it does. If the process running it dies, a session ' +
  'kept in memory loses all of that, and starting over repeats side effects nobody wants twice. On Temporal, each ' +
  'step is recorded in the session\'s history before the next one starts, so another worker picks the session up ' +
  'where it stopped: the interrupted model call is simply made again, finished steps are never repeated, and the ' +
  'person waiting sees one answer. (No real model was called: this is the offline scripted model.)';

export function demoStoryResponder(options: DemoStoryResponderOptions = {}): ScriptedResponder {
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const slowChunkDelayMs = options.slowChunkDelayMs ?? 120;
  const fallback = offlineDemoResponder({ chunkDelayMs });
  const say = (text: string, toolUse?: { name: string; input: Record<string, unknown> }): ScriptedReply => ({
    kind: 'message',
    content: [{ type: 'text', text: `${offlineModelLabel} ${text}` }, ...(toolUse ? [{ type: 'tool_use' as const, ...toolUse }] : [])],
    chunkDelayMs,
  });
  return (request) => {
    const body = isRecord(request.body) ? request.body : {};
    const messages = Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
    const step = demoStepOf(contentText(messages[0]?.['content']));
    if (step === undefined) return fallback(request);
    const toolCallsSoFar = messages.filter((message) => message['role'] === 'assistant').flatMap(contentBlocks).filter((block) => block['type'] === 'tool_use').length;
    const lastResult = contentBlocks(messages.at(-1)).find((block) => block['type'] === 'tool_result');
    const resultText = lastResult ? snippet(contentText(lastResult['content']), 200) : '';
    switch (step) {
      case 'sandbox':
        if (toolCallsSoFar === 0) return say('I will write primes.py in the sandbox, then run it.', { name: 'write_file', input: { path: 'primes.py', content: demoPrimesProgram } });
        if (toolCallsSoFar === 1) return say('The file is written; now I run it.', { name: 'bash', input: { command: 'python3 primes.py' } });
        return say(lastResult?.['is_error'] === true ? `Running it failed: "${resultText}".` : `It ran in the sandbox and printed: "${resultText}".`);
      case 'approval':
        if (toolCallsSoFar === 0) return say('This changes the workspace, so I ask for the shell.', { name: 'bash', input: { command: demoApprovalCommand } });
        return say(lastResult?.['is_error'] === true ? `The command was not run: "${resultText}". I leave the release unrecorded.` : `Done, the shell answered: "${resultText}".`);
      case 'recovery':
        return { kind: 'message', content: [{ type: 'text', text: recoveryReply }], chunkDelayMs: slowChunkDelayMs };
    }
  };
}
