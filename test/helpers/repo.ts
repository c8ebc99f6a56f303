/** Test helpers: load a directory into memory, build the model, plan, and apply in memory. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildRepoModel } from '../../src/repo/discover.js';
import { SKIPPED_DIRS } from '../../src/repo/files.js';
import type { Finding } from '../../src/findings/finding.js';
import type { RepoModel } from '../../src/repo/model.js';
import { planChanges, type Plan } from '../../src/run/plan.js';
import type { Transform, TransformOptions } from '../../src/transform.js';

export type Tree = Map<string, string>;

export function readTree(dir: string): Tree {
  const tree: Tree = new Map();
  const visit = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) visit(child);
      } else if (entry.isFile()) tree.set(child, readFileSync(join(dir, child), 'utf8'));
    }
  };
  if (statSync(dir).isDirectory()) visit('');
  return tree;
}

export function modelOf(tree: Tree, root = '/virtual'): RepoModel {
  return buildRepoModel(root, { files: [...tree.keys()].sort(), read: (rel) => tree.get(rel) ?? null });
}

export function planTree(tree: Tree, transforms: Transform[], options: TransformOptions = {}): { repo: RepoModel; plan: Plan } {
  const repo = modelOf(tree);
  const plan = planChanges(repo, transforms, options, (path) => tree.get(path) ?? '');
  return { repo, plan };
}

/** The tree after applying a plan. */
export function applyPlan(tree: Tree, plan: Plan): Tree {
  const out = new Map(tree);
  for (const change of plan.changes) out.set(change.path, change.after);
  return out;
}

/** Every finding of a plan: on changed files and on files left unchanged (not the failures). */
export function findingsOf(plan: Plan, path?: string): Finding[] {
  const all = [...plan.changes.flatMap((c) => c.findings), ...plan.findings];
  return path === undefined ? all : all.filter((f) => f.file === path);
}

/** `CODE file:line` (or `CODE file`): how fixture expectations name a finding. */
export function findingKey(f: Finding): string {
  return `${f.code} ${f.file ?? ''}${f.line ? `:${f.line}` : ''}`;
}

/** The JS/TS sources under a directory (node_modules left out), as paths: the fixtures' sources for the parse tests. */
export function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(?:[cm]?[jt]sx?)$/.test(e.name) && !join(e.parentPath, e.name).includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}
