// `npm run bench`: speed and memory of ecsfix on large monorepos made by replicating the bundled
// sample's 17 real-looking services (renamed packages, ports and compose entries; see
// scripts/lib/replicate-sample.mjs), at 17, 170 and 1,700 services by default.
//
// Per size it prints the wall time (start-up included), CPU time, files per second and peak memory
// of `ecsfix diff --json` with every transform (codemods included), and of two runs of
// jscodeshift — the standard codemod runner — over the same TS/JS sources: the
// `worker-graceful-shutdown` codemod alone (codemods/), and a no-op transform that only parses and
// prints each file (babel + recast, what `--parser=ts` does), the baseline the speed target is
// stated against. Also `ecsfix --help`, the ratios, and how cost grows with size.
// Never part of the test suite.
//
//   npm run bench                  17,170,1700 services
//   npm run bench -- 17,510        other sizes
//   npm run bench -- --profile     also writes V8 CPU profiles of each ecsfix run to .bench/ and
//                                  prints where the main thread's time went (model, codemods, ...)
//   npm run bench -- --no-baseline skip jscodeshift
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { replicateSample } from './lib/replicate-sample.mjs';

const args = process.argv.slice(2);
const profile = args.includes('--profile');
const baseline = !args.includes('--no-baseline');
const sizes = (args.find((a) => /^\d/.test(a)) ?? '17,170,1700').split(',').map(Number);
const repoRoot = new URL('..', import.meta.url).pathname;
const bin = join(repoRoot, 'bin', 'ecsfix');
const jscodeshift = join(repoRoot, 'node_modules', 'jscodeshift', 'bin', 'jscodeshift.js');
const work = mkdtempSync(join(tmpdir(), 'ecsfix-bench-'));

// Every node process of a measured command records its peak RSS here on exit (inherited through
// NODE_OPTIONS, so jscodeshift's worker processes report too; their peaks are added up).
const rssHook = join(work, 'rss-hook.cjs');
// CPU time is printed too: on a loaded machine wall time says more about the neighbours.
// Only the main thread records: a worker thread's process.resourceUsage() is the whole process's (counted twice otherwise).
writeFileSync(rssHook, `if (require('worker_threads').isMainThread) process.on('exit', () => { const u = process.resourceUsage(); require('fs').appendFileSync(process.env.BENCH_RSS_FILE, process.pid + ' ' + u.maxRSS + ' ' + (u.userCPUTime + u.systemCPUTime) + '\\n'); });\n`);

