/**
 * Which repo files are in an image at a given instruction: what the COPY/ADD instructions of the
 * stage (and the stages it is built FROM, and `COPY --from=<stage>`) brought from the build
 * context, and the WORKDIR in force. Enough to answer "is pnpm-lock.yaml next to package.json when
 * `pnpm install` runs?" and "which COPY brought package.json?".
 *
 * An explicit (non-glob) file source is taken as present: the build fails otherwise. A directory
 * or glob source is resolved against the repo's files, so it needs the build context; a source
 * with a variable is unknown. `.dockerignore` is not read.
 */
import { posix } from 'node:path';
import { effectiveInstructions, type DockerInstruction, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';
import { copyArguments, copyFlag } from './copy.js';
import { globToRegExp, isGlob } from './glob.js';
import type { ShellWord } from './shell.js';

export interface CopyEntry {
  /** Absolute path in the image: the file, or the directory the source's contents went to. */
  image: string;
  kind: 'file' | 'dir' | 'unknown';
  /** Repo-relative path of the source (null when the context is unknown or it came from elsewhere). */
  repoPath: string | null;
  copy: DockerInstruction;
  /** The source word as written. */
  source: ShellWord | null;
}

export type Presence = 'yes' | 'no' | 'unknown';

export interface ImageFiles {
  entries: CopyEntry[];
  workdir: string;
}

interface FileIndex {
  has(path: string): boolean;
  isDir(path: string): boolean;
  /** The files directly in a directory ('' = the root), in the list's order. */
  inDir(dir: string): readonly string[];
}

const indexes = new WeakMap<readonly string[], FileIndex>();

/** Set lookups over the repo's file list, built once per model. */
function fileIndex(files: readonly string[]): FileIndex {
  let index = indexes.get(files);
  if (!index) {
    const fileSet = new Set(files);
    const dirs = new Set<string>(['']);
    const byDir = new Map<string, string[]>();
    for (const f of files) {
      for (let d = posix.dirname(f); d !== '.' && !dirs.has(d); d = posix.dirname(d)) dirs.add(d);
      const dir = posix.dirname(f) === '.' ? '' : posix.dirname(f);
      const list = byDir.get(dir);
      if (list) list.push(f);
      else byDir.set(dir, [f]);
    }
    index = { has: (p) => fileSet.has(p), isDir: (p) => dirs.has(p), inDir: (d) => byDir.get(d) ?? [] };
    indexes.set(files, index);
  }
  return index;
}

/**
 * The files a COPY glob can match: when only its last segment has wildcards (`package*.json`,
 * `services/api/*.json`), just the files of that directory, so a repo's Dockerfiles do not each
 * scan every file of the repo; otherwise all of them. (`[!x]` can match a `/`: all files.)
 */
function globCandidates(pattern: string, files: readonly string[], index: FileIndex): readonly string[] {
  const dir = posix.dirname(pattern) === '.' ? '' : posix.dirname(pattern);
  const last = posix.basename(pattern);
  return isGlob(dir) || last === '**' || last.includes('[!') ? files : index.inDir(dir);
}

function join(context: string, rel: string): string {
  const joined = posix.normalize(posix.join(context === '.' ? '' : context, rel.replace(/^\/+/, '')));
  return joined === '.' ? '' : joined.replace(/\/+$/, '');
}

/**
 * The files in the image just before `at` (or at the end of the stage), for a stage built from
 * `context` (repo-relative, '.' for the root; null when unknown).
 */
export function imageFilesAt(
  parsed: ParsedDockerfile,
  stage: DockerStage,
  at: DockerInstruction | null,
  context: string | null,
  files: readonly string[],
  depth = 0,
): ImageFiles {
  const index = fileIndex(files);
  const entries: CopyEntry[] = [];
  let workdir = '/';
  for (const ins of effectiveInstructions(parsed, stage)) {
    if (ins === at) break;
    if (ins.keyword === 'WORKDIR') {
      const dir = ins.args.trim().replace(/^["']|["']$/g, '');
      if (dir) workdir = posix.resolve(workdir, dir);
      continue;
    }
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const parts = copyArguments(parsed, ins);
    if (!parts) continue;
    const from = copyFlag(parts, 'from');
    const destPath = posix.resolve(workdir, parts.dest.value);
    if (from !== undefined) {
      if (depth > 8) continue;
      const source = parsed.stages.find((s) => s.name?.toLowerCase() === from.toLowerCase()) ?? (/^\d+$/.test(from) ? parsed.stages[Number(from)] : undefined);
      if (!source || source.index >= stage.index) continue;
      const other = imageFilesAt(parsed, source, null, context, files, depth + 1);
      for (const src of parts.sources) {
        const srcPath = posix.resolve(other.workdir, src.value);
        for (const e of other.entries) {
          if (e.image === srcPath || e.image.startsWith(srcPath + '/')) {
            const rel = e.image.slice(srcPath.length);
            const into = e.image === srcPath && e.kind === 'file' && parts.destIsDir ? posix.join(destPath, posix.basename(srcPath)) : destPath + rel;
            entries.push({ ...e, image: into, copy: ins, source: src });
          } else if (srcPath.startsWith(e.image + '/') && e.kind === 'dir' && e.repoPath !== null) {
            const inner = join(e.repoPath, srcPath.slice(e.image.length + 1));
            const isDir = index.isDir(inner);
            entries.push({ image: isDir || !parts.destIsDir ? destPath : posix.join(destPath, posix.basename(srcPath)), kind: isDir ? 'dir' : 'file', repoPath: inner, copy: ins, source: src });
          }
        }
      }
      continue;
    }
    for (const src of parts.sources) {
      if (src.dynamic || /^https?:\/\//.test(src.value)) {
        entries.push({ image: parts.destIsDir ? destPath : posix.dirname(destPath), kind: 'unknown', repoPath: null, copy: ins, source: src });
        continue;
      }
      if (isGlob(src.value)) {
        if (context === null) {
          entries.push({ image: destPath, kind: 'unknown', repoPath: null, copy: ins, source: src });
          continue;
        }
        const pattern = join(context, src.value);
        const re = globToRegExp(pattern);
        for (const f of globCandidates(pattern, files, index).filter((f) => re.test(f))) entries.push({ image: posix.join(destPath, posix.basename(f)), kind: 'file', repoPath: f, copy: ins, source: src });
        continue;
      }
      const repoPath = context === null ? null : join(context, src.value);
      const isDir = repoPath !== null && index.isDir(repoPath);
      if (isDir) entries.push({ image: destPath, kind: 'dir', repoPath, copy: ins, source: src });
      else if (context === null && !/\.[\w-]+$/.test(src.value) && src.value !== 'Dockerfile')
        entries.push({ image: destPath, kind: 'unknown', repoPath: null, copy: ins, source: src }); // a directory, probably
      else entries.push({ image: parts.destIsDir ? posix.join(destPath, posix.basename(src.value)) : destPath, kind: 'file', repoPath, copy: ins, source: src });
    }
  }
  return { entries, workdir };
}

/** Whether an image path holds a file, and the COPY that put it there. */
export function presence(state: ImageFiles, imagePath: string, files: readonly string[]): { presence: Presence; entry: CopyEntry | null } {
  const index = fileIndex(files);
  for (let k = state.entries.length - 1; k >= 0; k--) {
    const e = state.entries[k] as CopyEntry;
    if (e.kind === 'file' && e.image === imagePath) return { presence: 'yes', entry: e };
    const under = e.image === '/' ? imagePath.startsWith('/') : imagePath.startsWith(e.image + '/');
    if (!under && !(e.kind === 'unknown' && e.image === imagePath)) continue;
    if (e.kind === 'unknown') return { presence: 'unknown', entry: e };
    if (e.kind === 'dir' && e.repoPath !== null) {
      const rel = imagePath.slice(e.image === '/' ? 1 : e.image.length + 1);
      if (index.has(join(e.repoPath, rel))) return { presence: 'yes', entry: e };
    }
  }
  return { presence: 'no', entry: null };
}
