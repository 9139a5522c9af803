#!/usr/bin/env node
// `keel`: runs the TypeScript CLI (src/cli/main.ts) through tsx, as the project runs all its TypeScript.
import 'tsx';

await import('../src/cli/main.ts');
