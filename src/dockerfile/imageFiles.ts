/**
 * The one model of what is in an image: the paths a stage holds, each with where its content comes
 * from, and the one lookup that answers "what is at this path in this stage?". The stages are filled
 * by src/dockerfile/imageBuild.ts (COPY/ADD, WORKDIR, and the RUN steps it understands); the build
 * check (src/check/build/) and the transforms (dockerfile-frozen-lockfile: "is the lockfile next to
 * package.json when the install runs?") both ask through {@link lookup}.
 *
 * Repo files are looked up through {@link repoFiles}, Set-indexed once per file list.
 */
import { posix } from 'node:path';
import type { DockerInstruction } from '../repo/dockerfile.js';
import type { ContextIgnore } from './dockerignore.js';
import type { ShellWord } from './shell.js';

/**
 * Where an entry's content comes from:
 *   context   copied from the build context (`rel`: the repo file or directory; null when the
 *             context is unknown and the source names a file)
 *   named     a source a COPY names that the build context lacks: the build fails at that COPY
 *   produced  made by a command the model follows (an install's node_modules, a package's build
 *             output, a `pnpm deploy` directory)
 *   dir       a directory made by WORKDIR or `mkdir`
 *   unknown   a COPY put something here the model cannot name (a variable, a URL, an unknown context)
 */
export type EntryKind = 'context' | 'named' | 'produced' | 'dir' | 'unknown';

/** A path that exists in a stage (an absolute image path), and where its content comes from. */
export interface ImageEntry {
  path: string;
  /** Repo-relative path the content corresponds to ('' = the repo root), null when unknown. */
  rel: string | null;
  kind: EntryKind;
  /** The COPY/ADD that put it in this stage (a `COPY --from` for entries copied from another stage). */
  copy?: DockerInstruction;
  /** That COPY's source word as written. */
  source?: ShellWord;
  /** A node_modules an npm or yarn install made: which packages it installs (see {@link InstallCover}). */
  install?: InstallCover;
}

/**
 * What one npm/yarn install covers: the repo directories ('' = the root) of the packages whose
 * dependencies it installs, the package.json where it runs and, for the root's, the workspace
 * packages the stage holds where its `workspaces` globs look (yarn and npm install no other).
 * `packages` is null when the package.json there is not one the model can name.
 */
export interface InstallCover {
  line: number;
  /** The image directory it ran in. */
  dir: string;
  packages: string[] | null;
}

/** The files of one stage at one point of the build. */
export interface StageFiles {
  entries: ImageEntry[];
  /** The stage ran a command the model cannot follow: it may hold paths the model cannot see. */
  uncertain: boolean;
  /** The line of the first instruction that made it uncertain (of this stage or one it copies from), when known. */
  unfollowed?: number;
  workdir: string;
}

/** What a lookup found: the repo path the content corresponds to, its kind, and the entry that holds it. */
export interface Found {
  rel: string | null;
  kind: EntryKind;
  entry: ImageEntry | null;
}

/** Set lookups over the repo's file list. */
export interface RepoFiles {
  /** A file of the repo. */
  has(path: string): boolean;
  /** A directory of the repo ('' = the root). */
  isDir(path: string): boolean;
  /** A file or a directory. */
  exists(path: string): boolean;
  /** A directory with a JS/TS source file somewhere below it. */
  hasSourcesBelow(dir: string): boolean;
  /** Files and directories below a build context, context-relative. */
  underContext(context: string): ContextFiles;
}

/** A build context's files and directories, context-relative ('' = the context itself). */
export interface ContextFiles {
  files: ReadonlySet<string>;
  dirs: ReadonlySet<string>;
  /** The files and directories directly in a directory. */
  children: ReadonlyMap<string, readonly { rel: string; dir: boolean }[]>;
}

const SOURCE_EXT = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

const indexes = new WeakMap<readonly string[], RepoFiles>();

