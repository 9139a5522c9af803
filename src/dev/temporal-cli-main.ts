/**
 * `node --import tsx src/dev/temporal-cli-main.ts ensure|path`: installs (if needed) and prints the Temporal CLI's
 * path. Used by scripts/ensure-setup.mjs so that parallel test files never race to install it.
 */
import { parseArgs } from 'node:util';
import { ensureTemporalCli, findTemporalCli } from './temporal-cli.js';

const { positionals } = parseArgs({ allowPositionals: true });
const verb = positionals[0] ?? 'ensure';
if (verb !== 'ensure' && verb !== 'path') {
  process.stderr.write('usage: temporal-cli-main.ts ensure|path\n');
  process.exit(2);
}
const cli = verb === 'ensure' ? ensureTemporalCli() : findTemporalCli();
if (!cli) {
  process.stderr.write('[keel] no Temporal CLI found and no pip to install one; the SDK will download it\n');
} else {
  process.stdout.write(`${cli}\n`);
}
