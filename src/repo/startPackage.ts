/**
 * Which workspace package a service's image runs, from its start command: the package a package
 * manager runs its script in (`npm start --workspace=$WORKER`, with WORKER's value in the
 * container), else the package holding the file `node <file>` runs (`node apps/$APP/dist/main.js`)
 * or the directory the command moves to (`cd apps/jobs && ...`). One Dockerfile that copies every
 * app and picks one at run time serves several services: this is how each one's package is found.
 *
 * Not established when a variable there has no value ecsfix can establish (or the directory the
 * command runs in is not): the result then says why, at the start command's line.
 */
import { posix } from 'node:path';
import type { CommandAt, ProcessCwd } from './processCwd.js';
import type { WorkspacePackage } from './workspace.js';

export type StartPackage = { known: true; pkg: WorkspacePackage | null } | { known: false; because: string; at: CommandAt };

/** The workspace package whose directory (in the image) holds `path`, the deepest one; null for none. */
function packageHolding(path: string, packages: readonly WorkspacePackage[], imageFile: (imagePath: string) => string | null): WorkspacePackage | null {
  const byManifest = manifestsOf(packages);
  for (let dir = posix.normalize(path); dir !== '.' && dir !== '/' && dir !== ''; dir = posix.dirname(dir)) {
    const manifest = imageFile(posix.join(dir, 'package.json'));
    const pkg = manifest === null ? undefined : byManifest.get(manifest);
    if (pkg) return pkg;
  }
  return null;
}

const manifestIndexes = new WeakMap<readonly WorkspacePackage[], Map<string, WorkspacePackage>>();

/** The workspace packages (not the root) by their package.json's repo path, indexed once per list: the model asks per service. */
function manifestsOf(packages: readonly WorkspacePackage[]): Map<string, WorkspacePackage> {
  let index = manifestIndexes.get(packages);
  if (!index) {
    index = new Map();
    for (const p of packages) if (p.dir && !index.has(posix.join(p.dir, 'package.json'))) index.set(posix.join(p.dir, 'package.json'), p);
    manifestIndexes.set(packages, index);
  }
  return index;
}

export function startPackage(cwd: ProcessCwd, packages: readonly WorkspacePackage[], imageFile: ((imagePath: string) => string | null) | undefined): StartPackage {
  if (!cwd.known) return { known: false, because: cwd.because, at: cwd.at };
  if (cwd.runs.unknown) return { known: false, because: cwd.runs.unknown, at: cwd.at ?? { file: '', line: 1 } };
  if (cwd.runs.pkg) return { known: true, pkg: cwd.runs.pkg };
  if (!imageFile) return { known: true, pkg: null };
  const from = cwd.runs.file ?? cwd.path;
  return { known: true, pkg: packageHolding(from, packages, imageFile) ?? (cwd.runs.file ? packageHolding(cwd.path, packages, imageFile) : null) };
}

/**
 * The service directory once the start command is read: the package it runs when the directory
 * found from the Dockerfile holds it (the repo root, or `apps/` that COPY brings whole).
 */
export function startDir(dir: string, start: StartPackage): string {
  if (!start.known || !start.pkg?.dir) return dir;
  return dir === '' || start.pkg.dir.startsWith(dir + '/') ? start.pkg.dir : dir;
}
