/**
 * Who owns a directory of a stage at its end, as far as the image model (src/dockerfile/imageBuild.ts)
 * establishes it: the instruction that made the directory exist, and the `chown`s after it.
 *
 *   WORKDIR      creates a missing directory as root while the stage's user is root (after a non-root
 *                USER, which owner a builder gives it is not established here)
 *   COPY/ADD     what it copies in is root's, or its `--chown` user's (what an ADD unpacks from an
 *                archive: not established); the directories it creates for its destination are
 *                root's without `--chown` (with it: not established here); a directory that exists already
 *                keeps its owner when a COPY copies into it (review9 R8: `COPY --chown=node:node
 *                /home/node/app .` changes the contents, not /home/node/app)
 *   RUN          what it creates (mkdir, an install) is the RUN's user's; `chown [-R]` re-owns; a
 *                `chmod` or a script it runs may change anything: not established
 *
 * A RUN step the model cannot follow is taken to leave a directory alone unless it names it (or,
 * before the directory exists, a path below it; once it does, a directory above it that it may copy
 * over): a command names the paths it makes or re-owns (`pip install -r requirements.txt` does not
 * touch /app/uploads). The base image is taken not to hold an app directory (one below
 * /home/<user>, /app, /srv, ...); a system directory or a home directory itself is not established.
 */
import { posix } from 'node:path';
import { isRootUser, type DockerInstruction, type ParsedDockerfile } from '../repo/dockerfile.js';
import { copyArguments, copyFlag } from './copy.js';
import { absPath, lookup, type RepoFiles, type StageFiles } from './imageFiles.js';
import { runSteps } from './shell.js';
import { stageFor } from './imageBuild.js';

/** The owner of a directory: a user name or uid as the Dockerfile writes it ('root' for root), with the line that made it so; null: not established. */
export type Owner = { user: string; line: number; how: string } | null;

export interface StageSnapshots {
  /** The instructions in force, in build order (the stage and the stages it is built FROM). */
  instructions: readonly DockerInstruction[];
  /** The stage's files just before an instruction. */
  before(ins: DockerInstruction): StageFiles | undefined;
  /** The stage's files at its end. */
  final: StageFiles;
  /** Every stage's files at its end (what a `COPY --from` reads). */
  stages: readonly StageFiles[];
  files: RepoFiles;
}

// System directories and home directories themselves: the base image may ship them, owned by anyone.
const NOT_APP_DIR = /^\/(?:(?:usr(?!\/src\/|\/app(?:\/|$))|etc|bin|sbin|lib|lib32|lib64|root|proc|sys|dev|boot|tmp|run|mnt|media|var\/(?:lib|cache|tmp|run|log|spool|mail))(?:\/|$)|$)|^\/home\/[^/]+$/;

const within = (path: string, dir: string) => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
const userOf = (spec: string): string | null => (spec.includes('$') ? null : (spec.split(':')[0] ?? '') || null);
const ownerAs = (user: string | null): string | null => (user === null ? null : isRootUser(user) ? 'root' : userOf(user));

/** Whether the stage holds something at a path, at one point of the build. */
const holds = (fs: StageFiles, path: string, files: RepoFiles): boolean => lookup(fs, path, files) !== null;

/**
 * The nearest directory at or above `path` that the stage holds at its end ('/' at worst); null when
 * content the model cannot list lands between them (a build output, a `.next/standalone` copied to
 * /app, a COPY it cannot follow): a directory nearer to `path` may be in it.
 */
export function nearestHeld(parsed: ParsedDockerfile, image: StageSnapshots, path: string): string | null {
  let dir = path;
  while (dir !== '/' && !holds(image.final, dir, image.files)) dir = posix.dirname(dir);
  const unlisted = image.final.entries.some((e) => (e.kind === 'produced' || e.kind === 'unknown' || (e.kind === 'context' && e.rel === null)) && within(path, e.path));
  return unlisted || image.instructions.some((ins) => copiesUnlisted(parsed, image, ins, path)) ? null : dir;
}

/** A `COPY --from` above `path` of what the model does not fully know: a stage it cannot follow, or a source it does not find there. */
function copiesUnlisted(parsed: ParsedDockerfile, image: StageSnapshots, ins: DockerInstruction, path: string): boolean {
  const args = ins.keyword === 'COPY' || ins.keyword === 'ADD' ? copyArguments(parsed, ins) : null;
  const from = args ? copyFlag(args, 'from') : undefined;
  const before = image.before(ins);
  if (!args || from === undefined || !before) return false;
  if (args.dest.value.includes('$')) return true;
  if (!within(path, absPath(before.workdir, args.dest.value))) return false;
  const index = stageFor(parsed, from, ins.stageIndex);
  return index === null || image.stages[index]?.uncertain !== false || !image.final.entries.some((e) => e.copy === ins);
}

/** Where a walk over the instructions stands for one directory. */
interface State {
  owner: Owner;
  /** A step the model cannot follow may have made it: a later WORKDIR or COPY does not create it. */
  maybeMade: boolean;
}

