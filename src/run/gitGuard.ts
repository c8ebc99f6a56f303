/**
 * The git guard: `apply` refuses to overwrite files with uncommitted changes (untracked files are
 * ignored; a directory outside git is clean), and names the dirty files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The git state files that mean an operation is half done, and its name. */
const IN_PROGRESS: readonly [string, string][] = [
  ['MERGE_HEAD', 'a merge'],
  ['rebase-merge', 'a rebase'],
  ['rebase-apply', 'a rebase or git am'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick'],
  ['REVERT_HEAD', 'a revert'],
];

/**
 * The git operation the work tree is in the middle of ("a merge"), or null. Writing then would mix
 * ecsfix's changes into the merge's resolution, so `apply` refuses unless --allow-dirty.
 */
export function gitOperationInProgress(root: string): string | null {
  let paths: string[];
  try {
    const args = IN_PROGRESS.flatMap(([file]) => ['--git-path', file]);
    paths = execFileSync('git', ['-C', root, 'rev-parse', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
  } catch {
    return null; // not a git work tree
  }
  const found = IN_PROGRESS.find((_, i) => paths[i] && existsSync(resolve(root, paths[i] as string)));
  return found ? found[1] : null;
}

export function dirtyFiles(root: string, paths: string[]): string[] {
  if (paths.length === 0) return [];
  let prefix: string;
  try {
    prefix = execFileSync('git', ['-C', root, 'rev-parse', '--show-prefix'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return []; // not a git work tree
  }
  const out = execFileSync('git', ['-C', root, 'status', '--porcelain=v1', '-z', '--untracked-files=no', '--', ...paths], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const dirty: string[] = [];
  const entries = out.split('\0').filter(Boolean);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? '';
    const status = entry.slice(0, 2);
    const file = entry.slice(3);
    if (status.includes('R') || status.includes('C')) i++; // the next entry is the rename source
    dirty.push(file.startsWith(prefix) ? file.slice(prefix.length) : file);
  }
  return dirty.filter((f) => paths.includes(f)).sort();
}
