/**
 * Builds the console (a Preact app) into dist/console/, which `keel serve` serves at /console/. Vite 8 transforms
 * with oxc: JSX goes to Preact's automatic runtime without a preset. Everything is bundled; nothing is fetched from
 * a CDN at run time. Run by `npm run build:console` (and `npm run build`), and by the console tests when the
 * output is missing or older than the sources.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
  },
});
