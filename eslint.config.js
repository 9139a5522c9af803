// ESLint for the whole repository (flat config). Two jobs: the usual TypeScript hygiene, and the workflow bundle's
// boundary. Code under src/workflows and src/shared runs inside Temporal's deterministic sandbox and is replayed
// from history, so it may load only deterministic modules: @temporalio/workflow, @temporalio/common, zod, other
// shared modules, and anything as a type (types are erased). A value import of anything else (node:fs, the
// Anthropic SDK, an activity) would either fail the bundle or, worse, make replay diverge.
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const bundlePackages = '@temporalio/workflow|@temporalio/common|zod';
const bundleMessage =
  'workflow bundle: src/workflows and src/shared may import only @temporalio/workflow, @temporalio/common, zod and src/shared (anything else as `import type`)';

/** `no-restricted-imports` for a bundle folder: packages outside the allowed list, and relative paths that leave `allowedRelative`. */
function bundleBoundary(allowedRelative) {
  return [
    'error',
    {
      patterns: [
        { regex: `^(?!(${bundlePackages})$)(?!\\.)`, allowTypeImports: true, message: bundleMessage },
        { regex: `^\\.(?!${allowedRelative})`, allowTypeImports: true, message: bundleMessage },
      ],
    },
  ];
}

/** Host state that replay cannot reproduce: the environment, timers and randomness of the worker process. */
const hostGlobals = [
  { name: 'process', message: 'workflow bundle: no process or environment in workflow code (read settings in an activity)' },
  { name: 'setTimeout', message: 'workflow bundle: use sleep() or condition() from @temporalio/workflow' },
  { name: 'setInterval', message: 'workflow bundle: use sleep() or condition() from @temporalio/workflow' },
  { name: 'crypto', message: 'workflow bundle: use uuid4() from @temporalio/workflow' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.keel/', 'bench/out/', 'test/fixtures/', '**/*.py'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js'] })] },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'import-x/no-cycle': 'error',
      // A `let` read by a closure before its one assignment (a handle a callback needs) cannot be a `const`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['src/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
    },
  },
  // Activity factories return their activities as an object whose inferred type *is* the interface the workflow
  // proxies (`ReturnType<typeof createActivities>`): writing it out by hand would say the same twice.
  {
    files: ['src/activities/**/*.ts', 'bench/workflows/*-activities.ts'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
  // The bundle folders: each may reach only itself and src/shared.
  {
    files: ['src/workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': bundleBoundary('/|\\./shared/'), 'no-restricted-globals': ['error', ...hostGlobals] },
  },
  {
    files: ['src/shared/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': bundleBoundary('/'), 'no-restricted-globals': ['error', ...hostGlobals] },
  },
  {
    files: ['src/shared/*/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': bundleBoundary('/|\\./(?!\\.)'), 'no-restricted-globals': ['error', ...hostGlobals] },
  },
  // The scripted model server records request bodies of any shape for tests to read: `any` is its honest type.
  { files: ['src/dev/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Tests and scripts may be looser about types of test doubles and JSON read back from servers.
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
