/**
 * The git guard: `apply` refuses to overwrite files with uncommitted changes (untracked files are
 * ignored; a directory outside git is clean), and names the dirty files.
 */
import { execFileSync } from 'node:child_process';

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
