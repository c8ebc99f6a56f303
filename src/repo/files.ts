/**
 * Lists the files of a repo: in a git work tree, the tracked and untracked-but-not-ignored files
 * (so .gitignore is honoured); elsewhere a walk. Generated and vendored trees (node_modules, dist,
 * build, virtualenvs) are skipped even when committed, and symlinks are never followed.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';

export const SKIPPED_DIRS = new Set([
  'node_modules', '.git', 'dist', 'build', 'out', '.next', '.nuxt', '.turbo', '.cache', 'coverage',
  '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', 'vendor', '.terraform',
]);

function skipped(rel: string): boolean {
  return rel.split('/').some((segment) => SKIPPED_DIRS.has(segment));
}

function gitFiles(root: string): string[] | null {
  try {
    const out = execFileSync('git', ['-C', root, 'ls-files', '-co', '--exclude-standard', '-z'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024,
    });
    return out.split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

function walk(root: string): string[] {
  const files: string[] = [];
  const visit = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) visit(child);
      } else if (entry.isFile()) files.push(child);
    }
  };
  visit('');
  return files;
}

/** Files of a git work tree that git does not track (untracked, not ignored): a fresh clone lacks them. Empty outside git. */
export function untrackedFiles(root: string): Set<string> {
  try {
    const out = execFileSync('git', ['-C', root, 'ls-files', '-o', '--exclude-standard', '-z'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
    return new Set(out.split('\0').filter(Boolean));
  } catch {
    return new Set();
  }
}

/**
 * The files a clean clone has with the exec bit, as a build copies them into an image: git's
 * recorded mode (100755) for a tracked file — what CI checks out, whatever the work tree's mode on a
 * machine with core.fileMode off — and the file's own mode for the rest (untracked, or outside git).
 */
export function executableFiles(root: string, files: readonly string[]): Set<string> {
  const recorded = new Map<string, boolean>();
  try {
    const out = execFileSync('git', ['-C', root, 'ls-files', '-s', '-z'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
    for (const entry of out.split('\0')) {
      const tab = entry.indexOf('\t');
      if (tab > 0) recorded.set(entry.slice(tab + 1), entry.startsWith('100755 '));
    }
  } catch {
    // not a git work tree: every file's own mode
  }
  const executable = new Set<string>();
  for (const rel of files) {
    let exec = recorded.get(rel);
    if (exec === undefined) {
      try {
        exec = (lstatSync(join(root, rel)).mode & 0o111) !== 0;
      } catch {
        exec = false;
      }
    }
    if (exec) executable.add(rel);
  }
  return executable;
}

/** Repo-relative POSIX paths of the regular files (no symlinks) the tool may read. */
export function listRepoFiles(root: string): string[] {
  const listed = gitFiles(root) ?? walk(root);
  return listed
    .filter((rel) => !skipped(rel))
    .filter((rel) => {
      try {
        return lstatSync(join(root, rel)).isFile();
      } catch {
        return false; // deleted in the work tree but still in the index
      }
    })
    .sort();
}

const fileSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * `files.includes(path)` for the repo's file list, without scanning it: the model and the transforms
 * ask it per service, per install and per write, which made a scan quadratic in the repo's size.
 */
export function hasFile(files: readonly string[], path: string): boolean {
  let set = fileSets.get(files);
  if (!set) {
    set = new Set(files);
    fileSets.set(files, set);
  }
  return set.has(path);
}

const sortedLists = new WeakMap<readonly string[], boolean>();

/**
 * `files.filter((f) => f.startsWith(prefix))`, in the list's order, without scanning the whole
 * list when it is sorted (the repo's file list is): the model asks it once per service, and a
 * scan per service made the model quadratic in the repo's size.
 */
export function filesUnder(files: readonly string[], prefix: string): string[] {
  let sorted = sortedLists.get(files);
  if (sorted === undefined) {
    sorted = files.every((f, i) => i === 0 || (files[i - 1] as string) <= f);
    sortedLists.set(files, sorted);
  }
  if (!sorted || prefix === '') return files.filter((f) => f.startsWith(prefix));
  // The files starting with `prefix` are one run of a sorted list: find its first, then walk it.
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((files[mid] as string) < prefix) lo = mid + 1;
    else hi = mid;
  }
  const under: string[] = [];
  for (let i = lo; i < files.length && (files[i] as string).startsWith(prefix); i++) under.push(files[i] as string);
  return under;
}
