/**
 * What every command starts from: the repo model and the plan for the selected transforms.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildRepoModel } from '../repo/discover.js';
import type { RepoModel } from '../repo/model.js';
import { planChanges, type Plan } from '../run/plan.js';
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

export interface Session {
  root: string;
  repo: RepoModel;
  transforms: Transform[];
  plan: Plan;
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

/** The plan narrowed to some files: changes and findings outside them are dropped; errors stay (they concern the run). */
export function narrowPlan(plan: Plan, keep: (path: string) => boolean): Plan {
  return {
    changes: plan.changes.filter((c) => keep(c.path)),
    findings: plan.findings.filter((f) => f.file === undefined || keep(f.file)),
    failures: plan.failures,
    withheld: plan.withheld.filter((w) => keep(w.path)),
  };
}

export interface Limits {
  /** `--only` paths, root-relative. */
  only?: string[];
  /** The subtree the user ran in, root-relative ('' = the whole repo). */
  scope?: string;
}

export function loadSession(root: string, transforms: Transform[], options: TransformOptions & Limits): Session {
  const repo = buildRepoModel(root);
  const only = options.only ?? [];
  const scope = options.scope ?? '';
  for (const o of only)
    if (!repo.files.some((f) => inOnly([o], f))) throw new UsageError(`--only ${o}: no such file or directory in ${root}`);
  const plan = planChanges(repo, transforms, options, (path) => readFileSync(join(repo.root, path), 'utf8'));
  const keep = (path: string) => inScope(scope, path) && inOnly(only, path);
  return { root: repo.root, repo, transforms, plan: narrowPlan(plan, keep), keep };
}

/** The services within what the user asked for (built from a Dockerfile there, or living there). */
export function servicesInScope(session: Session) {
  return session.repo.services.filter((s) => session.keep(s.dockerfile ?? s.dir));
}
