/** An eval report as markdown: the totals, a table of sessions side by side, then each changed session in detail. Pure; client-side. */
import type { SessionComparison } from './compare-sessions.js';
import { describeChange, describeGrade, type EvalReport } from './eval-report.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const usd = (value: number) => `$${value.toFixed(4)}`;
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;
const call = ({ name, input }: { name: string; input: unknown }) => `${name} ${JSON.stringify(input)}`;

function details(source: string, comparison: SessionComparison): string[] {
  const { recorded, candidate } = comparison;
  const lines = [`### ${source} -> ${candidate.id}`, '', `Changed: ${describeChange(comparison)}.`, ''];
  if (comparison.changed.outcome) lines.push(`Outcome: ${recorded.outcome} -> ${candidate.outcome}`, '');
  if (comparison.toolCallsPartAt !== undefined) {
    const at = comparison.toolCallsPartAt;
    lines.push(`Tool calls part at call ${at + 1}:`, '');
    lines.push('```diff');
    for (const shared of recorded.toolCalls.slice(0, at)) lines.push(`  ${call(shared)}`);
    for (const old of recorded.toolCalls.slice(at)) lines.push(`- ${call(old)}`);
    for (const added of candidate.toolCalls.slice(at)) lines.push(`+ ${call(added)}`);
    lines.push('```', '');
  }
  if (comparison.changed.text) {
    lines.push('Final text:', '', '```diff');
    for (const line of comparison.textDiff) lines.push(`${line.kind === 'same' ? ' ' : line.kind === 'removed' ? '-' : '+'} ${line.text}`);
    lines.push('```', '');
  }
  return lines;
}

export function renderMarkdown(report: EvalReport): string {
  const lines = [
    `# Eval ${report.evalId}: recorded sessions on ${report.candidateProfile}`,
    '',
    `${report.sessions.length} sessions, ${report.changed.length} changed. The eval's spend: ${usd(report.spendUsd)}` +
      `${report.rubric ? `, grading by rubric ${report.rubric.name} on ${report.rubric.profile}: ${usd(report.graderSpendUsd)}` : ''}` +
      `${report.maxCostUsd !== undefined ? ` (cap ${usd(report.maxCostUsd)}${report.stoppedBySpendCap ? ', reached: the eval stopped' : ''})` : ''}. ` +
      `${report.startedAt} to ${report.finishedAt}.`,
    '',
    '| recorded | candidate | change | outcome | turns | tokens (in/out) | cost | wall time | active time | tool calls (replayed/ran/not run) | grade |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of report.sessions) {
    const comparison = row.comparison;
    if (!comparison) {
      lines.push(`| ${cell(row.source)} | ${cell(row.evalSession ?? '')} | error: ${cell(row.error ?? '')} | | | | | | | | |`);
      continue;
    }
    const { recorded: a, candidate: b, toolCallCounts: counts } = comparison;
    const grade = (row.grades ?? []).map(describeGrade).join('; ');
    lines.push(
      `| ${cell(a.id)} | ${cell(b.id)} | ${describeChange(comparison)} | ${a.outcome} -> ${b.outcome} | ${a.turns} -> ${b.turns} | ` +
        `${a.inputTokens}/${a.outputTokens} -> ${b.inputTokens}/${b.outputTokens} | ${usd(a.costUsd)} -> ${usd(b.costUsd)} | ` +
        `${seconds(a.wallMs)} -> ${seconds(b.wallMs)} | ${seconds(a.activeMs)} -> ${seconds(b.activeMs)} | ${counts.replayed}/${counts.ran}/${counts.notRun} | ${cell(grade)} |`,
    );
  }
  lines.push('');
  if (report.rubric) {
    lines.push(`## Grades by rubric ${report.rubric.name} (${report.rubric.profile})`, '');
    for (const row of report.sessions) {
      for (const grade of (row.grades ?? []).filter((each) => each.grader === report.rubric!.name)) {
        lines.push(`- ${row.source}: ${describeGrade(grade)}`, ...(grade.reasons ?? []).map((reason) => `  - ${reason.replace(/\n/g, ' ')}`));
      }
    }
    lines.push('');
  }
  const changed = report.sessions.filter((row) => row.comparison && report.changed.includes(row.source));
  if (changed.length > 0) lines.push('## What changed', '');
  for (const row of changed) lines.push(...details(row.source, row.comparison!));
  return `${lines.join('\n')}\n`;
}
