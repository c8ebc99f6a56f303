// Rewrites the README's finding-code section from the registry (src/findings/codes-*.ts).
// The test in test/findings.test.ts fails when the README is out of date.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const out = await build({ entryPoints: ['src/findings/readme.ts'], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'warning' });
const { withCodesSection } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
const path = new URL('../README.md', import.meta.url);
const next = withCodesSection(readFileSync(path, 'utf8'));
if (next === null) {
  console.error('README.md has no finding-codes markers; add the start and end markers where the section belongs');
  process.exit(1);
}
writeFileSync(path, next);
