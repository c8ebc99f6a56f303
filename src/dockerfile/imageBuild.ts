/**
 * The repo file the deployed stage holds at an image path (absolute, or relative to its WORKDIR),
 * as its COPY/ADD lines establish it (`COPY docker/entrypoint.sh /entrypoint.sh`); null when the
 * image holds none the model can name. The stage's files are followed once, on the first call.
 * It carries the stage's PATH (`searchPath`): where exec finds a bare program name.
 */
export function repoFileAt(parsed: ParsedDockerfile, stage: DockerStage, context: string | null, repo: ImageRepo, args: Readonly<Record<string, string>> = {}, dockerfile?: string | null): ImageFileAt {
  let image: { stage: StageFiles; files: RepoFiles } | undefined;
  const at = (imagePath: string) => {
    image ??= stageFilesAt(parsed, stage, null, context, repo, args, dockerfile);
    const found = lookup(image.stage, absPath(image.stage.workdir, imagePath), image.files);
    return found?.kind === 'context' ? found.rel : null;
  };
  return Object.assign(at, { searchPath: stageSearchPath(parsed, stage) });
}

/**
 * Builds the image model (src/dockerfile/imageFiles.ts) from a Dockerfile, stage by stage, without
 * a Docker engine: WORKDIR, ARG/ENV values, COPY/ADD from the build context or an earlier stage,
 * and the RUN steps src/dockerfile/imageRun.ts understands. What a COPY cannot do (a stage that
 * does not exist, a source the context or the stage lacks) is recorded as a {@link CopyProblem}
 * for the build check to report. Pure: a function of the text, the repo's files and packages.
 */
import { posix } from 'node:path';
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../repo/dockerfile.js';
import type { RootPackage, WorkspacePackage } from '../repo/workspace.js';
import { copyArguments, copyFlag, type CopyArguments } from './copy.js';
import { globToRegExp, isGlob } from './glob.js';
import { contextIgnore, type ContextIgnore, type IgnoreFiles } from './dockerignore.js';
import { absPath, buildFiles, copyEntries, joinRel, lookup, normRel, type RepoFiles, type StageFiles } from './imageFiles.js';
import { followRun, markUncertain } from './imageRun.js';
import { stageSearchPath, type ImageFileAt } from './searchPath.js';
import type { ShellWord } from './shell.js';
import { substitute, variableAssignments } from './variables.js';

/** What the model needs of the repo: its files and workspace packages, and its ignore files. */
export interface ImageRepo extends IgnoreFiles {
  files: readonly string[];
  workspacePackages: WorkspacePackage[];
  /** The root package.json's workspaces globs and dependencies: what an install of it covers. */
  rootPackage?: RootPackage | null;
}

/** A COPY that fails or half-fails the build, as the model sees it. */
export type CopyProblem =
  | { kind: 'later-stage' | 'no-stage'; line: number; from: string }
  | {
      kind: 'not-in-stage';
      line: number;
      from: string;
      source: string;
      path: string;
      uncertain: boolean;
      /** The line the model could not follow, when `uncertain`. */
      unfollowed?: number | undefined;
      /** A system path (/etc/ssl/certs/...) the stage's base image may ship: its reference. */
      baseMayShip?: string | undefined;
    }
  | { kind: 'outside-context' | 'not-in-context' | 'no-match' | 'no-match-of-several'; line: number; source: string };

export interface ImageBuild {
  parsed: ParsedDockerfile;
  /** Repo-relative build context ('' = the repo root); null when unknown. */
  context: string | null;
  /** Each stage's files at its end (up to the stop instruction for the stage that holds it). */
  stages: StageFiles[];
  problems: CopyProblem[];
  files: RepoFiles;
  /** The ignore file the build reads (src/dockerfile/dockerignore.ts {@link contextIgnore}), if any. */
  ignore: ContextIgnore | null;
}

/** What one stage's walk needs besides its files. */
interface Walk {
  build: ImageBuild;
  repo: ImageRepo;
  vars: Map<string, string>;
  options: BuildOptions;
}

export interface BuildOptions {
  /** Stop just before this instruction: its stage then holds the files the instruction sees. */
  stop?: DockerInstruction;
  /**
   * `defaults` (the build check): follow the build as `docker build` runs it without `--build-arg`.
   * `unknown` (a transform, which must not change what it cannot establish): a `$VAR` an ARG sets
   * has no known value, since any build can pass another.
   */
  buildArgs: 'defaults' | 'unknown';
  /**
   * The build args the service's build passes (compose `build.args`): an ARG they name has that
   * value in either mode, over its default.
   */
  args?: Readonly<Record<string, string>>;
  /** Called with the stage's files just before each instruction the walk reaches. */
  before?: (ins: DockerInstruction, fs: StageFiles) => void;
  /** The Dockerfile's repo path: its own `<Dockerfile>.dockerignore`, when it has one, is the build's ignore file. */
  dockerfile?: string | null | undefined;
}