/** The index of a file list, built once per list (the model's `files`). */
export function repoFiles(files: readonly string[]): RepoFiles {
  const hit = indexes.get(files);
  if (hit) return hit;
  const fileSet = new Set(files);
  const dirs = new Set<string>(['']);
  const sourceDirs = new Set<string>();
  for (const f of files) {
    const isSource = SOURCE_EXT.some((e) => f.endsWith(e));
    for (let d = posix.dirname(f); d !== '.'; d = posix.dirname(d)) {
      if (isSource) sourceDirs.add(d);
      else if (dirs.has(d)) break;
      dirs.add(d);
    }
  }
  const contexts = new Map<string, ContextFiles>();
  let sorted: string[] | null = null;
  const index: RepoFiles = {
    has: (p) => fileSet.has(p),
    isDir: (p) => dirs.has(p),
    exists: (p) => p === '' || fileSet.has(p) || dirs.has(p),
    hasSourcesBelow: (d) => sourceDirs.has(d),
    underContext(context) {
      let found = contexts.get(context);
      if (!found) {
        sorted ??= [...files].sort();
        found = contextFiles(sorted, context);
        contexts.set(context, found);
      }
      return found;
    },
  };
  indexes.set(files, index);
  return index;
}

/**
 * The repo's files as a build sees them: the context's `.dockerignore` leaves paths out (`has`,
 * `isDir` and the context's listing answer as if they were not there). The plain index when the
 * context has no ignore file.
 */
export function buildFiles(files: readonly string[], context: string | null, ignore: ContextIgnore | null | undefined): RepoFiles {
  const base = repoFiles(files);
  if (context === null || !ignore) return base;
  // One view per file list, ignore file and context: every image of a 500-service repo shares it.
  let cached = ignoredViews.get(ignore);
  if (!cached || cached.files !== files) ignoredViews.set(ignore, (cached = { files, byContext: new Map() }));
  let view = cached.byContext.get(context);
  if (!view) cached.byContext.set(context, (view = ignoringView(base, context, ignore)));
  return view;
}

const ignoredViews = new WeakMap<ContextIgnore, { files: readonly string[]; byContext: Map<string, RepoFiles> }>();

function ignoringView(base: RepoFiles, context: string, ignore: ContextIgnore): RepoFiles {
  const prefix = context ? context + '/' : '';
  const hidden = (p: string) => (context === '' || p.startsWith(prefix)) && p !== context && ignore.ignored(p.slice(prefix.length)) !== null;
  let listing: ContextFiles | null = null;
  return {
    has: (p) => base.has(p) && !hidden(p),
    isDir: (p) => base.isDir(p) && !hidden(p),
    exists: (p) => p === '' || ((base.has(p) || base.isDir(p)) && !hidden(p)),
    hasSourcesBelow: (d) => base.hasSourcesBelow(d),
    underContext(c) {
      if (c !== context) return base.underContext(c);
      if (!listing) {
        const all = base.underContext(c);
        const keep = (rel: string) => rel === '' || ignore.ignored(rel) === null;
        listing = {
          files: new Set([...all.files].filter(keep)),
          dirs: new Set([...all.dirs].filter(keep)),
          children: new Map([...all.children].filter(([dir]) => keep(dir)).map(([dir, list]) => [dir, list.filter((e) => keep(e.rel))])),
        };
      }
      return listing;
    },
  };
}

/** The files below a context, from the sorted file list: only the range that starts with its prefix is read. */
function contextFiles(sorted: readonly string[], context: string): ContextFiles {
  const prefix = context ? context + '/' : '';
  const files = new Set<string>();
  const dirs = new Set<string>(['']);
  const children = new Map<string, { rel: string; dir: boolean }[]>();
  const add = (rel: string, dir: boolean) => {
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const list = children.get(parent);
    if (list) list.push({ rel, dir });
    else children.set(parent, [{ rel, dir }]);
  };
  for (let i = firstAtLeast(sorted, prefix); i < sorted.length && (sorted[i] as string).startsWith(prefix); i++) {
    const rel = (sorted[i] as string).slice(prefix.length);
    files.add(rel);
    add(rel, false);
    for (let d = rel.lastIndexOf('/'); d > 0; d = rel.lastIndexOf('/', d - 1)) {
      const dir = rel.slice(0, d);
      if (dirs.has(dir)) break;
      dirs.add(dir);
      add(dir, true);
    }
  }
  return { files, dirs, children };
}

