/** What a result depends on: the machine, the runtimes and the code, recorded beside every run. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/dev/project-root.js';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, loadavg, release, totalmem, type } from 'node:os';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  freeMemoryBytesAtStart: number;
  /** 1, 5 and 15 minute load averages when the run started: other work on a shared machine shows here. */
  loadAverageAtStart: number[];
  os: string;
  nodeVersion: string;
  temporalCliVersion: string;
  temporalSdkVersion: string;
  anthropicSdkVersion: string;
  gitCommit: string;
  startedAt: string;
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

/** A dependency's version from its package.json (read directly: export maps hide it from `require`). */
function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function machineFacts(temporalCliVersion: string): Promise<MachineFacts> {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    freeMemoryBytesAtStart: freemem(),
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
    os: `${type()} ${release()}`,
    nodeVersion: process.version,
    temporalCliVersion,
    temporalSdkVersion: packageVersion('@temporalio/worker'),
    anthropicSdkVersion: packageVersion('@anthropic-ai/sdk'),
    gitCommit: gitCommit(),
    startedAt: new Date().toISOString(),
  };
}
