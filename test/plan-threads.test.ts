// ECSFIX_THREADS=2 plans a share of the files in a worker thread (src/run/parallel.ts).
// 1. The main thread's side of the protocol, with a stand-in worker: outcomes from both threads are
//    merged in file order, and whatever the worker cannot deliver is planned by the main thread.
// 2. The bundled CLI with the real worker (dist/plan-worker.js) prints the same plan as one thread.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample } from './helpers/tmp.js';
import { startPlanWorker } from '../src/run/parallel.js';
import type { FileOutcome, FilePlanner } from '../src/run/plan.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'ecsfix');

/** A worker speaking servePlanShare's protocol; `job.mode` makes it misbehave. */
const STAND_IN = `
import { workerData } from 'node:worker_threads';
const { counters: buffer, port, job } = workerData;
const counters = new Int32Array(buffer);
const post = (m) => { port.postMessage(m); Atomics.add(counters, 1, 1); Atomics.notify(counters, 1); };
const paths = job.mode === 'other-paths' ? [...job.paths, 'extra'] : job.paths;
post({ paths });
for (let i = Atomics.add(counters, 0, 1); i < paths.length; i = Atomics.add(counters, 0, 1)) {
  if (job.mode === 'fatal') { post({ fatal: 'broken' }); break; }
  post({ index: i, outcome: job.mode === 'throws' ? null : { reads: [], failures: [], otherFiles: [], change: null, steps: [], findings: [{ code: 'worker', message: paths[i] }] } });
}
port.close();
`;

const paths = Array.from({ length: 24 }, (_, i) => `services/s${String(i).padStart(2, '0')}/src/index.ts`);
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Plans slowly on the main thread (15 ms a file), so the stand-in claims files too. */
const planner: FilePlanner = {
  paths,
  planFile(path: string): FileOutcome {
    Atomics.wait(pause, 0, 0, 15);
    return { reads: [], failures: [], otherFiles: [], change: null, steps: [], findings: [{ code: 'main', message: path, severity: 'info' }] };
  },
};

function planAll(mode: string) {
  const sharing = startPlanWorker(new URL(`data:text/javascript,${encodeURIComponent(STAND_IN)}`), { paths, mode });
  if (!sharing) throw new Error('no worker');
  return sharing.planAll(planner).map((o) => o.findings[0]);
}

describe('planning on two threads', () => {
  it('merges both threads\' outcomes in file order', () => {
    const merged = planAll('normal');
    expect(merged.map((f) => f?.message)).toEqual(paths);
    expect(merged.filter((f) => f?.code === 'worker').length).toBeGreaterThan(0);
    expect(merged.filter((f) => f?.code === 'main').length).toBeGreaterThan(0);
  });

  it.each(['other-paths', 'throws', 'fatal'])('plans on the main thread what a worker cannot deliver (%s)', (mode) => {
    const merged = planAll(mode);
    expect(merged.map((f) => f?.message)).toEqual(paths);
    expect(merged.every((f) => f?.code === 'main')).toBe(true);
  });

  it.each(['kodingcaravan', join('corpus', 'nest-events')])('the CLI prints the same plan for %s as with one thread', (name) => {
    const dir = copySample(name);
    const diff = (threads: string) => spawnSync(process.execPath, [BIN, 'diff', '--json', dir], { encoding: 'utf8', env: { ...process.env, ECSFIX_THREADS: threads } });
    const one = diff('1');
    const two = diff('2');
    expect(one.stderr).toBe('');
    expect(JSON.parse(one.stdout).changes.length).toBeGreaterThan(0);
    expect({ status: two.status, stdout: two.stdout, stderr: two.stderr }).toEqual({ status: one.status, stdout: one.stdout, stderr: one.stderr });
  });
});
