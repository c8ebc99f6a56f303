// Bundles the CLI into dist/cli.js so `bin/ecsfix` starts fast without compiling TypeScript.
// Runs on `npm ci` (prepare) and before the tests; dependencies stay external.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await build({
  // plan-worker: the worker thread that plans a share of a large repo's files (src/run/parallel.ts).
  entryPoints: { cli: 'src/cli/main.ts', 'plan-worker': 'src/cli/plan-worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  define: { __ECSFIX_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
