/**
 * An eval report as one static HTML page that needs nothing but a browser: four charts (cost, turns, wall time and
 * active time per session, recorded against candidate) drawn by uPlot, whose script and styles are inlined (no CDN), then
 * each session side by side: outcome, turns, tokens, cost, time, the tool-call sequences from where they part, the
 * final texts' diff, and grades. Client-side.
 *
 * uPlot is read from the installed `uplot` package; where it is missing, the page says so and keeps its tables.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SessionComparison } from './compare-sessions.js';
import { describeChange, describeGrade, type EvalReport } from './eval-report.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const usd = (value: number) => `$${value.toFixed(4)}`;
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;
const callText = (call: { name: string; input: unknown } | undefined) => (call ? `${call.name} ${JSON.stringify(call.input)}` : '');

/** uPlot's script and styles, or undefined when the package is not installed. */
function readUplot(): { script: string; styles: string } | undefined {
  try {
    const require = createRequire(import.meta.url);
    return {
      script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      styles: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  } catch {
    return undefined;
  }
}

/** JSON inside a script element: `</script>` and `<!--` in a text must not end it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function toolCallRows(comparison: SessionComparison): string {
  const { recorded, candidate, toolCallsPartAt } = comparison;
  const length = Math.max(recorded.toolCalls.length, candidate.toolCalls.length);
  if (length === 0) return '<p class="quiet">no tool calls</p>';
  const rows = Array.from({ length }, (_, index) => {
    const parted = toolCallsPartAt !== undefined && index >= toolCallsPartAt;
    return `<tr class="${parted ? 'parted' : ''}"><td>${index + 1}</td><td>${escape(callText(recorded.toolCalls[index]))}</td><td>${escape(callText(candidate.toolCalls[index]))}</td></tr>`;
  });
  return `<table class="calls"><thead><tr><th>#</th><th>recorded</th><th>candidate</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function textDiff(comparison: SessionComparison): string {
  const lines = comparison.textDiff.map((line) => {
    const sign = line.kind === 'same' ? ' ' : line.kind === 'removed' ? '-' : '+';
    return `<span class="${line.kind}">${sign} ${escape(line.text)}</span>`;
  });
  return `<pre class="diff">${lines.join('\n')}</pre>`;
}

function sessionSection(row: EvalReport['sessions'][number]): string {
  if (!row.comparison) {
    return `<section><h3>${escape(row.source)}</h3><p class="error">not compared: ${escape(row.error ?? '')}</p></section>`;
  }
  const comparison = row.comparison;
  const { recorded: a, candidate: b, toolCallCounts: counts } = comparison;
  const grades = (row.grades ?? []).map((grade) => {
    const words = [grade.notes, ...(grade.reasons ?? [])].filter((text): text is string => Boolean(text));
    return `<span class="${grade.error !== undefined ? 'error' : ''}">${escape(describeGrade(grade))}</span>${words.length > 0 ? ` <span class="quiet">(${escape(words.join('; '))})</span>` : ''}`;
  });
  const change = describeChange(comparison);
  return `<section class="${change === 'same' ? 'same' : 'changed'}" id="${escape(row.source)}">
<h3>${escape(a.id)} &rarr; ${escape(b.id)} <span class="badge">${escape(change)}</span></h3>
<table class="side"><thead><tr><th></th><th>recorded (${escape(a.profile)}, ${escape(a.model)})</th><th>candidate (${escape(b.profile)}, ${escape(b.model)})</th></tr></thead><tbody>
<tr><th>outcome</th><td>${escape(a.outcome)}</td><td>${escape(b.outcome)}</td></tr>
<tr><th>turns</th><td>${a.turns}</td><td>${b.turns}</td></tr>
<tr><th>tokens in / out</th><td>${a.inputTokens} / ${a.outputTokens}</td><td>${b.inputTokens} / ${b.outputTokens}</td></tr>
<tr><th>cost</th><td>${usd(a.costUsd)}</td><td>${usd(b.costUsd)}</td></tr>
<tr><th>wall time</th><td>${seconds(a.wallMs)}</td><td>${seconds(b.wallMs)}</td></tr>
<tr><th>active time</th><td>${seconds(a.activeMs)}</td><td>${seconds(b.activeMs)}</td></tr>
<tr><th>grade</th><td></td><td>${grades.length > 0 ? grades.join('<br>') : '<span class="quiet">none</span>'}</td></tr>
</tbody></table>
<h4>Tool calls <span class="quiet">(${counts.replayed} answered from the record, ${counts.ran} ran in a sandbox, ${counts.notRun} not run)</span></h4>
${toolCallRows(comparison)}
<h4>Final text</h4>
${textDiff(comparison)}
</section>`;
}

const pageStyles = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px}h3{font-size:16px;margin:0 0 8px}h4{font-size:14px;margin:12px 0 4px}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #d8dce4;padding:8px}
table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #d8dce4;padding:3px 8px;text-align:left;vertical-align:top}
section{border:1px solid #d8dce4;border-left:6px solid #9aa3b5;padding:12px;margin:16px 0}section.changed{border-left-color:#c2410c}
.badge{font-size:12px;background:#eef0f4;padding:1px 6px;border-radius:8px}.changed .badge{background:#fde3d3}
tr.parted td{background:#fff4e5}.quiet{color:#6b7385}.error{color:#b91c1c}
pre.diff{background:#f6f7f9;padding:8px;white-space:pre-wrap}.diff .removed{color:#b91c1c}.diff .added{color:#15803d}
`;

/**
 * The chart code: reads the embedded data and draws four bar charts, recorded and candidate per session. Each
 * chart's series are also left on `window.evalCharts` by title, for a reader (or a test) to check what was drawn.
 */
const chartScript = `
(function () {
  var data = JSON.parse(document.getElementById('eval-data').textContent);
  var sessions = data.sessions.filter(function (row) { return row.comparison; });
  var x = sessions.map(function (_, index) { return index + 1; });
  var charts = [
    ['cost (USD)', function (side) { return side.costUsd; }],
    ['turns', function (side) { return side.turns; }],
    ['wall time (s)', function (side) { return side.wallMs / 1000; }],
    ['active time (s)', function (side) { return side.activeMs / 1000; }]
  ];
  window.evalCharts = {};
  var bars = function (align) { return uPlot.paths.bars({ size: [0.4, 40], align: align }); };
  charts.forEach(function (chart) {
    var holder = document.createElement('div');
    holder.className = 'chart';
    document.getElementById('charts').appendChild(holder);
    var series = [x, sessions.map(function (row) { return chart[1](row.comparison.recorded); }), sessions.map(function (row) { return chart[1](row.comparison.candidate); })];
    window.evalCharts[chart[0]] = { recorded: series[1], candidate: series[2] };
    new uPlot({
      title: chart[0], width: 420, height: 240,
      // Bars stand on zero: an auto range would start at the smallest value and hide equal ones.
      scales: { x: { time: false }, y: { range: function (_, __, max) { return [0, max > 0 ? max * 1.15 : 1]; } } },
      axes: [{ label: 'session' }, {}],
      series: [
        { label: 'session' },
        { label: 'recorded', stroke: '#64748b', fill: 'rgba(100,116,139,0.5)', paths: bars(-1), points: { show: false } },
        { label: 'candidate', stroke: '#c2410c', fill: 'rgba(194,65,12,0.5)', paths: bars(1), points: { show: false } }
      ]
    }, series, holder);
  });
})();
`;

export function renderHtml(report: EvalReport): string {
  const uplot = readUplot();
  const compared = report.sessions.filter((row) => row.comparison).length;
  const summary =
    `${report.sessions.length} sessions (${compared} compared), ${report.changed.length} changed. The eval's spend: ${usd(report.spendUsd)}` +
    `${report.rubric ? `, grading by rubric ${report.rubric.name} on ${report.rubric.profile}: ${usd(report.graderSpendUsd)}` : ''}` +
    `${report.maxCostUsd !== undefined ? ` (cap ${usd(report.maxCostUsd)}${report.stoppedBySpendCap ? ', reached: the eval stopped' : ''})` : ''}.`;
  const changedList = report.changed.map((id) => `<li><a href="#${escape(id)}">${escape(id)}</a></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval ${escape(report.evalId)} on ${escape(report.candidateProfile)}</title>
<style>${uplot?.styles ?? ''}${pageStyles}</style></head>
<body>
<h1>Eval ${escape(report.evalId)}: recorded sessions on ${escape(report.candidateProfile)}</h1>
<p>${escape(summary)} <span class="quiet">${escape(report.startedAt)} to ${escape(report.finishedAt)}</span></p>
${changedList ? `<h2>Changed</h2><ul>${changedList}</ul>` : '<p>No session changed.</p>'}
<h2>Per session, recorded against candidate</h2>
${uplot ? '<div id="charts" class="charts"></div>' : '<p class="quiet">charts need the <code>uplot</code> package, which is not installed here</p>'}
<h2>Sessions</h2>
${report.sessions.map(sessionSection).join('\n')}
<script type="application/json" id="eval-data">${scriptJson(report)}</script>
${uplot ? `<script>${uplot.script}</script><script>${chartScript}</script>` : ''}
</body></html>
`;
}
