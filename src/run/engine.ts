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
import { dirtyFiles } from './gitGuard.js';
import { planChanges, type FileChange, type Plan } from './plan.js';
import { writeFileAtomic } from './write.js';

export interface PlanOptions extends TransformOptions {
  /** Keep only changes and notes on these repo-relative files or directories (errors stay: they concern the run). */
  only?: string[];
}

export interface RepoPlan {
  /** The repo root as the model resolved it (symlinks resolved). */
  root: string;
  repo: RepoModel;
  transforms: Transform[];
  plan: Plan;
}

/** Builds the repo model of `root` and plans what `registry`'s transforms change in it. Writes nothing. */
export function planRepo(registry: Transform[], root: string, options: PlanOptions = {}): RepoPlan {
  const repo = buildRepoModel(root);
  return { root: repo.root, repo, transforms: registry, plan: planModel(repo, registry, options) };
}

/** Plans other transforms on a model already built (the wizard's per-transform counts, its chosen subset). */
export function planModel(repo: RepoModel, registry: Transform[], options: PlanOptions = {}): Plan {
  const plan = planChanges(repo, registry, options, (path) => readFileSync(join(repo.root, path), 'utf8'));
  const only = options.only ?? [];
  return only.length ? narrowPlan(plan, (p) => inPaths(only, p)) : plan;
}

/** Whether `path` is one of `paths` or inside one of them (a directory). */
export function inPaths(paths: string[], path: string): boolean {
  return paths.some((o) => {
    const prefix = o.replace(/^\.\//, '').replace(/\/+$/, '');
    return path === prefix || path.startsWith(`${prefix}/`);
  });
}

/** The plan narrowed to some files: changes and notes outside them are dropped; errors stay. */
export function narrowPlan(plan: Plan, keep: (path: string) => boolean): Plan {
  return { changes: plan.changes.filter((c) => keep(c.path)), reports: plan.reports.filter((r) => keep(r.path)), failures: plan.failures };
}

/** The files among the changes that have uncommitted git changes (writing them would lose work). */
export function uncommittedTargets(root: string, changes: FileChange[]): string[] {
  return dirtyFiles(root, changes.map((c) => c.path));
}

/** Writes accepted changes atomically under `root`; returns the paths written, in order. */
export function writeChanges(root: string, changes: FileChange[]): string[] {
  const written: string[] = [];
  for (const change of changes) {
    writeFileAtomic(root, change.path, change.after);
    written.push(change.path);
  }
  return written;
}
