/**
 * The workflow bundle's boundary, as eslint.config.js enforces it: code under src/workflows and src/shared may load
 * only deterministic modules. Each case lints a few lines as if they stood in a file of that folder, with the
 * repository's own configuration (only the type-aware rules are left out: they need the file on disk).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
});

/** The boundary rules' messages for `code` placed at `path`. */
async function boundaryProblems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${path}` });
  return result.messages
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports' || message.ruleId === 'no-restricted-globals')
    .map((message) => message.message);
}

describe('workflow bundle boundary', () => {
  test('lint: a Node built-in imported into workflow code is an error', async () => {
    const problems = await boundaryProblems('src/workflows/probe.ts', "import fs from 'node:fs';\nexport const size = fs.statSync('x').size;\n");
    assert.equal(problems.length, 1);
    assert.match(problems[0], /workflow bundle/);
  });

  test('lint: the Anthropic SDK and worker-side modules are refused as values, accepted as types', async () => {
    const values = await boundaryProblems(
      'src/workflows/probe.ts',
      "import Anthropic from '@anthropic-ai/sdk';\nimport { createActivities } from '../activities/index.js';\nexport const used = [Anthropic, createActivities];\n",
    );
    assert.equal(values.length, 2);
    const types = await boundaryProblems(
      'src/workflows/probe.ts',
      "import type Anthropic from '@anthropic-ai/sdk';\nimport type { createActivities } from '../activities/index.js';\nexport type Used = [Anthropic, typeof createActivities];\n",
    );
    assert.deepEqual(types, []);
  });

  test('lint: the workflow package, zod and shared modules are what workflow code may load', async () => {
    const problems = await boundaryProblems(
      'src/workflows/probe.ts',
      "import { log } from '@temporalio/workflow';\nimport { z } from 'zod';\nimport { FailureTypes } from '../shared/failure-types.js';\nimport { SessionState } from './session-state.js';\nexport const used = [log, z, FailureTypes, SessionState];\n",
    );
    assert.deepEqual(problems, []);
  });

  test('lint: shared code may not reach up into the workflows or out of src/shared', async () => {
    const problems = await boundaryProblems(
      'src/shared/schemas/probe.ts',
      "import { SessionState } from '../../workflows/session-state.js';\nimport { sessionInputSchema } from './session-input.js';\nimport { FailureTypes } from '../failure-types.js';\nexport const used = [SessionState, sessionInputSchema, FailureTypes];\n",
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0], /workflow bundle/);
  });

  test('lint: the environment, host timers and crypto are refused in workflow code', async () => {
    const problems = await boundaryProblems(
      'src/workflows/probe.ts',
      'export const region = process.env.REGION;\nexport function later(run: () => void): void {\n  setTimeout(run, 10);\n}\nexport const id = crypto.randomUUID();\n',
    );
    assert.equal(problems.length, 3);
  });
});
