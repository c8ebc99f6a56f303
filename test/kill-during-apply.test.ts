/**
 * Writes you can trust: SIGKILL at random moments while ecsfix writes, on a large repo generated
 * from the sample's services. After every kill each file the plan changes is wholly old or wholly
 * new and keeps its mode; temp files a killed run left behind are ignored by the model and removed
 * by the next run.
 *
 * Most kills hit a child process running exactly apply's write step (`writeFiles`, bundled from
 * src/run/write.ts) on the plan computed once, with the kill delay steered into the write phase so
 * that many land between two files or inside one; a few more kill the real `ecsfix apply` CLI at
 * random moments of its whole run. Each child is a fresh process, so every kill is a real SIGKILL.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRepoModel } from '../src/repo/discover.js';
import { planChanges, type FileChange } from '../src/run/plan.js';
import { isTempName } from '../src/run/write.js';
import { TRANSFORMS } from '../transforms/index.js';
import { replicateSample } from '../scripts/lib/replicate-sample.mjs';

const SERVICES = 85; // five copies of the sample's 17 services
const KILLS_PER_LANE = 110; // two lanes in parallel: 220 kills of the writer
const CLI_KILLS = 4; // on the 17-service sample: each run of the real CLI costs its whole start-up and plan
const MODES = [0o644, 0o640, 0o600, 0o755];
const BIN = join(import.meta.dirname, '..', 'bin', 'ecsfix');

interface Fixture {
  root: string;
  changes: FileChange[];
  modes: Map<string, number>;
}

let pristine: Fixture;
let driver: string;
const dirs: string[] = [];
const tempDir = () => dirs[dirs.push(mkdtempSync(join(tmpdir(), 'ecsfix-kill-'))) - 1] as string;
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function plan(root: string): FileChange[] {
  const repo = buildRepoModel(root);
  // The files the Dockerfile and compose transforms write: what the writer is tested on (the TS/JS
  // codemods add source files to write but nothing to what a kill can leave behind).
  return planChanges(repo, TRANSFORMS.filter((t) => !t.kinds.includes('source')), {}, (p) => readFileSync(join(repo.root, p), 'utf8')).changes;
}

function copyFixture(): Fixture {
  const root = join(tempDir(), 'repo');
  cpSync(pristine.root, root, { recursive: true });
  return { ...pristine, root };
}

function generate(services: number): Fixture {
  const root = join(tempDir(), 'repo');
  replicateSample(root, services);
  const changes = plan(root);
  const modes = new Map<string, number>();
  changes.forEach((c, i) => {
    const mode = MODES[i % MODES.length] as number;
    chmodSync(join(root, c.path), mode);
    modes.set(c.path, mode);
  });
  return { root, changes, modes };
}

/** Every changed file wholly old or wholly new, with its mode; returns how many are new. */
function inspect(f: Fixture): { fresh: number; temps: string[] } {
  let fresh = 0;
  for (const c of f.changes) {
    const abs = join(f.root, c.path);
    const text = readFileSync(abs, 'utf8');
    if (text === c.after) fresh++;
    else expect(text === c.before, `${c.path} is neither the old nor the new contents (${text.length} bytes)`).toBe(true);
    expect(statSync(abs).mode & 0o7777, `${c.path} mode`).toBe(f.modes.get(c.path));
  }
  const temps = [...new Set(f.changes.map((c) => posix.dirname(c.path)))].flatMap((d) => readdirSync(join(f.root, d)).filter(isTempName).map((n) => `${d}/${n}`));
  return { fresh, temps };
}

function restore(f: Fixture): void {
  for (const c of f.changes) if (readFileSync(join(f.root, c.path), 'utf8') !== c.before) writeFileSync(join(f.root, c.path), c.before);
}

function run(args: string[], killAfterMs: number | null): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve(code);
    });
  });
}

