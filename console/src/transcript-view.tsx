/**
 * A transcript as a conversation: user and assistant messages, thinking folded, tool calls with their input and
 * result side by side, markers for resets, interruptions, limits, failovers, decisions, profile switches and
 * continue-as-new (where the session went on in a new run). A block Keel stored by reference shows its preview,
 * and its full content on demand.
 */
import { createContext } from 'preact';
import { useContext, useState } from 'preact/hooks';
import { api, sessionPath } from './api';
import { ErrorNote } from './error-note';
import type { ContentBlock, TranscriptEntry } from './types';

/** The session whose transcript is drawn, for reading its stored blocks. */
const SessionIdContext = createContext('');

const markerLabels: Record<string, string> = {
  'context-reset': 'Context reset',
  interrupted: 'Interrupted',
  'limit-reached': 'Limit reached',
  failover: 'Failover',
  'tool-decision': 'Tool decision',
  'profile-switch': 'Profile switch',
  'continued-as-new': 'Continued as new',
};

function resultText(block: Extract<ContentBlock, { type: 'tool_result' }>): string {
  if (typeof block.content === 'string') return block.content;
  return (block.content ?? []).map((part) => part.text ?? `[${part.type}]`).join('\n');
}

const storedRef = (block: unknown): { hash: string; bytes?: number } | undefined =>
  typeof block === 'object' && block !== null && 'keel_ref' in block ? (block as { keel_ref: { hash: string; bytes?: number } }).keel_ref : undefined;

/** The text of a block as the store gives it back: a text block's text, a tool result's content, else JSON. */
function fullText(content: unknown): string {
  const block = content as ContentBlock;
  if (block && block.type === 'text') return block.text;
  if (block && block.type === 'tool_result') return resultText(block);
  return JSON.stringify(content, null, 2);
}

/** A stored block's note: its size, and a button that reads the full content (`GET .../stored/{hash}`) on demand. */
function StoredNote({ block }: { block: unknown }) {
  const sessionId = useContext(SessionIdContext);
  const [full, setFull] = useState<string | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const ref = storedRef(block);
  if (!ref) return null;
  if (full !== undefined) {
    return (
      <div class="stored-full">
        <div class="small muted">Full content ({ref.bytes ?? '?'} bytes)</div>
        <pre>{full}</pre>
      </div>
    );
  }
  return (
    <div class="small">
      <span class="muted">Stored by reference ({ref.bytes ?? '?'} bytes); the preview is shown. </span>
      <button
        type="button"
        class="secondary"
        onClick={async () => {
          try {
            setFull(fullText((await api<{ content: unknown }>('GET', `${sessionPath(sessionId)}/stored/${ref.hash}`)).content));
          } catch (caught) {
            setError(caught as Error);
          }
        }}
      >
        Load the full content
      </button>
      <ErrorNote error={error} />
    </div>
  );
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

export function TranscriptView({ sessionId, entries }: { sessionId: string; entries: TranscriptEntry[] }) {
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
    <SessionIdContext.Provider value={sessionId}>
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
    </SessionIdContext.Provider>
  );
}