/** Follows the build of every stage (up to `options.stop`), for a build context (null when unknown). */
export function buildImage(parsed: ParsedDockerfile, repo: ImageRepo, context: string | null, options: BuildOptions): ImageBuild {
  const dir = context === null ? null : normRel(context);
  const ignore = contextIgnore(repo, dir, options.dockerfile);
  const build: ImageBuild = { parsed, context: dir, stages: [], problems: [], files: buildFiles(repo.files, dir, ignore), ignore };
  for (const stage of parsed.stages) {
    const parent = stage.parentStage !== null ? build.stages[stage.parentStage] : undefined;
    const fs: StageFiles = parent ? { ...parent, entries: [...parent.entries] } : { entries: [], uncertain: false, workdir: '/' };
    build.stages.push(fs);
    if (walkStage({ build, repo, vars: new Map(), options }, stage, fs)) break;
  }
  return build;
}

/** The files of a stage just before an instruction (or at its end, `at` null), as far as they are established (build args unknown). */
export function stageFilesAt(parsed: ParsedDockerfile, stage: DockerStage, at: DockerInstruction | null, context: string | null, repo: ImageRepo, args: Readonly<Record<string, string>> = {}, dockerfile?: string | null): { stage: StageFiles; files: RepoFiles } {
  const build = at ? buildImage(parsed, repo, context, { buildArgs: 'unknown', args, dockerfile, stop: at }) : wholeBuild(parsed, repo, context, args, dockerfile);
  return { stage: build.stages[stage.index] ?? { entries: [], uncertain: false, workdir: '/' }, files: build.files };
}

/**
 * Every stage's files at its end, walked once per parse, repo, context, Dockerfile (its own ignore
 * file) and build args: the repo
 * model asks for the same image several times per service (its start script, its entrypoint, its
 * written directories, its server config). Read-only, like the parse it is keyed on.
 */
const wholeBuilds = new WeakMap<ParsedDockerfile, WeakMap<ImageRepo, Map<string, ImageBuild>>>();

function wholeBuild(parsed: ParsedDockerfile, repo: ImageRepo, context: string | null, args: Readonly<Record<string, string>>, dockerfile?: string | null): ImageBuild {
  let byRepo = wholeBuilds.get(parsed);
  if (!byRepo) wholeBuilds.set(parsed, (byRepo = new WeakMap()));
  let byKey = byRepo.get(repo);
  if (!byKey) byRepo.set(repo, (byKey = new Map()));
  const key = `${context}\0${dockerfile ?? ''}\0${JSON.stringify(Object.entries(args).sort())}`;
  let build = byKey.get(key);
  if (!build) byKey.set(key, (build = buildImage(parsed, repo, context, { buildArgs: 'unknown', args, dockerfile })));
  return build;
}

/**
 * A build that also answers what its stage held just before each instruction it walked, from the
 * one walk: a stage's entries are only ever appended to, so the state before an instruction is its
 * entries' length then and the stage's other fields (`uncertain`, `workdir`, ...), materialised on
 * request. Costs a small record per instruction instead of a second walk taking full copies.
 */
export function buildImageWithSnapshots(parsed: ParsedDockerfile, repo: ImageRepo, context: string | null, options: Omit<BuildOptions, 'before'>): { build: ImageBuild; before(ins: DockerInstruction): StageFiles | undefined } {
  const marks = new Map<DockerInstruction, { live: StageFiles; length: number; fields: Omit<StageFiles, 'entries'> }>();
  const build = buildImage(parsed, repo, context, {
    ...options,
    before: (ins, live) => {
      const { entries, ...fields } = live;
      marks.set(ins, { live, length: entries.length, fields });
    },
  });
  return {
    build,
    before: (ins) => {
      const mark = marks.get(ins);
      return mark && { ...mark.fields, entries: mark.live.entries.slice(0, mark.length) };
    },
  };
}

/**
 * The files of their stage just before each of some instructions (build args unknown), from one
 * walk of the build: what {@link stageFilesAt} says for each, without a build per instruction.
 */