/** The owner of a directory the stage holds at its end. */
export function ownerAtEnd(parsed: ParsedDockerfile, image: StageSnapshots, path: string): Owner {
  const state: State = { owner: null, maybeMade: NOT_APP_DIR.test(path) };
  let user: string | null = 'root';
  const all = image.instructions;
  for (let i = 0; i < all.length; i++) {
    const ins = all[i] as DockerInstruction;
    const before = image.before(ins);
    const after = i + 1 < all.length ? image.before(all[i + 1] as DockerInstruction) : image.final;
    if (!before || !after) return null;
    const made = !holds(before, path, image.files) && holds(after, path, image.files);
    if (made && state.maybeMade && ins.keyword !== 'RUN') state.owner = null;
    else if (ins.keyword === 'USER') user = ins.args.trim().includes('$') ? null : ins.args.trim();
    else if (ins.keyword === 'WORKDIR' && made) state.owner = ownerAs(user) === 'root' ? { user: 'root', line: ins.line, how: `created by WORKDIR at line ${ins.line}` } : null;
    else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') state.owner = copyOwner(parsed, ins, { before, after, files: image.files }, path, made, state.owner);
    else if (ins.keyword === 'RUN') runOwner(parsed, ins, { cwd: before.workdir, held: holds(before, path, image.files) }, path, made && !state.maybeMade, ownerAs(user), state);
  }
  return state.owner;
}

/** What a COPY/ADD makes of a directory's owner. */
function copyOwner(parsed: ParsedDockerfile, ins: DockerInstruction, at: { before: StageFiles; after: StageFiles; files: RepoFiles }, path: string, made: boolean, owner: Owner): Owner {
  const args = copyArguments(parsed, ins);
  if (!args || args.dest.value.includes('$') || args.flags.some((f) => f.value.startsWith('--chmod'))) return made ? null : owner;
  const dest = absPath(at.before.workdir, args.dest.value);
  // ADD of an archive or a URL: what it unpacks keeps the owners the archive records.
  if (ins.keyword === 'ADD' && args.sources.some((s) => /^(?:https?:|git@)|\.(?:tar|tgz|tbz2?|txz|gz|bz2|xz|zst)$/.test(s.value))) return made || within(path, dest) ? null : owner;
  const chown = copyFlag(args, 'chown');
  if (made) {
    // The destination and the directories above it: root's without --chown; with it, not established here.
    if (within(dest, path)) return chown === undefined ? { user: 'root', line: ins.line, how: `created by ${ins.keyword} at line ${ins.line}` } : null;
    const by = chown === undefined ? 'root' : userOf(chown);
    return by === null ? null : { user: by, line: ins.line, how: `copied in by ${ins.keyword} at line ${ins.line}` };
  }
  // A directory that exists keeps its owner when the COPY copies into it; one it copies a directory over may not.
  return path !== dest && lookup(at.after, path, at.files)?.entry?.copy === ins ? null : owner;
}

const SCRIPT = /^(?:(?:ba|da|a)?sh|source|\.)$|\.(?:sh|bash|py|js)$|^\.?\//;
/** Commands that may re-own a directory they write over (`cp -a`, `tar -x`), besides chown/chmod. */
const COPIES_OVER = /^(?:cp|mv|rsync|tar|install|unzip|git)$/;

/** What a RUN makes of a directory's owner: created by the RUN's user, `chown`ed, or touched by a command that may change it. */
function runOwner(parsed: ParsedDockerfile, ins: DockerInstruction, at: { cwd: string; held: boolean }, path: string, made: boolean, user: string | null, state: State): void {
  if (made) state.owner = user === null ? null : { user, line: ins.line, how: `created at line ${ins.line}` };
  let cwd: string | null = at.cwd;
  for (const step of runSteps(parsed, ins)) {
    const words = step.words.map((w) => w.value);
    const first = words.findIndex((w) => !/^[A-Za-z_]\w*=/.test(w) && w !== 'sudo' && w !== 'env');
    const [program = '', ...rest] = first < 0 ? [] : words.slice(first);
    if (program === 'cd') {
      cwd = cwd === null || !rest[0] || rest[0].includes('$') ? null : absPath(cwd, rest[0]);
      continue;
    }
    const targets = rest.filter((w) => !w.startsWith('-'));
    const place = (w: string) => (cwd === null || w.includes('$') || /[*?[]/.test(w) ? null : absPath(cwd, w));
    if (program === 'chown' || program === 'chmod') {
      const recursive = rest.some((w) => /^-\w*R/.test(w) || w === '--recursive');
      const [spec = '', ...paths] = targets;
      const hits = paths.map(place).filter((p) => p === null || p === path || (recursive && within(path, p)));
      if (hits.length) state.owner = program === 'chmod' || hits.includes(null) || userOf(spec) === null ? null : { user: userOf(spec) as string, line: ins.line, how: `chown at line ${ins.line}` };
      continue;
    }
    // Held: what may re-own it names it or a directory above it; not held: what may make it names it or a path below it.
    const names = (w: string) => {
      const p = place(w);
      return p === null ? w.includes('/') : at.held ? within(path, p) : within(p, path);
    };
    if (/\b(?:chown|chmod|setfacl)\b/.test(step.text) || SCRIPT.test(program) || ((at.held ? COPIES_OVER.test(program) : program !== 'mkdir') && targets.some((w) => /^[\w./$]/.test(w) && names(w)))) {
      // A command that may make or re-own it, out of the model's sight.
      state.owner = null;
      state.maybeMade = true;
    }
  }
}
