// A worker thread plans the TS/JS sources with a copy of the repo model (src/run/parallel.ts).
// 1. The main thread's side of the protocol, with a stand-in worker: outcomes from both threads are
//    merged in file order, and whatever the worker cannot deliver is planned by the main thread.
// 2. The worker's copy of the model: what it leaves out throws when read (main then plans the file).
// 3. The bundled CLI with the real worker (dist/plan-worker.js) prints the same plan as one thread.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample } from './helpers/tmp.js';
import { portableModel, restoredModel, workerSharing } from '../src/run/parallel.js';
import { buildRepoModel, mayBeJsSource } from '../src/repo/discover.js';
import { offerFacts, sourceFacts, supplyFacts } from '../src/source/index.js';
import { readFileSync } from 'node:fs';
import type { FileOutcome, FilePlanner } from '../src/run/plan.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'ecsfix');

/** A worker speaking servePlanShare's protocol; `job.mode` makes it misbehave. */
const STAND_IN = `
import { workerData } from 'node:worker_threads';
const { counters: buffer, port } = workerData;
const counters = new Int32Array(buffer);
const post = (m) => { port.postMessage(m); Atomics.add(counters, 1, 1); Atomics.notify(counters, 1); };
port.on('message', (message) => {
  if (!message.job) return;
  const job = message.job;
  const paths = job.paths;
  // Claims from the front of the shared list (slot 0; main from the back, slot 2), under the lock (slot 3), as servePlanShare does.
  const claim = () => {
    while (Atomics.compareExchange(counters, 3, 0, 1) !== 0);
    try {
      const front = Atomics.load(counters, 0), back = Atomics.load(counters, 2);
      if (front >= back) return -1;
      Atomics.store(counters, 0, front + 1);
      return front;
    } finally {
      Atomics.store(counters, 3, 0);
    }
  };
  for (let i = claim(); i !== -1; i = claim()) {
    if (job.mode === 'fatal') { post({ fatal: 'broken' }); break; }
    post({ index: i, outcome: job.mode === 'throws' ? null : { reads: [], failures: [], otherFiles: [], change: null, steps: [], findings: [{ code: 'worker', message: paths[i] }] } });
  }
  port.close();
});
`;

const paths = Array.from({ length: 24 }, (_, i) => `services/s${String(i).padStart(2, '0')}/src/index.ts`);
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Plans slowly on the main thread (15 ms a file), so the stand-in claims files too. Every other file is shared. */
const planner: FilePlanner = {
  paths,
  planFile(path: string): FileOutcome {
    Atomics.wait(pause, 0, 0, 15);
    return { reads: [], failures: [], otherFiles: [], change: null, steps: [], findings: [{ code: 'main', message: path, severity: 'info' }] };
  },
};

const shared = paths.flatMap((_, i) => (i % 2 ? [i] : []));
const repo = buildRepoModel(join(import.meta.dirname, '..', 'fixtures', 'kodingcaravan'));

function planAll(mode: string, minShared = 1, warmUp = false) {
  const sharing = workerSharing(new URL(`data:text/javascript,${encodeURIComponent(STAND_IN)}`), { mode }, { minShared });
  if (warmUp) sharing.warmUp?.(Array.from({ length: 1000 }, (_, i) => `f${i}.json`), '/nonexistent');
  return sharing.planAll(planner, repo, shared).map((o) => o.findings[0]);
}

