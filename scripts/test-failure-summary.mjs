// A test reporter that prints nothing until the run ends, then lists every failed test with its file and error.
// CI keeps only the tail of a long log, where TAP's totals say how many failed but not which; this puts the names
// and the errors there.
import { inspect } from 'node:util';

export default async function* failureSummary(source) {
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, details } = event.data;
    // A suite fails because a test in it failed; the test is the one to name.
    if (details?.type === 'suite') continue;
    failures.push({ name, file, error: details?.error });
  }
  if (failures.length === 0) return;
  yield `\n# ${failures.length} failed test${failures.length === 1 ? '' : 's'}:\n`;
  for (const { name, file, error } of failures) {
    yield `# ✖ ${name}\n#   ${file ?? '(unknown file)'}\n`;
    const cause = error?.cause ?? error;
    const text = cause instanceof Error ? (cause.stack ?? cause.message) : inspect(cause, { depth: 4 });
    const lines = text.split('\n').filter((line) => !/\(node:(internal|async_hooks)/.test(line));
    yield `${lines.slice(0, 30).map((line) => `#   ${line}`).join('\n')}\n`;
  }
}
