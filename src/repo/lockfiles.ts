/**
 * What the model knows about each lockfile a Dockerfile may COPY: whether a fresh clone has it
 * (committed, not git-ignored), and whether it is in sync with the package.json files it locks:
 * package-lock.json with the one beside it (every dependency range of the manifest satisfied by the
 * version the lock installs, what `npm ci` checks before it installs anything); pnpm-lock.yaml and
 * yarn.lock with each package.json below them (an importer recording the same specifiers; a
 * `name@range` entry for every dependency), by project.
 */
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { globToRegExp } from '../dockerfile/glob.js';

export interface LockfileFacts {
  /** Repo-relative path. */
  path: string;
  /** A fresh clone has it. False when git-ignored or not tracked by git. */
  committed: boolean;
  /** Why it is not committed (the .gitignore line), when it is not. */
  notCommittedWhy?: string;
  /** package-lock.json only: null when in sync, else the first mismatch (or what could not be checked). */
  outOfSync?: string | null;
  /**
   * pnpm-lock.yaml only: its importers (workspace project dirs relative to the lockfile, `.` for its
   * own) and the dependency specifiers each records; null when the importers could not be read.
   */
  pnpmImporters?: Record<string, Record<string, string>> | null;
  /**
   * pnpm-lock.yaml and yarn.lock: for each package.json under the lockfile's directory (by its
   * directory relative to the lockfile, '' for its own), null when the lockfile records it as a
   * frozen install needs, else what is missing or different.
   */
  projectsOutOfSync?: Record<string, string | null>;
}