function measure(cmd, cmdArgs, { cwd = repoRoot, env = {} } = {}) {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(rssFile, '');
  const started = performance.now();
  const out = spawnSync(cmd, cmdArgs, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${rssHook}`.trim() },
  });
  const ms = performance.now() - started;
  const procs = readFileSync(rssFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ').map(Number));
  const sum = (i) => procs.reduce((a, p) => a + (p[i] ?? 0), 0);
  return { ms, status: out.status, stdout: out.stdout, stderr: out.stderr, rssMb: sum(1) / 1024, cpuMs: sum(2) / 1000, processes: procs.length };
}

/** The phases `ECSFIX_TIMING=1` reports on stderr, in ms: the model, planning (every transform), the codemods' share. */
function timingOf(stderr) {
  const ms = (label) => Number(new RegExp(`^\\s*${label}.*?\\s(\\d+)$`, 'm').exec(stderr)?.[1] ?? NaN);
  return { model: ms('repo model'), transforms: ms('planning'), codemods: ms('TS/JS codemods') };
}

function listFiles(dir, rel = '') {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : listFiles(dir, child);
    return [child];
  });
}

/**
 * Where the main thread's time went, from a V8 CPU profile of a run: inclusive time of the repo
 * model (buildRepoModel), of the source codemods (runCodemod: parse, rewrite, output check), of all
 * planning (planChanges), and the whole profile. A sample counts once per phase however deep the
 * phase's function recurses.
 */
function phasesOf(path) {
  const p = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phase = { buildRepoModel: 0, runCodemod: 0, planChanges: 0, total: 0 };
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    phase.total += dt;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur).callFrame.functionName;
      if (name in phase && !seen.has(name)) {
        seen.add(name);
        phase[name] += dt;
      }
    }
  });
  return { model: phase.buildRepoModel / 1e3, codemods: phase.runCodemod / 1e3, otherTransforms: (phase.planChanges - phase.runCodemod) / 1e3, rest: (phase.total - phase.buildRepoModel - phase.planChanges) / 1e3 };
}

const codemod = ['ts', 'js', 'mjs', 'cjs'].map((ext) => join(repoRoot, 'codemods', `worker-graceful-shutdown.${ext}`)).find(existsSync) ?? null;
const noop = join(work, 'parse-print.cjs');
writeFileSync(noop, `// Parse and print every file, changing nothing: the cost of the runner itself.\nmodule.exports = (file, api) => api.jscodeshift(file.source).toSource();\nmodule.exports.parser = 'ts';\n`);

const help = [0, 1, 2].map(() => measure(process.execPath, [bin, '--help'])).sort((a, b) => a.ms - b.ms)[0];

const rows = [];
for (const services of sizes) {
  const root = join(work, `repo-${services}`);
  replicateSample(root, services);
  const files = listFiles(root);
  const sources = files.filter((f) => /\.(?:[cm]?[jt]sx?)$/.test(f) && !f.endsWith('.d.ts'));
  const bytes = files.reduce((n, f) => n + statSync(join(root, f)).size, 0);
  const runs = services >= 1000 ? 1 : 3;
  const ecs = [];
  for (let r = 0; r < runs; r++) {
    const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(repoRoot, '.bench')}`, `--cpu-prof-name=ecsfix-${services}-${r}.cpuprofile`] : [];
    const m = measure(process.execPath, [...flags, bin, 'diff', '--json', root], { env: { ECSFIX_TIMING: '1' } });
    if (m.status !== 0 && m.status !== 1) throw new Error(`ecsfix diff exited ${m.status}:\n${m.stderr.slice(0, 2000)}`);
    m.timing = timingOf(m.stderr);
    if (profile) m.phases = phasesOf(join(repoRoot, '.bench', `ecsfix-${services}-${r}.cpuprofile`));
    m.changes = JSON.parse(m.stdout).changes.length;
    ecs.push(m);
  }
  const best = ecs.sort((a, b) => a.ms - b.ms)[0];
  // jscodeshift over the same sources: the codemod alone, and parse-and-print only.
  const jscodeshiftRun = (transform) => {
    const m = measure(process.execPath, [jscodeshift, '-t', transform, '--parser=ts', '--extensions=ts,tsx,js,mjs,cjs', '--dry', '--silent', '--run-in-band=false', ...sources.map((s) => join(root, s))]);
    if (m.status !== 0) throw new Error(`jscodeshift -t ${transform} exited ${m.status}:\n${m.stderr.slice(0, 2000)}`);
    return m;
  };
  const js = baseline ? jscodeshiftRun(noop) : null;
  const jsCodemod = baseline && codemod ? jscodeshiftRun(codemod) : null;
  rows.push({ services, files: files.length, sources: sources.length, mb: bytes / 1e6, ecs: best, js, jsCodemod });
  rmSync(root, { recursive: true, force: true });
}

const pad = (v, n) => String(v).padStart(n);
const fmt = (ms) => (ms / 1000).toFixed(2);
console.log(`ecsfix bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
console.log('jscodeshift runs --parser=ts over the same TS/JS sources: "parse+print" is a no-op transform (the baseline of the speed target), "codemod" is codemods/worker-graceful-shutdown alone');
console.log('"transforms s" is ecsfix\'s planning (every transform, the checks of their outputs: main-thread wall time until every file is planned, a worker thread planning the sources and compose files beside it on a large repo) and "codemods s" the TS/JS codemods\' runs on the main thread, as ECSFIX_TIMING=1 reports them; the repo model, start-up and output are not in them');
console.log(`ecsfix --help: ${help.ms.toFixed(0)} ms wall, ${help.cpuMs.toFixed(0)} ms CPU, ${help.rssMb.toFixed(0)} MB`);
console.log(`load average at start: ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${cpus().length} cores (CPU s is the better figure when it is high)\n`);
const table = [['services', 'files', 'sources', 'MB', 'ecsfix wall s', 'CPU s', 'files/s', 'peak MB', 'changes', 'transforms s', 'codemods s', 'parse+print wall s', 'CPU s', 'files/s', 'peak MB', 'codemod wall s', 'CPU s', 'ecsfix/parse+print wall', 'CPU', 'transforms/parse+print CPU', 'codemods/parse+print CPU']];
const ratio = (a, b) => (b ? `${(a / b).toFixed(2)}x` : '-');
for (const r of rows) {
  const e = r.ecs;
  table.push([r.services, r.files, r.sources, r.mb.toFixed(1), fmt(e.ms), fmt(e.cpuMs), (r.files / (e.ms / 1000)).toFixed(0), e.rssMb.toFixed(0), e.changes,
    fmt(e.timing.transforms), fmt(e.timing.codemods),
    r.js ? fmt(r.js.ms) : '-', r.js ? fmt(r.js.cpuMs) : '-', r.js ? (r.sources / (r.js.ms / 1000)).toFixed(0) : '-', r.js ? r.js.rssMb.toFixed(0) : '-',
    r.jsCodemod ? fmt(r.jsCodemod.ms) : '-', r.jsCodemod ? fmt(r.jsCodemod.cpuMs) : '-',
    ratio(e.ms, r.js?.ms), ratio(e.cpuMs, r.js?.cpuMs), ratio(e.timing.transforms, r.js?.cpuMs), ratio(e.timing.codemods, r.js?.cpuMs)].map(String));
}
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table) console.log(row.map((cell, c) => pad(cell, widths[c])).join('  '));
for (let i = 1; i < rows.length; i++) {
  const a = rows[i - 1];
  const b = rows[i];
  console.log(`growth ${a.services} -> ${b.services} services (${(b.services / a.services).toFixed(0)}x): ecsfix wall ${(b.ecs.ms / a.ecs.ms).toFixed(1)}x, CPU ${(b.ecs.cpuMs / a.ecs.cpuMs).toFixed(1)}x, memory ${(b.ecs.rssMb / a.ecs.rssMb).toFixed(1)}x`);
}
for (const r of rows.filter((row) => row.ecs.phases)) {
  const ph = r.ecs.phases;
  const vsBaseline = r.js ? `; the codemods' CPU is ${ratio(ph.codemods, r.js.cpuMs)} jscodeshift's parse+print CPU` : '';
  console.log(`phases at ${r.services} services (main thread, CPU profile): repo model ${fmt(ph.model)} s, source codemods ${fmt(ph.codemods)} s, other transforms ${fmt(ph.otherTransforms)} s, start-up, output and GC ${fmt(ph.rest)} s${vsBaseline}`);
}
rmSync(work, { recursive: true, force: true });
