/**
 * src/repo/packageIndex.ts answers the lookups that were searches of the package list (`find` by
 * directory, a map by name, the longest directory holding a path) from an index made once per list:
 * the answers must be the searches' own, ties and a list that grows included.
 */
import { describe, expect, it } from 'vitest';
import { innermostPackage, packageInDir, packageNamed } from '../src/repo/packageIndex.js';

const pkg = (name: string, dir: string) => ({ name, dir });

describe('package index', () => {
  const packages = [pkg('root', ''), pkg('@x/api', 'services/api'), pkg('@x/api-copy', 'services/api'), pkg('@x/bus', 'packages/bus'), pkg('@x/bus', 'packages/bus2'), pkg('@x/inner', 'services/api/plugins/a')];

  it('finds by directory as find does (the first of two in one directory)', () => {
    for (const dir of ['', 'services/api', 'packages/bus', 'services', 'nope']) expect(packageInDir(packages, dir)).toBe(packages.find((p) => p.dir === dir));
  });

  it('finds by name as a map of the list does (the last of two with one name)', () => {
    const map = new Map(packages.map((p) => [p.name, p]));
    for (const name of ['root', '@x/bus', '@x/api', 'nope']) expect(packageNamed(packages, name)).toBe(map.get(name));
  });

  it('gives the package with the longest directory holding a path, the root last, null outside any', () => {
    const search = (path: string) => packages.filter((p) => p.dir === '' || path.startsWith(`${p.dir}/`)).sort((a, b) => b.dir.length - a.dir.length)[0] ?? null;
    for (const path of ['services/api/src/index.ts', 'services/api/plugins/a/x.ts', 'services/apix/y.ts', 'packages/bus/src/a.ts', 'README.md', 'services/api'])
      expect(innermostPackage(packages, path)).toBe(search(path));
    expect(innermostPackage(packages.slice(1), 'README.md')).toBeNull();
  });

  it('sees packages added to the list after it was first asked', () => {
    const growing = [pkg('a', 'a')];
    expect(packageInDir(growing, 'b')).toBeUndefined();
    growing.push(pkg('b', 'b'));
    expect(packageInDir(growing, 'b')).toBe(growing[1]);
    expect(packageNamed(growing, 'b')).toBe(growing[1]);
  });
});
