/**
 * Workspace packages found by directory without a search of the list per call (a search per file or
 * per service is quadratic in a large monorepo's size). Imports no ecsfix module at run time: the codemods,
 * which jscodeshift also runs from their sources, use it.
 */
import { posix } from 'node:path';
import type { WorkspacePackage } from './workspace.js';

const packagesByDir = new WeakMap<readonly WorkspacePackage[], { size: number; byDir: Map<string, WorkspacePackage> }>();

/** The first workspace package in the directory `dir` ('' = the root), as `packages.find` would give it, from an index made once per list. */
export function packageInDir(packages: readonly WorkspacePackage[], dir: string): WorkspacePackage | undefined {
  let known = packagesByDir.get(packages);
  if (!known || known.size !== packages.length) {
    known = { size: packages.length, byDir: new Map() };
    for (const p of packages) if (!known.byDir.has(p.dir)) known.byDir.set(p.dir, p);
    packagesByDir.set(packages, known);
  }
  return known.byDir.get(dir);
}

/**
 * The innermost workspace package (the root package included) whose directory holds `path`, null
 * when none does: found up the path's directories in an index made once per package list (a
 * search of every package per file is quadratic in a large monorepo's size).
 */
export function innermostPackage(packages: readonly WorkspacePackage[], path: string): WorkspacePackage | null {
  for (let dir = posix.dirname(path); ; dir = posix.dirname(dir)) {
    const pkg = packageInDir(packages, dir === '.' || dir === '/' ? '' : dir);
    if (pkg) return pkg;
    if (dir === '.' || dir === '/' || dir === '') return null;
  }
}
