/**
 * What every command starts from: the repo model and the plan for the selected transforms.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildRepoModel } from '../repo/discover.js';
import type { RepoModel } from '../repo/model.js';
import { planChanges, type Plan } from '../run/plan.js';
import type { Transform, TransformOptions } from '../transform.js';
import { TRANSFORMS } from '../../transforms/index.js';
import { UsageError } from './errors.js';

export interface Selection {
  transforms: string[];
  skip: string[];
}

/** Resolves `-t`/`--skip` (repeatable, comma-separated) to transforms in their fixed order. */
export function selectTransforms(selection: Selection): Transform[] {
  const split = (values: string[]) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const wanted = split(selection.transforms);
  const skipped = split(selection.skip);
  const known = new Set(TRANSFORMS.map((t) => t.id));
  const unknown = [...wanted, ...skipped].filter((id) => !known.has(id));
  if (unknown.length)
    throw new UsageError(`unknown transform ${unknown.map((u) => `"${u}"`).join(', ')}; valid ids: ${[...known].join(', ')}`);
  return TRANSFORMS.filter((t) => (wanted.length === 0 || wanted.includes(t.id)) && !skipped.includes(t.id));
}

export function resolveRoot(dir: string | undefined): string {
  const root = resolve(dir ?? '.');
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`${dir ?? '.'}: not a directory`);
  return root;
}

export interface Session {
  root: string;
  repo: RepoModel;
  transforms: Transform[];
  plan: Plan;
}

export function loadSession(root: string, transforms: Transform[], options: TransformOptions): Session {
  const repo = buildRepoModel(root);
  const plan = planChanges(repo, transforms, options, (path) => readFileSync(join(repo.root, path), 'utf8'));
  return { root: repo.root, repo, transforms, plan };
}
