import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundleFolders = ['src/workflows', 'src/shared'].map((folder) => join(root, folder));
const allowedPackages = new Set(['@temporalio/workflow', '@temporalio/common', 'zod']);

function listTypeScript(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return listTypeScript(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Value imports (and re-exports) of a file: what webpack pulls into the workflow bundle. Type-only ones are erased. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.every((element) => element.isTypeOnly));
      if (!typeOnly) found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      found.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return found;
}

describe('workflow bundle', () => {
  const files = bundleFolders.flatMap(listTypeScript);

  test('workflow bundle: workflow and shared code import only deterministic modules', () => {
    assert.ok(files.length > 5);
    const offences: string[] = [];
    for (const file of files) {
      for (const specifier of valueImports(file)) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (!bundleFolders.some((folder) => target.startsWith(folder))) offences.push(`${relative(root, file)} imports ${specifier} (outside src/workflows and src/shared)`);
        } else if (!allowedPackages.has(specifier)) {
          offences.push(`${relative(root, file)} imports ${specifier}`);
        }
      }
    }
    assert.deepEqual(offences, []);
  });

  test('workflow bundle: no environment, clock or randomness from the host', () => {
    const offences = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return ['process.env', 'process.', 'setTimeout(', 'setInterval(', 'crypto.'].filter((needle) => text.includes(needle)).map((needle) => `${relative(root, file)} uses ${needle}`);
    });
    assert.deepEqual(offences, []);
  });
});
