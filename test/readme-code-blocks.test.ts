/**
 * Every code block of README.md that a reader would run (shell, JavaScript, TypeScript, Python) is run by a test,
 * which finds it with `readmeBlock(marker)` from test/harness/readme-blocks.ts, or says in the README source why no
 * test runs it (`<!-- not run by the tests: reason -->` on the line before its fence). Blocks without a language
 * (sample output, the layout) are read, not run.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { readmeBlocks, readmeBlocksContaining, type ReadmeBlock } from './harness/readme-blocks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runnableLanguages = new Set(['sh', 'bash', 'shell', 'console', 'js', 'javascript', 'mjs', 'ts', 'typescript', 'python', 'py']);

function testFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `readmeBlock('...')` call with a literal marker in the test sources, read by TypeScript's own parser. */
function claimedMarkers(): Array<{ marker: string; file: string }> {
  const claims: Array<{ marker: string; file: string }> = [];
  for (const file of testFiles(join(root, 'test'))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'readmeBlock') {
        const [argument] = node.arguments;
        if (argument && (ts.isStringLiteral(argument) || ts.isNoSubstitutionTemplateLiteral(argument))) {
          claims.push({ marker: argument.text, file: relative(root, file) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return claims;
}

const describeBlock = (block: ReadmeBlock) => `README.md:${block.line} (${block.language}) ${JSON.stringify(block.code.split('\n')[0])}`;

describe('README code blocks', () => {
  const blocks = readmeBlocks();
  const claims = claimedMarkers();

  test('README code blocks: each one a reader would run is run by a test or marked with the reason it is not', () => {
    const runnable = blocks.filter((block) => runnableLanguages.has(block.language));
    assert.ok(runnable.length >= 10, `found ${runnable.length} runnable blocks`);
    const claimedLines = new Set(claims.flatMap(({ marker }) => readmeBlocksContaining(marker, blocks).map((block) => block.line)));
    const neither = runnable.filter((block) => !claimedLines.has(block.line) && !block.notRunBecause);
    assert.deepEqual(neither.map(describeBlock), [], 'run these from a test with readmeBlock(marker), or mark them <!-- not run by the tests: reason -->');
    for (const block of runnable.filter((candidate) => candidate.notRunBecause !== undefined)) {
      assert.ok(block.notRunBecause!.length >= 10, `${describeBlock(block)}: the reason says why`);
    }
  });

  test('README code blocks: every marker a test looks a block up by names exactly one block', () => {
    assert.ok(claims.length > 0, 'tests look README blocks up');
    for (const { marker, file } of claims) {
      assert.equal(readmeBlocksContaining(marker, blocks).length, 1, `${file}: readmeBlock(${JSON.stringify(marker)})`);
    }
  });

  test('README code blocks: every fence names a language the check knows (runnable, or YAML and JSON to read), or none', () => {
    const unknown = blocks.filter((block) => block.language !== '' && !runnableLanguages.has(block.language) && block.language !== 'yaml' && block.language !== 'json');
    assert.deepEqual(unknown.map(describeBlock), []);
  });
});
