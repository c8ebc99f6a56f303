/**
 * The samples' npm lockfiles are real: every dependency of every package they list (and of the
 * root package.json) has an entry npm would install from, so `npm ci` in their images can work.
 * (peerprep's frontend lockfile once listed only the root's direct dependencies.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers/tmp.js';

interface LockEntry {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
}

/** Dependencies that resolve to no entry, as `from -> name`. */
function unresolved(lock: { packages: Record<string, LockEntry> }): string[] {
  const missing: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    const wanted = { ...entry.dependencies, ...(key === '' ? entry.devDependencies : {}) };
    for (const [name, meta] of Object.entries(entry.peerDependencies ?? {}))
      if (!entry.peerDependenciesMeta?.[name]?.optional) wanted[name] = meta;
    for (const name of Object.keys(wanted)) {
      // Node's lookup: this package's node_modules, then each enclosing one up to the root's.
      let dir = key;
      let found = false;
      for (;;) {
        if (lock.packages[`${dir ? dir + '/' : ''}node_modules/${name}`]) {
          found = true;
          break;
        }
        if (!dir) break;
        const at = dir.lastIndexOf('/node_modules/');
        dir = at < 0 ? '' : dir.slice(0, at);
      }
      if (!found) missing.push(`${key || '(root)'} -> ${name}`);
    }
  }
  return missing;
}

describe('sample npm lockfiles', () => {
  it('peerprep/frontend: package-lock.json matches package.json and holds the whole dependency tree', () => {
    const dir = join(FIXTURES, 'peerprep', 'frontend');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
    expect(lock.packages[''].devDependencies).toEqual(pkg.devDependencies);
    expect(unresolved(lock)).toEqual([]);
  });
});
