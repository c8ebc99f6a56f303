// The README's first command: runs ecsfix on a temporary copy of a bundled sample monorepo
// (the bundled files never change). `npm run demo -- peerprep` picks the Python stack.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const sample = process.argv[2] ?? 'kodingcaravan';
const source = new URL(`../fixtures/${sample}`, import.meta.url).pathname;
const copy = join(mkdtempSync(join(tmpdir(), `ecsfix-demo-`)), sample);
cpSync(source, copy, { recursive: true });
const git = (...args) => spawnSync('git', ['-C', copy, ...args], { stdio: 'ignore' });
git('init', '-q');
git('add', '-A');
git('-c', 'user.name=ecsfix demo', '-c', 'user.email=demo@ecsfix.invalid', 'commit', '-qm', 'sample before ecsfix');

const ecsfix = new URL('../bin/ecsfix', import.meta.url).pathname;
const run = (...args) => spawnSync(process.execPath, [ecsfix, ...args], { stdio: 'inherit' }).status;
process.stderr.write(`\n== ecsfix diff ${copy}  (what a reviewer reads; nothing written)\n\n`);
run('diff', copy);
process.stderr.write(`\n== ecsfix apply --yes ${copy}\n\n`);
const applied = run('apply', copy, '--yes');
process.stderr.write(`\n== ecsfix diff again: nothing left to change\n\n`);
const again = run('diff', copy);
process.stderr.write(`\nThe migrated copy is in ${copy} (git diff there shows every change).\n`);
process.exitCode = applied === 0 && again === 0 ? 0 : 1;
