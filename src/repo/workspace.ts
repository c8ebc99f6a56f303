/**
 * Workspace packages (pnpm-workspace.yaml or package.json `workspaces`), their dependencies on one
 * another, and the package manager and pnpm version the repo uses.
 */
import { fileIndex, readBuildConfig, type FileIndex, type PackageBuildConfig } from './buildConfig.js';
import type { Finding } from '../findings/finding.js';
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { globToRegExp } from '../dockerfile/glob.js';
import { lineOfOffset } from '../text.js';
import { packageNamed } from './packageIndex.js';

export interface WorkspacePackage {
  name: string;
  dir: string;
  /** All dependency names (dependencies, devDependencies, optional, peer). */
  dependencies: Record<string, string>;
  /** Names of the workspace packages this one depends on. */
  workspaceDeps: string[];
  /** Those of them it needs at run time (`dependencies`, `optionalDependencies`): what `pnpm deploy --prod` ships; unset: all of them. */
  prodWorkspaceDeps?: string[];
  /** Every package it needs at run time (`dependencies`, `optionalDependencies`), workspace ones included. */
  prodDependencies?: string[];
  scripts: Record<string, string>;
  main: string | null;
  /** Where its builders write, as its config files say (tsconfig outDir, vite build.outDir, next output, project.json outputPath). */
  build?: PackageBuildConfig;
}


export interface PnpmVersion {
  version: string;
  /** Where it came from, said to the user in the note on a change. */
  source: string;
  /** Which rule gave it: the packageManager field, the Dockerfiles' majority, the lockfile format. */
  from?: 'packageManager' | 'dockerfiles' | 'lockfile' | 'flag';
}

export interface PackageManagerInfo {
  name: 'pnpm' | 'npm' | 'yarn' | null;
  lockfiles: string[];
  pnpm: PnpmVersion | null;
  /** The lockfile format's pnpm major, whether or not the packageManager field decided `pnpm`. */
  pnpmFromLockfile: PnpmVersion | null;
  /** Every pnpm-lock.yaml of the repo (the root's and per-package ones) with the pnpm major its format needs. */
  pnpmLockfiles?: Record<string, PnpmVersion>;
}

type Json = Record<string, unknown>;

function readJson(text: string | null): Json | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Json) : null;
  } catch {
    return null;
  }
}

function record(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function workspaceGlobs(read: (rel: string) => string | null): string[] {
  const pnpmWorkspace = read('pnpm-workspace.yaml');
  if (pnpmWorkspace !== null) {
    try {
      const parsed = parseYaml(pnpmWorkspace) as { packages?: unknown } | null;
      if (Array.isArray(parsed?.packages)) return parsed.packages.filter((p): p is string => typeof p === 'string');
    } catch {
      /* fall through to package.json */
    }
  }
  return rootPackage(read)?.workspaces ?? [];
}

/** What npm and yarn read of the root package.json: its `workspaces` globs and every dependency name it declares. */
export interface RootPackage {
  workspaces: string[];
  dependencies: string[];
}

export function rootPackage(read: (rel: string) => string | null): RootPackage | null {
  const root = readJson(read('package.json'));
  if (!root) return null;
  const ws = root.workspaces;
  const list = Array.isArray(ws) ? ws : ws && typeof ws === 'object' && Array.isArray((ws as Json).packages) ? ((ws as Json).packages as unknown[]) : [];
  const fields = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].map((f) => Object.keys(record(root[f])));
  return { workspaces: list.filter((p): p is string => typeof p === 'string'), dependencies: [...new Set(fields.flat())] };
}

/** Reads every package.json under a workspace glob (or every package.json when there are none). */
/** A package.json that is not JSON: where, for the report (the package is then left out of the model). */
export function jsonProblem(file: string, text: string): Finding | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? NaN);
    const line = Number.isFinite(position) ? lineOfOffset(text, position) : (Number(/line (\d+)/.exec(message)?.[1]) || 1);
    return { code: 'ECS005', severity: 'blocking', file, line, message: `not valid JSON (${message.replace(/ in JSON at position \d+.*$/, '')}); this package is left out of the repo model` };
  }
}

