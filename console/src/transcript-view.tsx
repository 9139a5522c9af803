/**
 * A transcript as a conversation: user and assistant messages, thinking folded, tool calls with their input and
 * result side by side, markers for resets, interruptions, limits, failovers and decisions. A block Keel stored
 * by reference shows its preview and says so.
 */
import type { ContentBlock, TranscriptEntry } from './types';

const markerLabels: Record<string, string> = {
  'context-reset': 'Context reset',
  interrupted: 'Interrupted',
  'limit-reached': 'Limit reached',
  failover: 'Failover',
  'tool-decision': 'Tool decision',
  'continued-as-new': 'Continued as new',
};

function resultText(block: Extract<ContentBlock, { type: 'tool_result' }>): string {
  if (typeof block.content === 'string') return block.content;
  return (block.content ?? []).map((part) => part.text ?? `[${part.type}]`).join('\n');
}

const isStored = (block: unknown): boolean => typeof block === 'object' && block !== null && 'keel_ref' in block;

function StoredNote({ block }: { block: unknown }) {
  if (!isStored(block)) return null;
  const ref = (block as { keel_ref: { bytes?: number } }).keel_ref;
  return <p class="muted small">Stored by reference ({ref.bytes ?? '?'} bytes); the preview is shown.</p>;
}

function Block({ block, results }: { block: ContentBlock; results: Map<string, Extract<ContentBlock, { type: 'tool_result' }>> }) {
  switch (block.type) {
    case 'text':
      return (
        <div class="text">
          {block.text}
          <StoredNote block={block} />
        </div>
      );
    case 'thinking':
      return (
        <details class="thinking">
          <summary>Thinking</summary>
          <div class="text">{block.thinking}</div>
        </details>
      );
    case 'redacted_thinking':
      return <p class="muted">Thinking (redacted)</p>;
    case 'tool_use': {
      const result = results.get(block.id);
      return (
        <div class="tool-call" data-tool-use-id={block.id}>
          <div class="tool-name">
            Tool call <code>{block.name}</code>
          </div>
          <pre class="json" aria-label={`Input of ${block.name}`}>{JSON.stringify(block.input, null, 2)}</pre>
          {result ? (
            <div class={result.is_error ? 'tool-result error-result' : 'tool-result'}>
              <div class="small">{result.is_error ? 'Error' : 'Result'}</div>
              <pre>{resultText(result)}</pre>
              <StoredNote block={result} />
            </div>
          ) : (
            <div class="muted small">No result yet</div>
          )}
        </div>
      );
    }
    case 'tool_result':
      // Shown with its call; a result whose call is not in view stands alone.
      return results.has(block.tool_use_id) ? null : (
        <div class="tool-result">
          <pre>{resultText(block)}</pre>
        </div>
      );
    default:
      return <p class="muted">[{block.type}]</p>;
  }
}

export function TranscriptView({ entries }: { entries: TranscriptEntry[] }) {
  // Results are drawn beside their calls, which come a message earlier.
  const results = new Map<string, Extract<ContentBlock, { type: 'tool_result' }>>();
  const calls = new Set<string>();
  for (const entry of entries) {
    if (entry.kind !== 'message' || typeof entry.content === 'string') continue;
    for (const block of entry.content) {
      if (block.type === 'tool_result') results.set(block.tool_use_id, block);
      if (block.type === 'tool_use') calls.add(block.id);
    }
  }
  for (const id of [...results.keys()]) if (!calls.has(id)) results.delete(id);
  return (
    <ol class="transcript" aria-label="Transcript">
      {entries.map((entry, index) => {
        if (entry.kind === 'marker') {
          return (
            <li key={index} class={`marker marker-${entry.marker}`}>
              <span>
                {markerLabels[entry.marker] ?? entry.marker} · turn {entry.turn}
                {entry.detail ? `: ${entry.detail}` : ''}
              </span>
            </li>
          );
        }
        const blocks: ContentBlock[] = typeof entry.content === 'string' ? [{ type: 'text', text: entry.content }] : entry.content;
        const onlyResults = blocks.every((block) => block.type === 'tool_result' && results.has(block.tool_use_id));
        if (onlyResults) return null;
        return (
          <li key={index} class={`message ${entry.role}`}>
            <div class="who">
              {entry.role === 'user' ? 'User' : 'Assistant'} <span class="muted small">turn {entry.turn}</span>
            </div>
            {blocks.map((block, blockIndex) => (
              <Block key={blockIndex} block={block} results={results} />
            ))}
          </li>
        );
      })}
    </ol>
  );
}
