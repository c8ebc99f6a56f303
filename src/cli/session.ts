/**
 * What every command starts from: the repo model and the plan for the selected transforms.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { planRepo, type RepoPlan } from '../run/engine.js';
import { workerSharing } from '../run/parallel.js';
import type { PlanSharing } from '../run/plan.js';
import type { PlanJob } from './plan-worker.js';
import type { Transform, TransformOptions } from '../transform.js';
import { TRANSFORMS } from '../../transforms/index.js';
import { UsageError } from './errors.js';
import { inScope } from './root.js';
import { didYouMean } from './suggest.js';

export interface Selection {
  transforms: string[];
  skip: string[];
}

/** Resolves `-t`/`--skip` (repeatable, comma-separated) to transforms in their fixed order. */
export function selectTransforms(selection: Selection): Transform[] {
  const split = (values: string[]) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const wanted = split(selection.transforms);
  const skipped = split(selection.skip);
  const known = TRANSFORMS.map((t) => t.id);
  const unknown = [...wanted, ...skipped].filter((id) => !known.includes(id));
  if (unknown.length === 1 && didYouMean(unknown[0] as string, known))
    throw new UsageError(`unknown transform "${unknown[0]}"${didYouMean(unknown[0] as string, known)}; valid ids: ${known.join(', ')}`);
  if (unknown.length)
    throw new UsageError(`unknown transform ${unknown.map((u) => `"${u}"`).join(', ')}; valid ids: ${known.join(', ')}`);
  return TRANSFORMS.filter((t) => (wanted.length === 0 || wanted.includes(t.id)) && !skipped.includes(t.id));
}

/** The directory to work on, absolute; says whether a bad one does not exist or is not a directory. */
export function resolveDir(dir: string | undefined): string {
  const path = resolve(dir ?? '.');
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new UsageError(`${dir ?? '.'} does not exist`);
  }
  if (!isDirectory) throw new UsageError(`${dir ?? '.'} is not a directory; give the repo's directory (ecsfix diff <dir>)`);
  return path;
}

/** A planned run, as the commands hold it. */
export interface Session extends RepoPlan {
  /** Whether a path is within what the user asked for (the subtree, `--only`). */
  keep: (path: string) => boolean;
}

/** Whether `path` is one of the `--only` paths or inside one of them (a directory). */
export function inOnly(only: string[], path: string): boolean {
  return only.length === 0 || only.some((o) => {
    const prefix = o.replace(/^\.\//, '').replace(/\/+$/, '');
    return path === prefix || path.startsWith(`${prefix}/`);
  });
}

export interface Limits {
  /** `--only` paths, root-relative. */
  only?: string[];
  /** The subtree the user ran in, root-relative ('' = the whole repo). */
  scope?: string;
}

/** The bundled worker script (dist/plan-worker.js); absent when running from the sources (tests). */
const PLAN_WORKER = new URL('./plan-worker.js', import.meta.url);

/**
 * Planning on two threads (src/run/parallel.ts): a worker plans the TS/JS sources with a copy of the
 * repo model while this thread plans the Dockerfiles and compose files, when the machine has a
 * second core, the repo has enough sources to pay for the worker, and the transforms are the
 * registry's (the worker picks them by id). `ECSFIX_THREADS=1` keeps planning on one thread.
 */
function planSharing(transforms: Transform[], options: TransformOptions & Limits): PlanSharing | undefined {
  if (process.env.ECSFIX_THREADS === '1' || availableParallelism() < 2 || !existsSync(PLAN_WORKER)) return undefined;
  const ids = transforms.map((t) => t.id);
  if (ids.join() !== TRANSFORMS.filter((t) => transforms.includes(t)).map((t) => t.id).join()) return undefined;
  const job: PlanJob = { transforms: ids, options: { ...options } };
  // The sources whose facts' parses the worker keeps for the codemods (src/source/keptParses.ts).
  const keep = transforms.flatMap((t) => (t.sourceTokens ? [t.sourceTokens] : []));
  // `2`: the worker whatever the repo's size; `worker`: and it plans every file it can (the tests' check that it plans them as main would).
  const threads = process.env.ECSFIX_THREADS;
  if (threads === '2' || threads === 'worker') return workerSharing(PLAN_WORKER, job, { minShared: 1, warmUpFiles: 0, keep, mainClaims: threads === '2' });
  return workerSharing(PLAN_WORKER, job, { keep });
}

/**
 * `ECSFIX_TIMING=1`: where the run's time went (as ESLint's `TIMING`), for a user who wants to know
 * which transform is slow on their repo, and for `npm run bench`.
 */
export function timingReport(session: RepoPlan): string {
  const { modelMs, planMs, transformMs } = session.timing;
  const source = session.transforms.filter((t) => t.kinds.includes('source')).map((t) => t.id);
  const codemodMs = source.reduce((sum, id) => sum + (transformMs[id] ?? 0), 0);
  const rows: [string, number][] = [
    ['repo model', modelMs],
    ['planning (every transform, output checks)', planMs],
    ['  TS/JS codemods', codemodMs],
    ...Object.entries(transformMs)
      .sort((a, b) => b[1] - a[1])
      .map(([id, ms]): [string, number] => [`    ${id}`, ms]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return `ecsfix timing (ms of wall time on the main thread):\n${rows.map(([label, ms]) => `${label.padEnd(width)}  ${ms.toFixed(0).padStart(7)}`).join('\n')}\n`;
}

export function loadSession(root: string, transforms: Transform[], options: TransformOptions & Limits, stderr?: { write(text: string): unknown }): Session {
  const only = options.only ?? [];
  const scope = options.scope ?? '';
  const keep = (path: string) => inScope(scope, path) && inOnly(only, path);
  const sharing = planSharing(transforms, options);
  const session = planRepo(transforms, root, { ...options, keep, ...(sharing ? { sharing } : {}) });
  if (process.env.ECSFIX_TIMING && stderr) stderr.write(timingReport(session));
  for (const o of only)
    if (!session.repo.files.some((f) => inOnly([o], f))) throw new UsageError(`--only ${o}: no such file or directory in ${root}`);
  return { ...session, keep };
}

/** The services within what the user asked for (built from a Dockerfile there, or living there). */
export function servicesInScope(session: Session) {
  return session.repo.services.filter((s) => session.keep(s.dockerfile ?? s.dir));
}
