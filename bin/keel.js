#!/usr/bin/env node
// `keel`: plain JavaScript that loads nothing it does not need. `--version` answers from package.json alone; any
// other invocation imports the CLI: the compiled one (dist/) in the installed package, or, in a source checkout
// (src/ present), the TypeScript sources through tsx, a development dependency.
import { existsSync, readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  const sources = new URL('../src/cli/main.ts', import.meta.url);
  if (existsSync(sources)) {
    await import('tsx');
    await import(sources.href);
  } else {
    await import(new URL('../dist/cli/main.js', import.meta.url).href);
  }
}