export function readWorkspacePackages(files: string[], read: (rel: string) => string | null, problems: Finding[] = []): WorkspacePackage[] {
  const globs = workspaceGlobs(read);
  const include = globs.filter((g) => !g.startsWith('!')).map(globToRegExp);
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => globToRegExp(g.slice(1)));
  const manifests = files.filter((f) => f === 'package.json' || f.endsWith('/package.json'));
  const packages: WorkspacePackage[] = [];
  let index: FileIndex | undefined;
  for (const manifest of manifests) {
    const dir = posix.dirname(manifest);
    if (dir !== '.' && include.length > 0 && (!include.some((re) => re.test(dir)) || exclude.some((re) => re.test(dir)))) continue;
    const text = read(manifest);
    const json = readJson(text);
    if (!json && text !== null) {
      const problem = jsonProblem(manifest, text);
      if (problem) problems.push(problem);
    }
    if (!json || typeof json.name !== 'string') continue;
    const dependencies = {
      ...record(json.peerDependencies),
      ...record(json.optionalDependencies),
      ...record(json.devDependencies),
      ...record(json.dependencies),
    };
    packages.push({
      name: json.name,
      dir: dir === '.' ? '' : dir,
      dependencies,
      workspaceDeps: [],
      prodWorkspaceDeps: Object.keys({ ...record(json.optionalDependencies), ...record(json.dependencies) }),
      prodDependencies: Object.keys({ ...record(json.optionalDependencies), ...record(json.dependencies) }),
      scripts: record(json.scripts),
      main: typeof json.main === 'string' ? json.main : null,
      build: readBuildConfig(dir === '.' ? '' : dir, (index ??= fileIndex(files)), read),
    });
  }
  const names = new Set(packages.map((p) => p.name));
  for (const pkg of packages) {
    pkg.workspaceDeps = Object.keys(pkg.dependencies).filter((d) => names.has(d) && d !== pkg.name);
    pkg.prodWorkspaceDeps = (pkg.prodWorkspaceDeps ?? []).filter((d) => names.has(d) && d !== pkg.name);
  }
  return packages;
}

/** Workspace dependencies of a package, transitively, in build order (dependencies first). */
export function workspaceClosure(pkgName: string, packages: WorkspacePackage[]): WorkspacePackage[] {
  const ordered: WorkspacePackage[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (visiting.has(name) || ordered.some((p) => p.name === name)) return;
    visiting.add(name);
    const pkg = packageNamed(packages, name);
    if (!pkg) return;
    for (const dep of pkg.workspaceDeps) visit(dep);
    ordered.push(pkg);
  };
  visit(pkgName);
  return ordered;
}

// The pnpm major that writes each lockfile format.
const LOCKFILE_TO_PNPM: Record<string, string> = { '5.3': '6', '5.4': '7', '6.0': '8', '6.1': '8', '9.0': '9' };

/**
 * The pnpm version the repo declares: the root package.json `packageManager` field, else the
 * lockfile format's pnpm major. The version the repo's Dockerfiles pin is per file (the file being
 * changed must not vote for itself), so dockerfile-pnpm-pin's choosePnpmVersion weighs it.
 */
export function detectPackageManager(read: (rel: string) => string | null, files: string[]): PackageManagerInfo {
  const lockfiles = ['pnpm-lock.yaml', 'package-lock.json', 'yarn.lock', 'npm-shrinkwrap.json'].filter((f) => files.includes(f));
  const root = readJson(read('package.json'));
  const packageManager = typeof root?.packageManager === 'string' ? root.packageManager : null;
  let name: PackageManagerInfo['name'] = null;
  if (packageManager) name = (packageManager.split('@')[0] as PackageManagerInfo['name']) ?? null;
  else if (lockfiles.includes('pnpm-lock.yaml') || files.includes('pnpm-workspace.yaml')) name = 'pnpm';
  else if (lockfiles.includes('yarn.lock')) name = 'yarn';
  else if (lockfiles.includes('package-lock.json') || files.includes('package.json')) name = 'npm';

  let pnpm: PnpmVersion | null = null;
  const fromField = packageManager && /^pnpm@(\d+\.\d+\.\d+(?:-[\w.]+)?)/.exec(packageManager);
  if (fromField?.[1]) pnpm = { version: fromField[1], source: 'the root package.json "packageManager" field', from: 'packageManager' };
  // The root lockfile's format, else the one format every per-package lockfile agrees on.
  const pnpmLockfiles: Record<string, PnpmVersion> = {};
  const formats = new Map<string, string>();
  for (const f of files.filter((f) => posix.basename(f) === 'pnpm-lock.yaml' && !f.includes('node_modules/'))) {
    const lockVersion = /^lockfileVersion:\s*['"]?([\d.]+)/m.exec(read(f) ?? '')?.[1];
    const major = lockVersion ? (LOCKFILE_TO_PNPM[lockVersion] ?? LOCKFILE_TO_PNPM[lockVersion.split('.')[0] + '.0']) : undefined;
    if (!lockVersion || !major) continue;
    pnpmLockfiles[f] = { version: major, source: `${f} lockfileVersion ${lockVersion}, which pnpm ${major} writes`, from: 'lockfile' };
    formats.set(f, lockVersion);
  }
  const perPackage = [...formats.keys()].filter((f) => f !== 'pnpm-lock.yaml');
  const agreed = perPackage.length && new Set(perPackage.map((f) => pnpmLockfiles[f]?.version)).size === 1 ? perPackage[0] : undefined;
  const pnpmFromLockfile: PnpmVersion | null =
    pnpmLockfiles['pnpm-lock.yaml'] ??
    (agreed
      ? { version: pnpmLockfiles[agreed]?.version ?? '', source: `the per-package lockfiles (${perPackage.join(', ')}) are lockfileVersion ${formats.get(agreed)}, which pnpm ${pnpmLockfiles[agreed]?.version} writes`, from: 'lockfile' }
      : null);
  if (!pnpm) pnpm = pnpmFromLockfile;
  return { name, lockfiles, pnpm, pnpmFromLockfile, pnpmLockfiles };
}

