/** An eval report as one static HTML page. Pure; client-side. */
import type { EvalReport } from './eval-report.js';
import { renderMarkdown } from './render-markdown.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderHtml(report: EvalReport): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Eval ${escape(report.evalId)}</title></head><body><pre>${escape(renderMarkdown(report))}</pre></body></html>\n`;
}
