/**
 * The engine API: what a front end (the CLI, the wizard, a test, another tool) calls. It takes the
 * transform registry as an argument, so the engine itself depends on no transform: the caller
 * chooses which ones run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRepoModel } from '../repo/discover.js';
import type { RepoModel } from '../repo/model.js';
import type { Transform, TransformOptions } from '../transform.js';
import { planChanges, type FileChange, type Plan, type PlanSharing } from './plan.js';
import { writeFiles } from './write.js';

export interface PlanOptions extends TransformOptions {
  /** Keep only changes and notes on the files this accepts (errors stay: they concern the run). */
  keep?: (path: string) => boolean;
  /** Plans a share of the files elsewhere (a worker thread, src/run/parallel.ts); the plan is the same. */
  sharing?: PlanSharing;
}

export interface RepoPlan {
  /** The repo root as the model resolved it (symlinks resolved). */
  root: string;
  repo: RepoModel;
  transforms: Transform[];
  plan: Plan;
  /** Where the time went, in milliseconds of wall time (`ECSFIX_TIMING` prints it). */
  timing: RunTiming;
}

export interface RunTiming {
  modelMs: number;
  /** All of planning: every transform, the validation of their outputs, merging the changes. */
  planMs: number;
  /** Each transform's own runs, on the files this thread planned (all of them unless `sharing`). */
  transformMs: Record<string, number>;
}

/** Builds the repo model of `root` and plans what `registry`'s transforms change in it. Writes nothing. */
export function planRepo(registry: Transform[], root: string, options: PlanOptions = {}): RepoPlan {
  const started = performance.now();
  const repo = buildRepoModel(root);
  const modelMs = performance.now() - started;
  const transformMs = new Map<string, number>();
  const plan = planModel(repo, registry, options, transformMs);
  const timing = { modelMs, planMs: performance.now() - started - modelMs, transformMs: Object.fromEntries(transformMs) };
  return { root: repo.root, repo, transforms: registry, plan, timing };
}

/** How the plan reads a file of the repo (also in a worker thread planning a share of the files). */
export function readRepoFile(root: string): (path: string) => string {
  return (path) => readFileSync(join(root, path), 'utf8');
}

/** Plans other transforms on a model already built (the wizard's per-transform counts, its chosen subset). */
export function planModel(repo: RepoModel, registry: Transform[], options: PlanOptions = {}, transformMs?: Map<string, number>): Plan {
  const plan = planChanges(repo, registry, options, readRepoFile(repo.root), options.sharing, transformMs);
  return options.keep ? narrowPlan(plan, options.keep) : plan;
}

/**
 * The plan narrowed to some files: changes and findings outside them are dropped; errors stay (they
 * concern the run). A change that belongs with changes outside them ({@link FileChange.requires}: a
 * compose port nginx-non-root moves with the nginx config) is withheld too, with ECS010 naming what
 * it needs: half of such a change breaks what the whole keeps consistent.
 */
export function narrowPlan(plan: Plan, keep: (path: string) => boolean): Plan {
  const kept = plan.changes.filter((c) => keep(c.path));
  const outside = (c: FileChange) => (c.requires ?? []).filter((p) => !keep(p));
  const split = kept.filter((c) => outside(c).length > 0);
  return {
    changes: kept.filter((c) => !split.includes(c)),
    findings: [
      ...plan.findings.filter((f) => f.file === undefined || keep(f.file)),
      ...split.map((c) => ({
        code: 'ECS010',
        severity: 'warning' as const,
        file: c.path,
        transform: c.transforms.join(', '),
        message: `withheld: the change to ${c.path} (${c.transforms.join(', ')}) goes with the changes to ${outside(c).join(', ')}, outside the files this run covers, and one without the others breaks what they keep consistent; run ecsfix where all of them are covered (the repo root, or --only each of them)`,
      })),
    ],
    failures: plan.failures,
    withheld: plan.withheld.filter((w) => keep(w.path)),
  };
}

/** Writes accepted changes atomically under `root`; returns the paths written, in order. */
export function writeChanges(root: string, changes: FileChange[]): string[] {
  return writeFiles(root, changes.map((c) => ({ path: c.path, contents: c.after })));
}