const LOCKFILES = new Set(['pnpm-lock.yaml', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock']);

export function isLockfileName(path: string): boolean {
  return LOCKFILES.has(posix.basename(path));
}

/**
 * The .gitignore line that ignores `path`, or null. Patterns follow git: no slash (but a trailing
 * one) matches the name at any depth under the .gitignore's directory, a slash anchors it there;
 * `!` re-includes; the last matching line wins.
 */
export function gitignoreRule(path: string, files: readonly string[], read: (rel: string) => string | null): string | null {
  let verdict: string | null = null;
  const gitignores = files.filter((f) => posix.basename(f) === '.gitignore').sort((a, b) => a.split('/').length - b.split('/').length);
  for (const gi of gitignores) {
    const dir = posix.dirname(gi) === '.' ? '' : posix.dirname(gi);
    if (dir && !path.startsWith(dir + '/')) continue;
    const rel = dir ? path.slice(dir.length + 1) : path;
    const lines = (read(gi) ?? '').split(/\r?\n/);
    lines.forEach((raw, index) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const negated = line.startsWith('!');
      let pattern = (negated ? line.slice(1) : line).replace(/\/+$/, '');
      const anchored = pattern.replace(/^\//, '').includes('/') || pattern.startsWith('/');
      pattern = pattern.replace(/^\//, '');
      const res = anchored ? [globToRegExp(pattern)] : [globToRegExp(pattern), globToRegExp(`**/${pattern}`)];
      // A directory pattern ignores everything below it too.
      const prefixes = rel.split('/').map((_, k, parts) => parts.slice(0, k + 1).join('/'));
      const hit = res.some((re) => prefixes.some((p) => re.test(p)));
      if (hit) verdict = negated ? null : `${gi}:${index + 1} (${line})`;
    });
  }
  return verdict;
}

/** Minimal semver: `1.2.3` (a prerelease suffix is ignored). */
function parseVersion(v: string): [number, number, number] | null {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?(?:[-+].*)?$/.exec(v.trim());
  if (!m) return null;
  const n = (s: string | undefined) => (s === undefined || s === 'x' || s === '*' ? -1 : Number(s));
  return [n(m[1]), n(m[2]), n(m[3])];
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** One comparator (`^1.2.0`, `~1.2`, `>=2`, `1.x`, `1.2.3`) against a version; null when the syntax is not understood. */
function satisfiesComparator(version: [number, number, number], comp: string): boolean | null {
  const m = /^(\^|~|>=|<=|>|<|=)?\s*(.+)$/.exec(comp);
  if (!m) return null;
  const op = m[1] ?? '';
  const want = parseVersion(m[2] ?? '');
  if (!want) return null;
  const [M, mi, p] = want;
  const floor: [number, number, number] = [Math.max(M, 0), Math.max(mi, 0), Math.max(p, 0)];
  if (op === '>=') return compare(version, floor) >= 0;
  if (op === '>') return compare(version, floor) > 0;
  if (op === '<') return compare(version, floor) < 0;
  if (op === '<=') return compare(version, floor) <= 0;
  if (op === '^') {
    if (compare(version, floor) < 0) return false;
    if (M > 0 || mi < 0) return version[0] === M;
    if (mi > 0 || p < 0) return version[0] === 0 && version[1] === mi;
    return compare(version, floor) === 0;
  }
  if (op === '~') return compare(version, floor) >= 0 && version[0] === M && (mi < 0 || version[1] === mi);
  // Exact or partial (`1.2`, `1.x`): every given part must match.
  return want.every((part, i) => part < 0 || version[i] === part);
}

/** Whether `version` satisfies an npm range; null when the range is not plain semver (git URL, tag, alias, file:). */
export function satisfiesRange(version: string, range: string): boolean | null {
  const v = parseVersion(version);
  if (!v) return null;
  const r = range.trim();
  if (r === '' || r === '*' || r === 'x' || r === 'latest') return r === 'latest' ? null : true;
  let anyUnknown = false;
  for (const alt of r.split('||')) {
    const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(alt);
    const comparators = hyphen ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`] : alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
    const results = comparators.map((c) => satisfiesComparator(v, c));
    if (results.some((x) => x === null)) anyUnknown = true;
    else if (results.every(Boolean)) return true;
  }
  return anyUnknown ? null : false;
}

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
type DepField = (typeof DEP_FIELDS)[number];

/** The first non-null answer of `check` over a manifest's dependencies (each field, each `name: range`). */
function firstDependencyProblem(manifest: Record<string, unknown>, check: (name: string, range: string, field: DepField) => string | null): string | null {
  for (const field of DEP_FIELDS) {
    const deps = manifest[field];
    if (!deps || typeof deps !== 'object') continue;
    for (const [name, range] of Object.entries(deps as Record<string, unknown>)) {
      if (typeof range !== 'string') continue;
      const problem = check(name, range, field);
      if (problem !== null) return problem;
    }
  }
  return null;
}

function parseManifest(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Null when package-lock.json installs, for every dependency of package.json, a version its range
 * allows (and names the same spec for the rest); else the first mismatch, or why it cannot be told.
 */
export function npmLockMismatch(manifestText: string, lockText: string): string | null {
  let manifest: Record<string, unknown>;
  let lock: { packages?: Record<string, { version?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>; dependencies?: Record<string, { version?: string }> };
  try {
    manifest = JSON.parse(manifestText) as Record<string, unknown>;
    lock = JSON.parse(lockText) as typeof lock;
  } catch {
    return 'package.json or package-lock.json is not valid JSON';
  }
  const root = lock.packages?.[''];
  return firstDependencyProblem(manifest, (name, range, field) => {
    const installed = lock.packages?.[`node_modules/${name}`]?.version ?? lock.dependencies?.[name]?.version;
    if (installed === undefined) return `${name} (${field}) is not in package-lock.json`;
    const ok = satisfiesRange(installed, range);
    if (ok === false) return `package.json wants ${name}@${range}, package-lock.json has ${installed}`;
    // Not a semver range (git URL, tag, alias, workspace link): the lock's root entry must name the same spec.
    if (ok === null && root?.[field]?.[name] !== range) return `${name}@${range} cannot be checked against package-lock.json`;
    return null;
  });
}

/**
 * The descriptors a yarn.lock has entries for: yarn 1 (`left-pad@^1.3.0, left-pad@^1.2.0:`) and
 * yarn 2+ (`"left-pad@npm:^1.3.0":`) both key each entry by the `name@range` list that resolves to it.
 */
export function yarnLockDescriptors(lockText: string): Set<string> {
  const out = new Set<string>();
  for (const line of lockText.split(/\r?\n/)) {
    if (!line || /^[\s#]/.test(line) || !line.endsWith(':')) continue;
    for (const part of line.slice(0, -1).split(/,\s*/)) out.add(part.trim().replace(/^"|"$/g, ''));
  }
  return out;
}

/**
 * Null when yarn.lock has an entry for every dependency of a package.json (yarn 1 `name@range`, yarn
 * 2+ `name@npm:range`), else the first one it lacks. Dependencies on the workspace's own packages
 * (`workspaceNames`, the `workspace:` protocol) are not locked by range; a spec with another
 * protocol or a path (git, file:, patch:) is recorded in forms this does not reproduce: not judged.
 */
export function yarnLockMismatch(manifestText: string, descriptors: ReadonlySet<string>, workspaceNames: ReadonlySet<string>): string | null {
  const manifest = parseManifest(manifestText);
  if (!manifest) return 'package.json is not valid JSON';
  return firstDependencyProblem(manifest, (name, range, field) => {
    if (workspaceNames.has(name) || /[:/]/.test(range)) return null;
    if (descriptors.has(`${name}@${range}`) || descriptors.has(`${name}@npm:${range}`)) return null;
    return `${name}@${range} (${field}) has no entry in yarn.lock`;
  });
}

/**
 * Facts for every lockfile of the repo and for the lockfiles Dockerfiles may name that are not in
 * it (`uncommitted` lists files git does not track; a git-ignored file is not listed at all).
 */
export function lockfileFacts(files: readonly string[], read: (rel: string) => string | null, uncommitted: ReadonlySet<string>): Map<string, LockfileFacts> {
  const out = new Map<string, LockfileFacts>();
  for (const path of files) {
    if (!isLockfileName(path) || path.includes('node_modules/')) continue;
    const ignored = gitignoreRule(path, files, read);
    const facts: LockfileFacts = { path, committed: !ignored && !uncommitted.has(path) };
    if (ignored) facts.notCommittedWhy = `git-ignored by ${ignored}`;
    else if (uncommitted.has(path)) facts.notCommittedWhy = 'not tracked by git';
    if (posix.basename(path) === 'package-lock.json' || posix.basename(path) === 'npm-shrinkwrap.json') {
      const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
      const manifest = read(dir ? `${dir}/package.json` : 'package.json');
      const lock = read(path);
      facts.outOfSync = manifest === null ? 'no package.json beside it' : lock === null ? 'cannot read it' : npmLockMismatch(manifest, lock);
    }
    if (posix.basename(path) === 'pnpm-lock.yaml') {
      const lock = read(path);
      const importers = lock === null ? null : pnpmImporters(lock);
      facts.pnpmImporters = importers;
      facts.projectsOutOfSync = Object.fromEntries(projectManifests(path, files).map((m) => [m.project, pnpmImporterMismatch(importers, m.project, read(m.path))]));
    }
    if (posix.basename(path) === 'yarn.lock') {
      const lock = read(path);
      const manifests = projectManifests(path, files).map((m) => ({ ...m, text: read(m.path) }));
      const descriptors = yarnLockDescriptors(lock ?? '');
      const names = new Set(manifests.map((m) => (m.text === null ? undefined : parseManifest(m.text)?.name)).filter((n): n is string => typeof n === 'string'));
      facts.projectsOutOfSync = Object.fromEntries(manifests.map((m) => [m.project, lock === null ? 'cannot read it' : m.text === null ? null : yarnLockMismatch(m.text, descriptors, names)]));
    }
    out.set(path, facts);
  }
  return out;
}

/** The package.json files under a lockfile's directory, each with its directory relative to the lockfile ('' for its own). */
function projectManifests(lockPath: string, files: readonly string[]): { project: string; path: string }[] {
  const dir = posix.dirname(lockPath) === '.' ? '' : posix.dirname(lockPath);
  return files
    .filter((f) => posix.basename(f) === 'package.json' && !f.includes('node_modules/') && (!dir || f.startsWith(dir + '/')))
    .map((path) => ({ project: posix.relative(dir || '.', posix.dirname(path)), path }));
}

/**
 * The `importers:` of a pnpm lockfile (v5 `specifiers:`, v6+ `specifier:` per dependency). Only that
 * section is parsed: the packages section of a large lockfile is most of its size. A lockfile of a
 * single package (no `importers:`) has one importer, `.`, from its top-level fields.
 */
export function pnpmImporters(lockText: string): Record<string, Record<string, string>> | null {
  const lines = lockText.split(/\r?\n/);
  const start = lines.findIndex((l) => /^importers:\s*$/.test(l));
  let section: unknown;
  try {
    if (start < 0) {
      const top = lines.slice(0, Math.max(0, lines.findIndex((l) => /^packages:\s*$/.test(l))) || lines.length).join('\n');
      section = { '.': parseYaml(top) };
    } else {
      const end = lines.findIndex((l, i) => i > start && /^\S/.test(l));
      section = (parseYaml(lines.slice(start, end < 0 ? undefined : end).join('\n')) as { importers?: unknown }).importers;
    }
  } catch {
    return null;
  }
  if (!section || typeof section !== 'object') return section === null ? {} : null;
  const out: Record<string, Record<string, string>> = {};
  for (const [dir, importer] of Object.entries(section as Record<string, Record<string, unknown> | null>)) {
    const specs: Record<string, string> = {};
    const v5 = importer?.specifiers;
    if (v5 && typeof v5 === 'object') Object.assign(specs, v5);
    for (const field of DEP_FIELDS) {
      const deps = importer?.[field];
      if (!deps || typeof deps !== 'object') continue;
      for (const [name, dep] of Object.entries(deps as Record<string, unknown>))
        if (dep && typeof dep === 'object' && typeof (dep as { specifier?: unknown }).specifier === 'string') specs[name] = (dep as { specifier: string }).specifier;
    }
    out[dir] = specs;
  }
  return out;
}

/**
 * Null when pnpm-lock.yaml has an importer for the project at `projectDir` (relative to the
 * lockfile's directory) recording every dependency of its package.json with the same specifier;
 * else what is missing or different, which `pnpm install --frozen-lockfile` refuses.
 */
export function pnpmImporterMismatch(importers: Record<string, Record<string, string>> | null | undefined, projectDir: string, manifestText: string | null): string | null {
  if (!importers) return 'its importers could not be read';
  const key = projectDir === '' ? '.' : projectDir;
  const importer = importers[key];
  if (!importer) return `it has no importer for ${key}`;
  if (manifestText === null) return null;
  const manifest = parseManifest(manifestText);
  if (!manifest) return `${key}/package.json is not valid JSON`;
  return firstDependencyProblem(manifest, (name, range, field) => {
    const locked = importer[name];
    if (locked === undefined) return `its importer ${key} does not record ${name} (${field})`;
    return locked !== range ? `its importer ${key} records ${name}@${locked}, package.json wants ${range}` : null;
  });
}