beforeAll(() => {
  pristine = generate(SERVICES);
  const { changes } = pristine;
  const dir = tempDir();
  driver = join(dir, 'write-driver.mjs');
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(changes.map((c) => ({ path: c.path, contents: c.after }))));
  writeFileSync(
    join(dir, 'entry.ts'),
    `import { readFileSync } from 'node:fs';\nimport { writeFiles } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'run', 'write.ts'))};\n` +
      `writeFiles(process.argv[2], JSON.parse(readFileSync(${JSON.stringify(join(dir, 'plan.json'))}, 'utf8')));\n`,
  );
  buildSync({ entryPoints: [join(dir, 'entry.ts')], outfile: driver, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
}, 60_000);

describe('SIGKILL during apply', () => {
  it('the generated repo has many files to write', () => {
    expect(pristine.changes.length).toBeGreaterThanOrEqual(SERVICES);
  });

  it('leaves every file wholly old or wholly new with its mode, over 200 kills; the next run cleans up', async () => {
    const lane = async (seed: number) => {
      const f = copyFixture();
      let rand = seed;
      const random = () => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      // Start from the time a whole run takes, then steer the delay into the write phase: later
      // when nothing was written yet, earlier when everything was (the machine's load varies).
      const started = performance.now();
      await run([driver, f.root], null);
      let delay = (performance.now() - started) * 0.85;
      restore(f);
      const counts = { before: 0, during: 0, after: 0, leftovers: 0 };
      for (let k = 0; k < KILLS_PER_LANE; k++) {
        const wait = Math.max(1, delay * (0.85 + 0.3 * random()));
        await run([driver, f.root], wait);
        const { fresh, temps } = inspect(f);
        if (fresh === 0) (counts.before++, (delay *= 1.08));
        else if (fresh === f.changes.length) (counts.after++, (delay /= 1.08));
        else counts.during++;
        if (temps.length) counts.leftovers++;
        restore(f);
      }
      return { f, counts };
    };
    const lanes = await Promise.all([lane(7), lane(1234567)]);
    const total = lanes.reduce((n, l) => n + l.counts.before + l.counts.during + l.counts.after, 0);
    const during = lanes.reduce((n, l) => n + l.counts.during, 0);
    expect(total).toBeGreaterThanOrEqual(200);
    if (process.env.KILL_STATS) console.log(JSON.stringify(lanes.map((l) => l.counts)));
    expect(during, JSON.stringify(lanes.map((l) => l.counts))).toBeGreaterThanOrEqual(total / 10);

    const { f } = lanes[0] as (typeof lanes)[number];
    // Leftover temp files are invisible to the model: the plan is the same with them lying around.
    const { temps } = inspect(f);
    expect(plan(f.root).map((c) => [c.path, c.after])).toEqual(f.changes.map((c) => [c.path, c.after]));
    // A run that completes writes everything and removes what killed runs left behind.
    expect(await run([driver, f.root], null)).toBe(0);
    const after = inspect(f);
    expect(after.fresh).toBe(f.changes.length);
    expect(after.temps).toEqual([]);
    for (const t of temps) expect(existsSync(join(f.root, t))).toBe(false);
  }, 300_000); // ~15 s on an idle 2-core machine; generous for a loaded one

  it('killing the real `ecsfix apply` at random moments leaves files old or new; a rerun completes', async () => {
    const f = generate(17);
    const started = performance.now();
    expect(await run([BIN, 'apply', f.root, '--yes'], null)).toBe(0);
    const full = performance.now() - started;
    expect(inspect(f).fresh).toBe(f.changes.length);
    for (let k = 0; k < CLI_KILLS; k++) {
      restore(f);
      await run([BIN, 'apply', f.root, '--yes'], full * (0.4 + (0.7 * k) / CLI_KILLS));
      inspect(f);
    }
    expect(await run([BIN, 'apply', f.root, '--yes'], null)).toBe(0);
    const done = inspect(f);
    expect(done.fresh).toBe(f.changes.length);
    expect(done.temps).toEqual([]);
  }, 300_000); // ~15 s on an idle 2-core machine; generous for a loaded one
});