/** The index of the first string of a sorted list that is not below `key`. */
function firstAtLeast(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const joinRel = (a: string, b: string): string => (a && b ? `${a}/${b}` : a || b);

/** A repo-relative path as written in a COPY or a selector: `.`/`./` is the root, no `./`, no trailing `/`. */
export const normRel = (p: string): string => (p === '.' || p === './' ? '' : p.replace(/^\.\//, '').replace(/\/+$/, ''));

/** An absolute image path: `p` resolved against the working directory. */
export function absPath(workdir: string, p: string): string {
  return posix.normalize(p.startsWith('/') ? p : posix.join(workdir, p)).replace(/(.)\/+$/, '$1');
}

const below = (path: string, dir: string): boolean => path.startsWith(dir === '/' ? '/' : dir + '/');

/**
 * What the stage holds at an absolute path, the latest COPY or step first. A path below a copied
 * directory exists when the repo has it there; below a package's build output when its sources
 * explain it. `named` also counts a source a COPY names that the context lacks (the build stops at
 * that COPY, which the build check reports; a transform planning a later step assumes it is there).
 */
export function lookup(stage: StageFiles, path: string, files: RepoFiles, options: { named?: boolean } = {}): Found | null {
  for (let i = stage.entries.length - 1; i >= 0; i--) {
    const e = stage.entries[i] as ImageEntry;
    if (e.kind === 'named' && !options.named) continue;
    if (e.path === path) return { rel: e.rel, kind: e.kind, entry: e };
    if (e.kind !== 'dir' && below(path, e.path)) {
      const rest = path.slice(e.path === '/' ? 1 : e.path.length + 1);
      if (e.kind === 'unknown') return { rel: null, kind: 'unknown', entry: e };
      if (e.kind === 'named' || (e.kind === 'context' && e.rel === null)) continue;
      if (e.kind === 'produced' && e.rel !== null && !builtFileExists(files, e.rel, rest)) continue;
      if (e.kind === 'produced') return { rel: e.rel === null ? null : joinRel(e.rel, rest), kind: e.kind, entry: e };
      const rel = joinRel(e.rel ?? '', rest);
      if (files.exists(rel)) return { rel, kind: 'context', entry: e };
      continue;
    }
    if (below(e.path, path)) return { rel: null, kind: 'dir', entry: null };
  }
  return null;
}

/**
 * Whether a path below a package's build output can exist: a compiled file needs a source file of
 * the same stem (src/a/b.ts -> dist/a/b.js), a directory a source directory. Outputs the repo
 * cannot explain (no sources at all, generated code) are given the benefit of the doubt.
 */
function builtFileExists(files: RepoFiles, outRel: string, rest: string): boolean {
  if (!rest) return true;
  if (files.has(joinRel(outRel, rest))) return true; // committed build output
  const pkgDir = posix.dirname(outRel) === '.' ? '' : posix.dirname(outRel);
  const prefix = pkgDir ? pkgDir + '/' : '';
  const roots = [prefix + 'src/', prefix];
  if (!files.hasSourcesBelow(prefix + 'src')) return true;
  const stem = rest.replace(/(?:\.d)?\.(?:[cm]?js|map)(?:\.map)?$/, '');
  if (stem === rest) return roots.some((r) => files.isDir(r + rest));
  return roots.some((r) => SOURCE_EXT.some((e) => files.has(r + stem + e)));
}

/** The entries at `src` of one stage, as they land at `dest` of another (by `copy`, a `COPY --from`) or of the same one (a RUN's `cp`). */
export function copyEntries(from: StageFiles, src: string, dest: string, files: RepoFiles, copy?: DockerInstruction, source?: ShellWord): ImageEntry[] {
  const found = lookup(from, src, files);
  const out: ImageEntry[] = [];
  if (found && found.kind !== 'dir') out.push({ path: dest, rel: found.rel, kind: found.kind, copy, source });
  // Entries at `src` itself too: a COPY of the directory a later step wrote into (`/repo` after `COPY . .` and an install) copies what both put there.
  for (const e of from.entries) if (e.path === src || below(e.path, src)) out.push({ ...e, path: posix.join(dest, e.path.slice(src.length)), copy, source });
  if (found?.kind === 'dir' && out.length === 0) out.push({ path: dest, rel: null, kind: 'dir', copy, source });
  return out;
}

/** Whether a stage holds a file at an image path (`unknown`: a COPY there cannot be followed), and what holds it. */
export function presence(stage: StageFiles, path: string, files: RepoFiles): { presence: 'yes' | 'no' | 'unknown'; found: Found | null } {
  const found = lookup(stage, path, files, { named: true });
  if (!found || found.kind === 'dir' || (found.kind === 'context' && found.rel !== null && files.isDir(found.rel))) return { presence: 'no', found: null };
  return { presence: found.kind === 'unknown' ? 'unknown' : 'yes', found };
}
