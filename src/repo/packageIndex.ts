/**
 * Workspace packages found by directory or by name without a search of the list per call (a search
 * per file or per service is quadratic in a large monorepo's size). Imports no ecsfix module at run
 * time: the codemods, which jscodeshift also runs from their sources, use it.
 */
import { posix } from 'node:path';

/** What the lookups read of a workspace package (src/repo/workspace.ts), so this module imports none. */
type Package = { name: string; dir: string };
type Index = { size: number; byKey: Map<string, Package> };
const byDir = new WeakMap<readonly Package[], Index>();
const byName = new WeakMap<readonly Package[], Index>();

/**
 * The list indexed by a key, made once per list (again if the list has grown since: the model adds
 * packages while it reads them). Of packages with the same key, the first or the last wins.
 */
function indexed(cache: WeakMap<readonly Package[], Index>, packages: readonly Package[], key: (p: Package) => string, wins: 'first' | 'last'): Map<string, Package> {
  let known = cache.get(packages);
  if (!known || known.size !== packages.length) {
    known = { size: packages.length, byKey: new Map() };
    for (const p of packages) if (wins === 'last' || !known.byKey.has(key(p))) known.byKey.set(key(p), p);
    cache.set(packages, known);
  }
  return known.byKey;
}

/** The first workspace package in the directory `dir` ('' = the root), as `packages.find` would give it. */
export function packageInDir<P extends Package>(packages: readonly P[], dir: string): P | undefined {
  return indexed(byDir, packages, (p) => p.dir, 'first').get(dir) as P | undefined;
}

/** The workspace package named `name` (the last, when two are: a map from the list by name gives it). */
export function packageNamed<P extends Package>(packages: readonly P[], name: string): P | undefined {
  return indexed(byName, packages, (p) => p.name, 'last').get(name) as P | undefined;
}

/** The innermost workspace package (the root package included) whose directory holds `path`, null when none does. */
export function innermostPackage<P extends Package>(packages: readonly P[], path: string): P | null {
  for (let dir = posix.dirname(path); ; dir = posix.dirname(dir)) {
    const pkg = packageInDir(packages, dir === '.' || dir === '/' ? '' : dir);
    if (pkg) return pkg;
    if (dir === '.' || dir === '/' || dir === '') return null;
  }
}