describe('planning on two threads', () => {
  it('merges both threads\' outcomes in file order; the worker plans shared files only', () => {
    const merged = planAll('normal');
    expect(merged.map((f) => f?.message)).toEqual(paths);
    expect(merged.filter((f) => f?.code === 'worker').length).toBeGreaterThan(0);
    expect(merged.filter((f) => f?.code === 'main').length).toBeGreaterThan(0);
    merged.forEach((f, i) => {
      if (!shared.includes(i)) expect(f?.code).toBe('main');
    });
  });

  it('plans with a worker started while the model was built', () => {
    const merged = planAll('normal', 1, true);
    expect(merged.map((f) => f?.message)).toEqual(paths);
    expect(merged.filter((f) => f?.code === 'worker').length).toBeGreaterThan(0);
  });

  it('starts no worker for fewer shared files than it pays for', () => {
    expect(planAll('normal', shared.length + 1).every((f) => f?.code === 'main')).toBe(true);
  });

  it.each(['throws', 'fatal'])('plans on the main thread what a worker cannot deliver (%s)', (mode) => {
    const merged = planAll(mode);
    expect(merged.map((f) => f?.message)).toEqual(paths);
    expect(merged.every((f) => f?.code === 'main')).toBe(true);
  });

  it('the worker\'s model reads the parsed Dockerfiles again from the repo, and is otherwise the same', () => {
    const copy = restoredModel(structuredClone(portableModel(repo)));
    for (const [path, entry] of repo.dockerfiles) {
      expect(entry.parsed).not.toBeNull();
      const again = copy.dockerfiles.get(path)?.parsed;
      expect(again?.text).toBe(entry.parsed?.text);
      expect(again?.stages.map((s) => [s.name, s.fromRef, s.base.family, s.user])).toEqual(entry.parsed?.stages.map((s) => [s.name, s.fromRef, s.base.family, s.user]));
    }
    expect(copy.services).toEqual(repo.services);
    expect(copy.files).toEqual(repo.files);
  });

  it('copies a model with .dockerignore and <Dockerfile>.dockerignore matchers, read again in the copy', () => {
    const withIgnores = buildRepoModel(join(import.meta.dirname, '..', 'fixtures', 'transforms', 'dockerfile-frozen-lockfile', 'pnpm-dockerfile-ignore-replaces-root-ignore', 'before'));
    expect(withIgnores.dockerignores?.size).toBeGreaterThan(0);
    expect(withIgnores.dockerfileIgnores?.size).toBeGreaterThan(0);
    const copy = restoredModel(structuredClone(portableModel(withIgnores)));
    for (const key of ['dockerignores', 'dockerfileIgnores'] as const) {
      const here = withIgnores[key] as NonNullable<typeof withIgnores.dockerignores>;
      const there = copy[key] as NonNullable<typeof withIgnores.dockerignores>;
      expect([...there.keys()]).toEqual([...here.keys()]);
      for (const [at, ignore] of here) {
        const other = there.get(at);
        expect(other?.file).toBe(ignore.file);
        for (const path of withIgnores.files) expect(other?.ignored(path)).toEqual(ignore.ignored(path));
      }
    }
    expect(copy.services).toEqual(withIgnores.services);
  });

  it('uses facts another thread read only for the same text, taken when a file\'s are missing', () => {
    const text = 'import express from "express";\nconst app = express();\napp.listen(process.env.PORT || 3000);\n';
    const read = sourceFacts('elsewhere/a.ts', text);
    let asked = 0;
    supplyFacts(() => {
      asked++;
      offerFacts('offered/a.ts', text, read);
      offerFacts('offered/b.ts', 'another text', read);
    });
    try {
      expect(sourceFacts('offered/a.ts', text)).toBe(read);
      expect(asked).toBe(1);
      expect(sourceFacts('offered/b.ts', text)).not.toBe(read); // offered for another text: read here
      expect(sourceFacts('offered/b.ts', text)).toEqual(read);
    } finally {
      supplyFacts(null);
    }
  });

  it('source facts cross threads unchanged (every JS/TS source of the samples and the corpus)', () => {
    const roots = [join(import.meta.dirname, '..', 'fixtures', 'kodingcaravan'), join(import.meta.dirname, '..', 'fixtures', 'corpus')];
    let checked = 0;
    for (const root of roots) {
      const model = buildRepoModel(root);
      for (const file of model.files.filter(mayBeJsSource)) {
        const facts = sourceFacts(file, readFileSync(join(model.root, file), 'utf8'));
        expect(structuredClone(facts)).toStrictEqual(facts);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  const diff = (dir: string, threads: string) => spawnSync(process.execPath, [BIN, 'diff', '--json', dir], { encoding: 'utf8', env: { ...process.env, ECSFIX_THREADS: threads, ECSFIX_DEBUG_SHARE: threads === '1' ? '' : '1' } });
  const result = ({ status, stdout, stderr }: ReturnType<typeof diff>) => ({ status, stdout, stderr: stderr.replace(/^the worker .*\n/gm, '') });

  it.each(['kodingcaravan', join('corpus', 'nest-events')])('the CLI prints the same plan for %s as with one thread', (name) => {
    const dir = copySample(name);
    const one = diff(dir, '1');
    expect(one.stderr).toBe('');
    expect(JSON.parse(one.stdout).changes.length).toBeGreaterThan(0);
    expect(result(diff(dir, '2'))).toEqual(result(one));
  });

  // ECSFIX_THREADS=worker: main plans only the compose files, the worker every Dockerfile and source
  // (on a large repo it takes Dockerfiles once it has run out of sources), with the model's copy.
  it.each(['kodingcaravan', 'peerprep', 'verify', ...['edge-shapes', 'legacy-npm', 'nest-events', 'py-platform', 'shop-pnpm'].map((r) => join('corpus', r))])(
    'the worker plans every Dockerfile and source of %s as one thread does',
    (name) => {
      const dir = copySample(name);
      const one = diff(dir, '1');
      const worker = diff(dir, 'worker');
      expect(result(worker)).toEqual(result(one));
      // Every shared file was planned there: none left to main, none it failed on.
      const [, shared] = /main planned 0 of (\d+) shared files/.exec(worker.stderr) ?? [];
      expect(Number(shared)).toBeGreaterThan(0);
      expect(worker.stderr).toContain(`the worker delivered ${shared} of ${shared}`);
    },
  );
});
