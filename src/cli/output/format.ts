/** Small formatters shared by the CLI's renderers. Pure; client-side. */
import type { Usage } from '../../shared/schemas/session-messages.js';

/** Cuts `text` to `max` characters, saying how much was left out. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The first line of `text`, cut to `max` characters. */
export function firstLineOf(text: string, max = 100): string {
  const line = text.split('\n').find((candidate) => candidate.trim().length > 0) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Indents every line after the first by `width` spaces, so that a multi-line text stays under its label. */
export function hangingIndent(text: string, width: number): string {
  return text.split('\n').join(`\n${' '.repeat(width)}`);
}

export function formatCostUsd(costUsd: number): string {
  return `$${costUsd.toFixed(costUsd > 0 && costUsd < 0.01 ? 4 : 2)}`;
}

export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheCreationInputTokens;
}

export function formatUsage(usage: Usage): string {
  return `${totalTokens(usage)} tokens (${usage.inputTokens} in, ${usage.outputTokens} out), ${formatCostUsd(usage.costUsd)}`;
}

/** A compact JSON rendering of a tool input, cut to `max` characters. */
export function compactJson(value: unknown, max = 160): string {
  const text = value === undefined ? '' : JSON.stringify(value);
  return truncate(text ?? '', max);
}

/** "3m ago", "2h ago", "5d ago". */
export function ago(date: Date | undefined, now = Date.now()): string {
  if (!date) return '';
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.round(hours / 24)}d ago`;
}

/** Lays out rows as columns padded to their widest cell. Colour codes in cells are not counted. */
export function table(rows: string[][]): string[] {
  const visible = (cell: string) => cell.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, visible(cell))));
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat(widths[index] - visible(cell))))
      .join('  ')
      .trimEnd(),
  );
}
