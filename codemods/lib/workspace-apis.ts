/**
 * Under the jscodeshift CLI there is no repo model, yet a wrapper's stop method is decided by its
 * declaration in the workspace package the worker imports. This follows the import the way the
 * model does: find the workspace root above the file (pnpm-workspace.yaml, or a package.json with
 * `workspaces`), list its packages, and read each package's exported API with jscodeshift's own
 * parser (module-api.ts reads Babel and ESTree alike), so standalone and `ecsfix apply` decide the
 * same. Read once per workspace root.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { JSCodeshift } from 'jscodeshift';
import type { PackageSources } from '../../src/codemod.ts';
import { apiOfProgram, packageEntry, type ModuleApi } from '../../src/source/module-api.ts';

interface Workspace {
  apis: Record<string, ModuleApi>;
  sources: Record<string, PackageSources>;
}

const byRoot = new Map<string, Workspace>();
const SKIP = /^(?:node_modules|dist|build|out|\.next|coverage|__tests__|tests?|__mocks__|fixtures)$/;
const SOURCE = /\.(?:[cm]?[jt]sx?)$/;
const NOT_SOURCE = /\.d\.[cm]?ts$|\.(?:test|spec)\.[cm]?[jt]sx?$/;

function workspaceRoot(file: string): { root: string; patterns: string[] } | null {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    const pnpm = join(dir, 'pnpm-workspace.yaml');
    if (existsSync(pnpm)) {
      const patterns = [...readFileSync(pnpm, 'utf8').matchAll(/^\s*-\s*['"]?([^'"#\n]+?)['"]?\s*$/gm)].map((m) => m[1] ?? '').filter((p) => !p.startsWith('!'));
      return { root: dir, patterns };
    }
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8'));
        const ws = Array.isArray(json.workspaces) ? json.workspaces : json.workspaces?.packages;
        if (Array.isArray(ws)) return { root: dir, patterns: ws };
      } catch {
        /* not JSON: keep looking */
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

function packageDirs(root: string, patterns: string[]): string[] {
  const dirs: string[] = [];
  for (const pattern of patterns) {
    const clean = pattern.replace(/\/\*\*?$/, '');
    const base = join(root, clean);
    if (!existsSync(base)) continue;
    if (/\*$/.test(pattern)) {
      for (const entry of readdirSync(base, { withFileTypes: true })) if (entry.isDirectory() && existsSync(join(base, entry.name, 'package.json'))) dirs.push(join(base, entry.name));
    } else if (existsSync(join(base, 'package.json'))) dirs.push(base);
  }
  return dirs;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      if (!SKIP.test(entry.name)) out.push(...sourceFiles(join(dir, entry.name)));
    } else if (SOURCE.test(entry.name) && !NOT_SOURCE.test(entry.name)) out.push(join(dir, entry.name));
  }
  return out;
}

/** The exported APIs of the workspace packages around `file`, by package name. */
export function workspaceApis(file: string, j: JSCodeshift): Record<string, ModuleApi> {
  return workspace(file, j)?.apis ?? {};
}

/** The source files of the workspace packages around `file` (paths relative to the workspace root), by package name. */
export function workspaceSources(file: string, j: JSCodeshift): Record<string, PackageSources> {
  return workspace(file, j)?.sources ?? {};
}

function workspace(file: string, j: JSCodeshift): Workspace | null {
  const ws = workspaceRoot(file);
  if (!ws) return null;
  const cached = byRoot.get(ws.root);
  if (cached) return cached;
  const apis: Record<string, ModuleApi> = {};
  const sources: Record<string, PackageSources> = {};
  for (const dir of packageDirs(ws.root, ws.patterns)) {
    let name: string | undefined;
    try {
      name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
    } catch {
      continue;
    }
    if (!name) continue;
    const merged: ModuleApi = { exports: [], factories: {} };
    const own: Record<string, string> = {};
    for (const path of sourceFiles(dir)) {
      const text = readFileSync(path, 'utf8');
      own[relative(ws.root, path)] = text;
      if (!/\bexport\b|module\.exports|exports\./.test(text)) continue;
      let program;
      try {
        program = j.withParser(/x$/.test(path) ? 'tsx' : 'ts')(text).get().node.program;
      } catch {
        continue; // a file that does not parse exports nothing known
      }
      const api = apiOfProgram(program, text);
      merged.exports.push(...api.exports);
      merged.mongoAware = [...(merged.mongoAware ?? []), ...(api.mongoAware ?? [])];
      Object.assign(merged.factories, api.factories);
      for (const [n, helper] of Object.entries(api.signalHelpers ?? {})) (merged.signalHelpers ??= {})[n] ??= { ...helper, file: relative(ws.root, path) };
    }
    merged.exports = [...new Set(merged.exports)];
    apis[name] = merged;
    const prefix = relative(ws.root, dir);
    const entry = packageEntry((rel) => own[join(prefix, rel)] !== undefined);
    sources[name] = { entry: entry === null ? null : join(prefix, entry), files: own };
  }
  const found = { apis, sources };
  byRoot.set(ws.root, found);
  return found;
}
