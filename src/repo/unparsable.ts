/**
 * What a file that does not parse would have decided. A change whose decision depends on such a
 * file is withheld, so a run with a broken file makes a subset of the clean run's changes, never
 * different ones. The reach of a broken file is a directory (root-relative, '' = the whole repo):
 * every change to a file under it may depend on what the broken file says.
 *
 * - A compose file decides ports, roles and build contexts for the services of its project: its
 *   directory, widened to the build contexts its text still names and to the compose files that
 *   include, extend or `-f`-pair with it (they form one project).
 * - A package.json or pnpm-workspace.yaml inside a workspace decides the workspace packages every
 *   member may depend on (a broken manifest's package name is unknown): the workspace root.
 *   A package.json outside any workspace decides only its own package: its directory.
 */
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../findings/finding.js';
import type { UnparsableReach } from './model.js';
import { jsonProblem } from './workspace.js';

const dirOf = (file: string) => (posix.dirname(file) === '.' ? '' : posix.dirname(file));

/** The deepest directory holding both (root-relative, '' = the root). */
function commonDir(a: string, b: string): string {
  const x = a ? a.split('/') : [];
  const y = b ? b.split('/') : [];
  const shared: string[] = [];
  for (let i = 0; i < Math.min(x.length, y.length) && x[i] === y[i]; i++) shared.push(x[i] as string);
  return shared.join('/');
}

/** Normalised root-relative directory, or null when the path leaves the repo. */
function within(dir: string, relPath: string): string | null {
  const joined = posix.normalize(posix.join(dir || '.', relPath));
  if (joined === '..' || joined.startsWith('../') || posix.isAbsolute(joined)) return null;
  return joined === '.' ? '' : joined.replace(/\/+$/, '');
}

export function composeReach(file: string, text: string | null, composeFiles: string[], read: (rel: string) => string | null, pairs: string[][]): string {
  let reach = dirOf(file);
  // Build contexts and Dockerfiles the broken text still names (`build: ../api`, `context: ./web`).
  for (const m of (text ?? '').matchAll(/^\s*-?\s*(?:build|context|dockerfile)\s*:\s*["']?([^\s"'#{}[\]]+)/gm)) {
    const target = within(dirOf(file), m[1] as string);
    reach = target === null ? '' : commonDir(reach, target);
  }
  // Compose files that name it (include:, extends: file:) share its project.
  for (const other of composeFiles) {
    if (other === file) continue;
    const relative = posix.relative(dirOf(other) || '.', file);
    if ((read(other) ?? '').includes(relative)) reach = commonDir(reach, dirOf(other));
  }
  for (const pair of pairs) if (pair.includes(file)) for (const f of pair) reach = commonDir(reach, dirOf(f));
  return reach;
}

/** The nearest directory at or above `dir` that is a workspace root, or null. */
function workspaceRoot(dir: string, files: Set<string>, read: (rel: string) => string | null): string | null {
  for (let current = dir; ; current = dirOf(current)) {
    const at = (name: string) => (current ? `${current}/${name}` : name);
    if (files.has(at('pnpm-workspace.yaml'))) return current;
    const manifest = files.has(at('package.json')) ? read(at('package.json')) : null;
    if (manifest !== null && /"workspaces"\s*:/.test(manifest)) return current;
    if (current === '') return null;
  }
}

/**
 * Every package.json and pnpm-workspace.yaml that does not parse: the finding (ECS005, ECS007) and
 * its reach. The workspace's own reading of a manifest, when it already reported one, is replaced.
 */
export function manifestProblems(files: string[], read: (rel: string) => string | null): { findings: Finding[]; reach: UnparsableReach[] } {
  const fileSet = new Set(files);
  const findings: Finding[] = [];
  const reach: UnparsableReach[] = [];
  for (const file of files) {
    const name = posix.basename(file);
    if (name !== 'package.json' && name !== 'pnpm-workspace.yaml') continue;
    const text = read(file);
    if (text === null) continue;
    let problem: Finding | null = null;
    if (name === 'package.json') problem = jsonProblem(file, text);
    else
      try {
        parseYaml(text);
      } catch (error) {
        const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line ?? 1;
        const message = `not valid YAML (${(error instanceof Error ? error.message : String(error)).split('\n')[0]}); the workspace packages it lists are unknown`;
        problem = { code: 'ECS007', severity: 'blocking', file, line, message };
      }
    if (!problem) continue;
    // A broken root manifest may be the one that declares the workspace: it reaches the whole repo.
    const dir = dirOf(file);
    findings.push(problem);
    reach.push({ file, affects: dir === '' ? '' : (workspaceRoot(dir, fileSet, read) ?? dir) });
  }
  return { findings, reach };
}

/** The broken file a change to `path` depends on, if any (never the file itself: that one is an error). */
export function blockingFile(reach: UnparsableReach[], path: string): string | null {
  return reach.find((r) => r.file !== path && (r.affects === '' || path === r.affects || path.startsWith(`${r.affects}/`)))?.file ?? null;
}
