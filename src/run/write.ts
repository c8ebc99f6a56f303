/**
 * Writes changes atomically (temp file in the same directory, then rename), keeping the file mode,
 * and never outside the root or through a symlink.
 */
import { lstatSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, relative, isAbsolute, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

export class UnsafePathError extends Error {}

/** Resolves a repo-relative path, refusing anything that escapes the root or is a symlink. */
export function safeTarget(root: string, rel: string): string {
  const realRoot = realpathSync(root);
  const target = join(realRoot, rel);
  const inside = (p: string) => {
    const r = relative(realRoot, p);
    return r === '' || (!r.startsWith('..') && !isAbsolute(r));
  };
  if (!inside(target)) throw new UnsafePathError(`${rel}: outside ${root}`);
  if (!inside(realpathSync(dirname(target)))) throw new UnsafePathError(`${rel}: its directory resolves outside ${root}`);
  if (lstatSync(target).isSymbolicLink()) throw new UnsafePathError(`${rel}: is a symlink; not followed`);
  return target;
}

export function writeFileAtomic(root: string, rel: string, contents: string): void {
  const target = safeTarget(root, rel);
  const mode = statSync(target).mode & 0o7777;
  const temp = join(dirname(target), `.${basename(target)}.ecsfix-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
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
