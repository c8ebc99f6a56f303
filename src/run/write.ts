/**
 * Writes changes atomically (temp file in the same directory, then rename), keeping the file mode,
 * and never outside the root or through a symlink.
 *
 * A temp file is named `.<file>.ecsfix-<pid>-<8 hex>.tmp`. A run killed between writing it and the
 * rename leaves it behind with the target still wholly old; the next run that writes into that
 * directory removes such leftovers whose process is gone (the model never reads them: the name
 * matches no Dockerfile, compose or source pattern).
 */
import { existsSync, lstatSync, readdirSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, relative, isAbsolute, basename, posix } from 'node:path';
import { randomBytes } from 'node:crypto';

export class UnsafePathError extends Error {}

/** Resolves a repo-relative path, refusing anything that escapes the root or is a symlink. */
export function safeTarget(root: string, rel: string, realRoot = realpathSync(root)): string {
  if (isAbsolute(rel)) throw new UnsafePathError(`${rel}: not a path inside ${root}`);
  const target = join(realRoot, rel);
  const inside = (p: string) => {
    const r = relative(realRoot, p);
    return r === '' || (!r.startsWith('..') && !isAbsolute(r));
  };
  if (!inside(target)) throw new UnsafePathError(`${rel}: outside ${root}`);
  if (!inside(realpathSync(dirname(target)))) throw new UnsafePathError(`${rel}: its directory resolves outside ${root}`);
  if (lstatExists(target)) {
    if (lstatSync(target).isSymbolicLink()) throw new UnsafePathError(`${rel}: is a symlink; not followed`);
  }
  return target;
}

/** Whether anything (a dangling symlink included) is at `path`. */
function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

const TEMP_NAME = /^\..+\.ecsfix-(\d+)-[0-9a-f]{8}\.tmp$/;

export function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.ecsfix-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Whether a file name is an ecsfix temp file. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/**
 * Removes temp files a killed run left in `dir` (absolute). Those of a process that is still alive
 * (a concurrent run) are left alone. Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (pid === undefined || processAlive(Number(pid))) continue;
    try {
      if (lstatSync(join(dir, name)).isFile()) {
        unlinkSync(join(dir, name));
        removed.push(name);
      }
    } catch {
      /* raced with another cleaner */
    }
  }
  return removed;
}

export function writeFileAtomic(root: string, rel: string, contents: string, realRoot?: string): void {
  const target = safeTarget(root, rel, realRoot);
  // A new file (a created .env.example) gets the usual 0644, narrowed by the umask.
  const mode = existsSync(target) ? statSync(target).mode & 0o7777 : 0o666 & ~process.umask();
  const temp = tempName(target);
  try {
    writeFileSync(temp, contents, { mode });
    chmodSync(temp, mode); // umask may have narrowed it
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      /* already gone */
    }
    throw error;
  }
}

/**
 * Writes each file atomically, in order, after clearing leftovers of killed runs from the
 * directories it writes into. Returns the paths written. Stops at the first error (the files
 * before it are written, each wholly).
 */
export function writeFiles(root: string, files: readonly { path: string; contents: string }[]): string[] {
  const realRoot = realpathSync(root);
  for (const dir of new Set(files.map((f) => posix.dirname(f.path)))) {
    const abs = join(realRoot, dir);
    if (relative(realRoot, abs).startsWith('..')) continue; // safeTarget refuses it below
    removeStaleTempFiles(abs);
  }
  const written: string[] = [];
  for (const file of files) {
    writeFileAtomic(root, file.path, file.contents, realRoot);
    written.push(file.path);
  }
  return written;
}
