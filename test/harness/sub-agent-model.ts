/**
 * A scripted model for sessions with sub-agents: parent and children call one model server at once, in an order no
 * test can fix, so each request is answered by the script of the session it comes from, told by its task (the first
 * user message, which `spawn_agent` makes the child's).
 */
import type { RecordedRequest, ScriptedReply, ScriptedResponder } from '../../src/dev/scripted-model/index.js';
import { toolResultsIn } from './scripted-replies.js';

/** The text of a request's first user message: the session's task. */
export function taskOf(request: RecordedRequest): string {
  const content = request.body.messages[0].content as string | Array<{ type: string; text?: string }>;
  return typeof content === 'string' ? content : content.map((block) => block.text ?? '').join('');
}

/** How many model calls the session made before this one (its assistant messages so far). */
export function callsBefore(request: RecordedRequest): number {
  return (request.body.messages as Array<{ role: string }>).filter((message) => message.role === 'assistant').length;
}

/** A responder answering each session by its task; a request of an unknown task gets no reply (the server says so). */
export function responderByTask(scripts: Record<string, (request: RecordedRequest) => ScriptedReply | undefined>): ScriptedResponder {
  return (request) => scripts[taskOf(request)]?.(request);
}

/** The parent's turn that spawns one sub-agent per task, in one model reply. */
export function spawnReply(tasks: string[], extra: Record<string, unknown> = {}): ScriptedReply {
  return {
    kind: 'message',
    content: tasks.map((task, index) => ({ type: 'tool_use' as const, id: `toolu_spawn_${index + 1}`, name: 'spawn_agent', input: { task, ...extra } })),
    usage: { input_tokens: 100, output_tokens: 20 },
  };
}

/** The spawn results the parent received, in call order. */
export function spawnResults(request: RecordedRequest): { content: string; isError: boolean }[] {
  return [...toolResultsIn(request).values()];
}
