// The README's first command: runs ecsfix on a temporary copy of a bundled sample monorepo
// (the bundled files never change). `npm run demo -- peerprep` picks the Python stack.
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;
// The sample monorepos: every fixture directory except the per-transform pairs.
const samples = readdirSync(fixtures, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'transforms')
  .map((e) => e.name)
  .sort();
const sample = process.argv[2] ?? 'kodingcaravan';
if (!samples.includes(sample) || !existsSync(join(fixtures, sample))) {
  process.stderr.write(`demo: there is no sample "${sample}"; the samples are: ${samples.join(', ')} (npm run demo -- ${samples[0]})\n`);
  process.exit(2);
}
const copy = join(mkdtempSync(join(tmpdir(), `ecsfix-demo-`)), sample);
cpSync(join(fixtures, sample), copy, { recursive: true });
const git = (...args) => spawnSync('git', ['-C', copy, ...args], { stdio: 'ignore' });
git('init', '-q');
git('add', '-A');
git('-c', 'user.name=ecsfix demo', '-c', 'user.email=demo@ecsfix.invalid', 'commit', '-qm', 'sample before ecsfix');

const ecsfix = new URL('../bin/ecsfix', import.meta.url).pathname;
const run = (...args) => spawnSync(process.execPath, [ecsfix, ...args], { stdio: 'inherit' }).status;
process.stderr.write(`\n== ecsfix diff ${copy}  (what a reviewer reads; nothing written)\n\n`);
run('diff', copy);
// The diff above already showed every warning; apply says only what it wrote.
process.stderr.write(`\n== ecsfix apply --yes --quiet ${copy}\n\n`);
const applied = run('apply', copy, '--yes', '--quiet');
spawnSync('git', ['-C', copy, 'diff', '--stat'], { stdio: 'inherit' });
process.stderr.write(`\n== ecsfix diff again: nothing left to change\n\n`);
const again = run('diff', copy, '--quiet');
process.stderr.write(`\nThe migrated copy is in ${copy} (git diff there shows every change).\n`);
process.exitCode = applied === 0 && again === 0 ? 0 : 1;
