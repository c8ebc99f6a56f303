// ECSFIX_THREADS=2 plans a share of the files in a worker thread (src/run/parallel.ts): the plan,
// and so every byte `diff --json` prints, must be the one a single thread makes. Runs the bundled
// CLI (the worker is dist/plan-worker.js).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample } from './helpers/tmp.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'ecsfix');

function diffJson(dir: string, threads: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, 'diff', '--json', dir], { encoding: 'utf8', env: { ...process.env, ECSFIX_THREADS: threads } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('planning on two threads', () => {
  it.each(['kodingcaravan', join('corpus', 'nest-events')])('%s: the same plan as one thread', (name) => {
    const dir = copySample(name);
    const one = diffJson(dir, '1');
    const two = diffJson(dir, '2');
    expect(one.stderr).toBe('');
    expect(JSON.parse(one.stdout).changes.length).toBeGreaterThan(0);
    expect(two).toEqual(one);
  });
});
