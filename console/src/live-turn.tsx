/**
 * The turn in progress, from the session's live events: text and thinking as their deltas arrive, tool calls and
 * their results. The transcript takes over when the turn ends.
 */
import type { StreamedEvent, StreamedEventData } from './api';

export interface LiveTurnState {
  turn: number;
  blocks: { index: number; kind: 'text' | 'thinking'; text: string }[];
  tools: { toolUseId: string; name: string; input: unknown; result?: { isError: boolean; content: unknown } }[];
}

/** The live turn after one more event; `undefined` once the turn has ended. */
export function applyLiveEvent(state: LiveTurnState | undefined, event: StreamedEvent): LiveTurnState | undefined {
  // The event's name says which fields it carries (see StreamedEventData).
  const data = event.data as StreamedEventData;
  if (event.event === 'turn_end' || event.event === 'session_end') return undefined;
  if (event.event !== 'text_delta' && event.event !== 'thinking_delta' && event.event !== 'tool_use' && event.event !== 'tool_result') return state;
  let next: LiveTurnState = state && state.turn === data.turn ? state : { turn: data.turn, blocks: [], tools: [] };
  if (event.event === 'text_delta' || event.event === 'thinking_delta') {
    const kind: 'text' | 'thinking' = event.event === 'text_delta' ? 'text' : 'thinking';
    const existing = next.blocks.find((block) => block.index === data.index && block.kind === kind);
    const blocks = existing
      ? next.blocks.map((block) => (block === existing ? { ...block, text: block.text + data.text } : block))
      : [...next.blocks, { index: data.index, kind, text: data.text }];
    next = { ...next, blocks };
  } else if (event.event === 'tool_use') {
    next = { ...next, tools: [...next.tools, { toolUseId: data.toolUseId, name: data.name, input: data.input }] };
  } else {
    next = { ...next, tools: next.tools.map((tool) => (tool.toolUseId === data.toolUseId ? { ...tool, result: { isError: data.isError, content: data.content } } : tool)) };
  }
  return next;
}

export function LiveTurn({ state }: { state: LiveTurnState | undefined }) {
  if (!state) return null;
  return (
    <section class="message assistant live" aria-label={`Turn ${state.turn} in progress`} aria-busy="true">
      <div class="who">
        Assistant <span class="muted small">turn {state.turn}, live</span>
      </div>
      {state.blocks.map((block) =>
        block.kind === 'thinking' ? (
          <details class="thinking" key={`t${block.index}`}>
            <summary>Thinking</summary>
            <div class="text">{block.text}</div>
          </details>
        ) : (
          <div class="text live-text" key={`x${block.index}`}>
            {block.text}
          </div>
        ),
      )}
      {state.tools.map((tool) => (
        <div class="tool-call" key={tool.toolUseId}>
          <div class="tool-name">
            Tool call <code>{tool.name}</code>
          </div>
          <pre class="json">{JSON.stringify(tool.input, null, 2)}</pre>
          {tool.result && <pre class={tool.result.isError ? 'tool-result error-result' : 'tool-result'}>{typeof tool.result.content === 'string' ? tool.result.content : JSON.stringify(tool.result.content, null, 2)}</pre>}
        </div>
      ))}
    </section>
  );
}