export function stageFilesBefore(parsed: ParsedDockerfile, at: readonly DockerInstruction[], context: string | null, repo: ImageRepo, dockerfile?: string | null): { before: Map<DockerInstruction, StageFiles>; files: RepoFiles } {
  // The walk ends after the last instruction asked about (stages are walked in the file's order).
  const last = Math.max(-1, ...at.map((ins) => parsed.instructions.indexOf(ins)));
  const { build, before } = buildImageWithSnapshots(parsed, repo, context, { buildArgs: 'unknown', dockerfile, stop: parsed.instructions[last + 1] });
  const snapshots = new Map<DockerInstruction, StageFiles>();
  for (const ins of at) {
    const files = before(ins);
    if (files) snapshots.set(ins, files);
  }
  return { before: snapshots, files: build.files };
}

/** Walks one stage's instructions; true when it reached `stop`. */
function walkStage(walk: Walk, stage: DockerStage, fs: StageFiles): boolean {
  for (const ins of stage.instructions) {
    if (ins === walk.options.stop) return true;
    walk.options.before?.(ins, fs);
    if (ins.keyword === 'ENV' || ins.keyword === 'ARG') setVariables(walk, ins); else if (ins.keyword === 'WORKDIR') {
      const dir = expand(walk, ins.args.trim().replace(/^["']|["']$/g, ''));
      if (dir === null) {
        markUncertain(fs, ins);
        continue;
      }
      fs.workdir = absPath(fs.workdir, dir);
      fs.entries.push({ path: fs.workdir, rel: null, kind: 'dir' });
    } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      copyInstruction(walk, ins, fs);
    } else if (ins.keyword === 'RUN') {
      followRun(walk.build.parsed, walk.build.files, walk.repo, ins, fs);
    }
  }
  return false;
}

/**
 * An ARG or ENV line's variables: a build arg the service passes wins; an ARG default counts only
 * in `defaults` mode; an ENV value is expanded with the variables before it (`ENV APP=${APP}`), and
 * one that names a variable with no value has none either.
 */
function setVariables(walk: Walk, ins: DockerInstruction): void {
  const passed = walk.options.args ?? {};
  for (const [name, raw] of variableAssignments(ins.args, ins.keyword)) {
    // A compose value still naming a variable (`${APP}` from the caller's shell, unset: its default) is as compose gives it.
    const value = ins.keyword === 'ARG' && Object.hasOwn(passed, name) ? substitute(passed[name] as string, () => null) : ins.keyword === 'ENV' || walk.options.buildArgs === 'defaults' ? (raw === null ? null : expand(walk, raw)) : null;
    if (value !== null) walk.vars.set(name, value);
    else if (ins.keyword === 'ENV' || walk.options.buildArgs === 'unknown' || raw !== null || Object.hasOwn(passed, name)) walk.vars.delete(name);
  }
}

const expand = (walk: Walk, text: string): string | null => substitute(text, (name) => walk.vars.get(name) ?? null);

function copyInstruction(walk: Walk, ins: DockerInstruction, fs: StageFiles): void {
  const args = copyArguments(walk.build.parsed, ins);
  if (!args) return;
  const destRaw = expand(walk, args.dest.value);
  if (destRaw === null) {
    markUncertain(fs, ins);
    return;
  }
  const dest = absPath(fs.workdir, destRaw);
  const from = copyFlag(args, 'from');
  if (from !== undefined) copyFromStage(walk, ins, args, from, dest, fs);
  else for (const source of args.sources) copyFromContext(walk, ins, args, source, dest, fs);
}

/** Where a base image keeps what it ships (CA certificates, toolchains, system libraries): the model does not know its files. */
const SYSTEM_PATH = /^\/(?:etc|usr|lib|lib32|lib64|bin|sbin|opt|var|go|root|home)(?:\/|$)/;

/** The index of the stage a `COPY --from` names (by name or number), among the stages before `before`. */
export function stageFor(parsed: ParsedDockerfile, ref: string, before: number): number | null {
  const byName = parsed.stages.find((s) => s.index < before && s.name !== null && s.name.toLowerCase() === ref.toLowerCase());
  if (byName) return byName.index;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return null;
}

function copyFromStage(walk: Walk, ins: DockerInstruction, args: CopyArguments, from: string, dest: string, fs: StageFiles): void {
  const { build } = walk;
  const index = stageFor(build.parsed, from, ins.stageIndex);
  if (index === null) {
    const later = build.parsed.stages.some((s) => s.name?.toLowerCase() === from.toLowerCase());
    if (later || !/[:/.@]/.test(from)) build.problems.push({ kind: later ? 'later-stage' : 'no-stage', line: ins.line, from });
    return; // an external image: nothing to follow
  }
  const src = build.stages[index] as StageFiles;
  if (src.uncertain && !fs.uncertain) {
    // What that stage made is only partly known.
    fs.uncertain = true;
    fs.unfollowed = src.unfollowed;
  }
  for (const source of args.sources) {
    const s = expand(walk, source.value);
    if (s === null) continue;
    const srcPath = absPath('/', s);
    const found = lookup(src, srcPath, build.files);
    if (!found) {
      const base = build.parsed.stages[index]?.base;
      const baseMayShip = base && base.distro !== 'scratch' && SYSTEM_PATH.test(srcPath) ? base.reference : undefined;
      build.problems.push({ kind: 'not-in-stage', line: ins.line, from, source: s, path: srcPath, uncertain: src.uncertain, unfollowed: src.unfollowed, baseMayShip });
      continue;
    }
    const isFile = found.kind === 'context' && found.rel !== null && build.files.has(found.rel);
    const target = isFile && args.destIsDir ? posix.join(dest, posix.basename(srcPath)) : dest;
    fs.entries.push(...copyEntries(src, srcPath, target, build.files, ins, source));
  }
}

function copyFromContext(walk: Walk, ins: DockerInstruction, args: CopyArguments, source: ShellWord, dest: string, fs: StageFiles): void {
  const { build } = walk;
  if (source.value.startsWith('<<')) {
    // A heredoc: the Dockerfile itself holds the file's content.
    fs.entries.push({ path: dest, rel: null, kind: 'produced', copy: ins, source });
    return;
  }
  const s = expand(walk, source.value);
  const into = (name: string) => (args.destIsDir ? posix.join(dest, posix.basename(name)) : dest);
  if (s === null || /^https?:\/\//.test(s)) {
    fs.entries.push({ path: s === null ? dest : into(s), rel: null, kind: 'unknown', copy: ins, source });
    return;
  }
  const rel = normRel(posix.normalize(s.replace(/^\/+/, '')));
  if (build.context === null) {
    // Without the context only a source that names a file can be placed.
    const named = !isGlob(rel) && (/\.[\w-]+$/.test(rel) || rel === 'Dockerfile');
    fs.entries.push(named ? { path: into(rel), rel: null, kind: 'context', copy: ins, source } : { path: dest, rel: null, kind: 'unknown', copy: ins, source });
    return;
  }
  if (rel.startsWith('..')) {
    build.problems.push({ kind: 'outside-context', line: ins.line, source: s });
    fs.entries.push({ path: into(rel), rel: posix.normalize(joinRel(build.context, rel)), kind: 'named', copy: ins, source });
    return;
  }
  const matches = contextMatches(build, rel);
  if (matches.length === 0) {
    const kind = !isGlob(rel) ? 'not-in-context' : args.sources.length === 1 ? 'no-match' : 'no-match-of-several';
    build.problems.push({ kind, line: ins.line, source: s });
    if (!isGlob(rel)) fs.entries.push({ path: into(rel), rel: joinRel(build.context, rel), kind: 'named', copy: ins, source });
    return;
  }
  for (const m of matches) {
    const path = !m.dir && (args.destIsDir || matches.length > 1) ? posix.join(dest, posix.basename(m.rel)) : dest;
    fs.entries.push({ path, rel: joinRel(build.context, m.rel), kind: 'context', copy: ins, source });
  }
}

/** The context's files and directories a COPY source (a path or a glob, context-relative) names. */
function contextMatches(build: ImageBuild, rel: string): { rel: string; dir: boolean }[] {
  const ctx = build.files.underContext(build.context ?? '');
  if (!isGlob(rel)) return ctx.files.has(rel) ? [{ rel, dir: false }] : ctx.dirs.has(rel) ? [{ rel, dir: true }] : [];
  const segments = rel.split('/');
  if (segments.includes('**')) {
    const re = globToRegExp(rel);
    return [...[...ctx.files].map((f) => ({ rel: f, dir: false })), ...[...ctx.dirs].filter(Boolean).map((d) => ({ rel: d, dir: true }))].filter((m) => re.test(m.rel));
  }
  // `*`, `?` and classes stay within a segment: descend one directory per segment.
  let found: { rel: string; dir: boolean }[] = [{ rel: '', dir: true }];
  for (const segment of segments) {
    if (!isGlob(segment)) {
      found = found.flatMap((parent): { rel: string; dir: boolean }[] => {
        const rel = joinRel(parent.rel, segment);
        return ctx.files.has(rel) ? [{ rel, dir: false }] : ctx.dirs.has(rel) ? [{ rel, dir: true }] : [];
      });
      continue;
    }
    const re = globToRegExp(segment);
    found = found.flatMap((parent) => (ctx.children.get(parent.rel) ?? []).filter((child) => re.test(child.rel.slice(child.rel.lastIndexOf('/') + 1))));
  }
  return [...found.filter((m) => !m.dir), ...found.filter((m) => m.dir)];
}
