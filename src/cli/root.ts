/**
 * Where the repo starts. Run inside a subdirectory (`cd services && ecsfix diff`), ecsfix models
 * the whole repo — compose files, the lockfile and workspace packages live at its root — and
 * limits changes to the subtree it was given. The root is the nearest enclosing directory that is
 * a git work tree's top, holds `pnpm-workspace.yaml`, or holds a `package.json` with `workspaces`.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export interface Target {
  /** The directory the model is built from (absolute, real path). */
  root: string;
  /** The subtree changes are limited to, root-relative POSIX ('' = everything). */
  scope: string;
  /** Why `root` is the root when it is above the directory given. */
  reason: string | null;
}

function workspacesIn(packageJson: string): boolean {
  try {
    const parsed: unknown = JSON.parse(readFileSync(packageJson, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'workspaces' in parsed;
  } catch {
    return false; // an unreadable manifest marks no root; the model reports it if it matters
  }
}

/** Why `dir` is a repo root, or null. */
function rootMarker(dir: string): string | null {
  if (existsSync(join(dir, '.git'))) return 'the git work tree';
  if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return 'pnpm-workspace.yaml';
  if (existsSync(join(dir, 'package.json')) && workspacesIn(join(dir, 'package.json'))) return 'package.json workspaces';
  return null;
}

export function findTarget(dir: string): Target {
  const given = realpathSync(dir);
  for (let current = given; ; current = dirname(current)) {
    const reason = rootMarker(current);
    if (reason) return { root: current, scope: relative(current, given).split(sep).join('/'), reason: current === given ? null : reason };
    if (dirname(current) === current) return { root: given, scope: '', reason: null };
  }
}

export function inScope(scope: string, path: string): boolean {
  return scope === '' || path === scope || path.startsWith(`${scope}/`);
}
