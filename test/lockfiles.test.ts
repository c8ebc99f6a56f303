/** Lockfile facts: npm range satisfaction (what `npm ci` checks) and .gitignore matching. */
import { describe, expect, it } from 'vitest';
import { gitignoreRule, npmLockMismatch, pnpmImporterMismatch, pnpmImporters, satisfiesRange } from '../src/repo/lockfiles.js';

describe('satisfiesRange', () => {
  it.each([
    ['4.19.2', '^4.18.0', true],
    ['4.18.2', '^4.19.2', false],
    ['5.0.0', '^4.19.2', false],
    ['0.2.5', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['2.0.0', '>=1.0.0 <2.0.0', false],
    ['1.5.0', '>=1.0.0 <2.0.0', true],
    ['3.1.0', '^2.0.0 || ^3.0.0', true],
    ['1.4.0', '1.x', true],
    ['1.2.3', '1.2.3', true],
    ['1.2.4', '1.2.3', false],
    ['1.2.4', '1.0.0 - 1.3.0', true],
  ])('%s satisfies %s: %s', (version, range, want) => expect(satisfiesRange(version, range)).toBe(want));

  it('does not pretend to understand tags, URLs and aliases', () => {
    expect(satisfiesRange('1.0.0', 'latest')).toBeNull();
    expect(satisfiesRange('1.0.0', 'github:org/repo#main')).toBeNull();
    expect(satisfiesRange('1.0.0', 'npm:other@^1.0.0')).toBeNull();
  });
});

describe('npmLockMismatch', () => {
  const manifest = JSON.stringify({ dependencies: { a: '^1.2.0', b: 'github:org/b' }, devDependencies: { c: '~2.0.0' } });
  const lock = (a: string, bSpec = 'github:org/b') =>
    JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: { a: '^1.2.0', b: bSpec } }, 'node_modules/a': { version: a }, 'node_modules/b': { version: '0.0.0' }, 'node_modules/c': { version: '2.0.5' } } });
  it('is null when every range is satisfied and other specs match the root entry', () => expect(npmLockMismatch(manifest, lock('1.4.0'))).toBeNull());
  it('names the first dependency the lock does not satisfy', () => expect(npmLockMismatch(manifest, lock('1.1.0'))).toMatch(/a@\^1\.2\.0.*1\.1\.0/));
  it('a non-semver spec must be the one the lock recorded', () => expect(npmLockMismatch(manifest, lock('1.4.0', 'github:org/b#v2'))).toMatch(/github:org\/b/));
  it('a lockfile v1 (dependencies map) is read too', () =>
    expect(npmLockMismatch(JSON.stringify({ dependencies: { a: '^1.0.0' } }), JSON.stringify({ lockfileVersion: 1, dependencies: { a: { version: '0.9.0' } } }))).toMatch(/0\.9\.0/));
});

describe('gitignoreRule', () => {
  const files = ['.gitignore', 'apps/web/.gitignore', 'apps/web/pnpm-lock.yaml', 'pnpm-lock.yaml', 'apps/api/package-lock.json'];
  const texts: Record<string, string> = { '.gitignore': 'node_modules\n/pnpm-lock.yaml\n**/package-lock.json\n', 'apps/web/.gitignore': 'pnpm-lock.yaml\n!pnpm-lock.yaml\n' };
  const read = (rel: string) => texts[rel] ?? null;
  it('an anchored pattern matches only beside its .gitignore', () => {
    expect(gitignoreRule('pnpm-lock.yaml', files, read)).toBe('.gitignore:2 (/pnpm-lock.yaml)');
    expect(gitignoreRule('apps/web/pnpm-lock.yaml', files, read)).toBeNull(); // re-included by the nested !pattern
  });
  it('** matches at any depth', () => expect(gitignoreRule('apps/api/package-lock.json', files, read)).toBe('.gitignore:3 (**/package-lock.json)'));
});

describe('pnpm-lock.yaml importers', () => {
  const v9 = "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  services/api:\n    dependencies:\n      express:\n        specifier: ^4.19.2\n        version: 4.19.2\n\npackages:\n\n  express@4.19.2:\n    resolution: {integrity: sha512-x}\n";
  const v5 = "lockfileVersion: 5.4\n\nspecifiers:\n  express: ^4.18.0\n\ndependencies:\n  express: 4.18.2\n\npackages:\n\n  /express/4.18.2:\n    dev: false\n";
  it('reads the importers section (v6/v9) and a single-project v5 lockfile', () => {
    expect(pnpmImporters(v9)).toEqual({ '.': {}, 'services/api': { express: '^4.19.2' } });
    expect(pnpmImporters(v5)).toEqual({ '.': { express: '^4.18.0' } });
  });
  it('a project with no importer, or another specifier, is out of date; a matching one is not', () => {
    const manifest = (range: string) => JSON.stringify({ name: 'api', dependencies: { express: range } });
    expect(pnpmImporterMismatch(pnpmImporters(v9), 'services/api', manifest('^4.19.2'))).toBeNull();
    expect(pnpmImporterMismatch(pnpmImporters(v9), 'services/api', manifest('^4.20.0'))).toMatch(/records express@\^4\.19\.2/);
    expect(pnpmImporterMismatch(pnpmImporters(v9), 'services/jobs', manifest('^4.19.2'))).toMatch(/no importer for services\/jobs/);
    expect(pnpmImporterMismatch(pnpmImporters(v5), '', manifest('^4.18.0'))).toBeNull();
  });
});
