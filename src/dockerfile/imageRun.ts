/**
 * What the RUN steps of a stage add to the image model, for the steps the model understands:
 * installs (node_modules), package builds (`pnpm --filter x build`, `npm run build -w x`, `tsc`),
 * `pnpm deploy`, `mkdir`, `cd`, and commands that write a path they name (`go build -o`, `cargo
 * build`, `cp`/`mv`, a compiler's `-o`). Any other command that may create files marks the stage uncertain,
 * so a path missing there is only "as far as the model can follow".
 */
import { posix } from 'node:path';
import type { DockerInstruction, ParsedDockerfile } from '../repo/dockerfile.js';
import type { RootPackage, WorkspacePackage } from '../repo/workspace.js';
import { globToRegExp, isGlob } from './glob.js';
import { absPath as abs, copyEntries, joinRel, lookup, normRel as norm, type InstallCover, type RepoFiles, type StageFiles } from './imageFiles.js';
import { runSteps, type ShellWord } from './shell.js';
import type { OutDir } from '../repo/buildConfig.js';

/** Commands that create nothing the model tracks. */
const NOOP_COMMAND =
  /^(?:apk|apt-get|apt|yum|dnf|microdnf|addgroup|adduser|groupadd|useradd|usermod|chown|chmod|corepack|echo|printf|true|set|export|rm|test|\[|sed|npm\s+(?:prune|cache|config|i(?:nstall)?\s+(?:-g|--global))|pnpm\s+(?:prune|store|config|fetch|setup|add\s+-g)|yarn\s+(?:cache|config)|npm\s+(?:-g|--global)\s+i)/;

/** One RUN step being followed: the stage, the directory it runs in, the repo's packages. */
interface Step {
  fs: StageFiles;
  cwd: string;
  files: RepoFiles;
  packages: WorkspacePackage[];
  rootPackage: RootPackage | null;
  /** The RUN's line. */
  line: number;
}


/** The directory a package's build writes: the top directory of its `main`, else `dist`. */
export function outputDir(pkg: WorkspacePackage): string {
  const main = (pkg.main ?? '').replace(/^\.\//, '');
  const top = main.includes('/') ? main.split('/')[0] : null;
  return top && top !== 'src' ? top : 'dist';
}

/** Adds what a RUN's steps create to the stage. */
export function followRun(parsed: ParsedDockerfile, files: RepoFiles, repo: { workspacePackages: WorkspacePackage[]; rootPackage?: RootPackage | null }, ins: DockerInstruction, fs: StageFiles): void {
  const step: Step = { fs, cwd: fs.workdir, files, packages: repo.workspacePackages, rootPackage: repo.rootPackage ?? null, line: ins.line };
  for (const { text: raw, words } of runSteps(parsed, ins)) {
    const seg = raw.replace(/^(?:\w+=\S*\s+)+/, '');
    const cd = /^cd\s+(\S+)$/.exec(seg);
    if (cd) step.cwd = abs(step.cwd, cd[1] ?? '.');
    else if (!followStep(step, seg) && !followOutput(step, commandWords(words))) markUncertain(fs, ins);
  }
}

/** The stage may hold files the model cannot see; the first RUN it could not follow is the one a note names. */
export function markUncertain(fs: StageFiles, ins: DockerInstruction): void {
  if (!fs.uncertain) fs.unfollowed = ins.line;
  fs.uncertain = true;
}

/** A step's words without its leading `VAR=value` assignments and wrappers (`env`, `sudo`). */
function commandWords(words: ShellWord[]): string[] {
  const values = words.map((w) => w.value);
  const at = values.findIndex((w) => !/^[A-Za-z_]\w*=/.test(w) && w !== 'env' && w !== 'sudo');
  return at < 0 ? [] : values.slice(at);
}

/** Compilers and downloaders whose only output is the file their output flag names. */
const SINGLE_OUTPUT = /^(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|rustc|esbuild|ncc|curl|wget|upx)$/;
const OUTPUT_FLAG = /^(?:-o|-O|--output|--outfile|--outdir|--out-dir|--output-dir|--output-path)$/;

/** The value of an output flag (`-o x`, `-o=x`, `--output=x`), when the words have one. */
function outputOf(words: string[]): string | null {
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    const eq = w.indexOf('=');
    if (w.startsWith('-') && eq > 0 && OUTPUT_FLAG.test(w.slice(0, eq))) return w.slice(eq + 1) || null;
    if (OUTPUT_FLAG.test(w)) return words[i + 1] ?? null;
  }
  return null;
}

/**
 * Commands that write a path they name: `go build -o X`, cargo's target directory, `cp`/`mv`'s
 * destination, a compiler's or a downloader's `-o`/`--output`. True when the step is followed; an
 * unknown command with an output flag still puts that path in the stage but may write more.
 */
function followOutput(step: Step, words: string[]): boolean {
  const [command, sub] = words;
  if (!command) return false;
  const produce = (target: string) => step.fs.entries.push({ path: abs(step.cwd, target), rel: null, kind: 'produced' });
  if (command === 'go') {
    if (sub === 'mod' || sub === 'vet' || sub === 'test' || sub === 'version' || sub === 'env' || sub === 'list') return true;
    const out = sub === 'build' ? outputOf(words) : null;
    if (out && !out.includes('$')) produce(out);
    return out !== null && !out.includes('$');
  }
  if (command === 'cargo') {
    if (sub === 'fetch') return true;
    if (sub !== 'build') return false;
    const dir = /^--target-dir(?:=(.+))?$/;
    const at = words.findIndex((w) => dir.test(w));
    const target = at < 0 ? 'target' : (dir.exec(words[at] as string)?.[1] ?? words[at + 1]);
    if (!target || target.includes('$')) return false;
    produce(target);
    return true;
  }
  if (command === 'cp' || command === 'mv') return followCopy(step, words.slice(1));
  if ((command === 'pip' || command === 'pip3') && sub === 'wheel') {
    const at = words.findIndex((w) => w === '-w' || w === '--wheel-dir' || w.startsWith('--wheel-dir='));
    const dir = at < 0 ? null : words[at]?.startsWith('--wheel-dir=') ? words[at]?.slice('--wheel-dir='.length) : words[at + 1];
    if (!dir || dir.includes('$')) return false;
    produce(dir);
    return true;
  }
  const out = outputOf(words);
  if (out === null || out.includes('$') || out === '-') return false;
  produce(out);
  return SINGLE_OUTPUT.test(command);
}

/** `cp`/`mv` within the stage: the destination holds what the sources held (their repo paths kept when known). */
function followCopy(step: Step, args: string[]): boolean {
  if (args.some((a) => a === '-t' || a.startsWith('--target-directory') || a.includes('$'))) return false;
  const paths = args.filter((a) => !a.startsWith('-'));
  const dest = paths.pop();
  if (!dest || paths.length === 0) return false;
  const destAbs = abs(step.cwd, dest);
  const intoDir = dest.endsWith('/') || paths.length > 1 || lookup(step.fs, destAbs, step.files)?.kind === 'dir';
  for (const src of paths) {
    const srcAbs = abs(step.cwd, src);
    const target = intoDir ? posix.join(destAbs, posix.basename(srcAbs)) : destAbs;
    const found = isGlob(src) ? null : lookup(step.fs, srcAbs, step.files);
    if (found) step.fs.entries.push(...copyEntries(step.fs, srcAbs, target, step.files));
    else step.fs.entries.push({ path: isGlob(src) ? destAbs : target, rel: null, kind: 'produced' });
  }
  return true;
}

/** Follows one step; false when it may create files the model cannot see. */
function followStep(step: Step, seg: string): boolean {
  const pnpm = /^(?:pnpm|corepack\s+pnpm|npx\s+pnpm)\b(.*)$/.exec(seg);
  if (pnpm) return followPnpm(step, pnpm[1] ?? '');
  const npmLike = /^(?:npm|yarn)\b(.*)$/.exec(seg);
  if (npmLike) return followNpm(step, npmLike[1] ?? '') || NOOP_COMMAND.test(seg);
  if (/^(?:npx\s+)?tsc\b/.test(seg)) return buildHere(step, null, seg);
  const mkdir = /^mkdir\s+(?:-p\s+)?(.+)$/.exec(seg);
  if (mkdir) {
    for (const d of (mkdir[1] ?? '').split(/\s+/)) if (d && !d.startsWith('-')) step.fs.entries.push({ path: abs(step.cwd, d), rel: null, kind: 'dir' });
    return true;
  }
  return /^node\s+-e\b/.test(seg) || NOOP_COMMAND.test(seg);
}

function followPnpm(step: Step, rest: string): boolean {
  const { fs, packages } = step;
  const filters = [...rest.matchAll(/(?:--filter|-F)(?:=|\s+)(\S+)/g)].map((m) => m[1] ?? '');
  const words = rest.replace(/(?:--filter|-F)(?:=|\s+)\S+/g, '').trim().split(/\s+/).filter(Boolean);
  const positional = words.filter((w) => !w.startsWith('-'));
  const verb = positional[0] ?? 'install';
  if (verb === 'install' || verb === 'i') {
    fs.entries.push({ path: posix.join(workspaceRoot(fs) ?? step.cwd, 'node_modules'), rel: null, kind: 'produced' });
    // In the packages' order, as a scan per package would add them.
    const { order } = manifestIndex(packages);
    const dirs = [...packageDirsIn(fs, packages)].sort(([a], [b]) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    for (const [, dir] of dirs) fs.entries.push({ path: posix.join(dir, 'node_modules'), rel: null, kind: 'produced' });
    return true;
  }
  if (verb === 'deploy') {
    const target = positional[1];
    const selected = filters.flatMap((f) => selectPackages(f, packages));
    if (!target || !selected[0]) return false;
    return followDeploy(step, selected[0], abs(step.cwd, target), words.includes('--prod') || words.includes('-P'));
  }
  const script = verb === 'run' || verb === 'run-script' ? positional[1] : verb;
  if (script === 'build' || (script && /^build(?::|$)/.test(script))) {
    if (filters.length) return produceBuild(fs, filters.flatMap((f) => selectPackages(f, packages)), script);
    if (words.includes('-r') || words.includes('--recursive')) return produceBuild(fs, packages, script);
    return buildHere(step, script);
  }
  return /^(?:prune|store|config|fetch|setup|add|env)$/.test(verb);
}

/**
 * `pnpm deploy --filter <pkg> <dir>`: the package's files in `dir`, and in `dir/node_modules` the
 * workspace packages it depends on (with `--prod` only its `dependencies`, transitively), each
 * copied from where the stage holds it, with what an earlier step built in it (pnpm packs them by
 * their `files`, which the model does not narrow). False when a workspace dependency is not in the
 * stage: the deploy then takes it from somewhere the model cannot see.
 */
function followDeploy(step: Step, pkg: WorkspacePackage, target: string, prod: boolean): boolean {
  const { fs, packages } = step;
  const byName = manifestIndex(packages).byName;
  const deps = new Set<WorkspacePackage>();
  const visit = (p: WorkspacePackage) => {
    for (const name of prod ? (p.prodWorkspaceDeps ?? p.workspaceDeps) : p.workspaceDeps) {
      const dep = byName.get(name)?.[0];
      if (dep && dep !== pkg && !deps.has(dep)) {
        deps.add(dep);
        visit(dep);
      }
    }
  };
  visit(pkg);
  const dirs = packageDirsIn(fs, [...deps]);
  if ([...deps].some((d) => !dirs.has(d))) return false;
  fs.entries.push({ path: target, rel: pkg.dir, kind: 'produced' });
  fs.entries.push({ path: posix.join(target, 'node_modules'), rel: null, kind: 'produced' });
  for (const [dep, dir] of dirs) fs.entries.push(...copyEntries(fs, dir, posix.join(target, 'node_modules', dep.name), step.files));
  return true;
}

/** npm and yarn: installs and builds; false for anything else (the caller checks the no-op list). */
function followNpm(step: Step, rest: string): boolean {
  const words = rest.trim().split(/\s+/).filter(Boolean);
  const verb = words.find((w) => !w.startsWith('-')) ?? 'install';
  if (/^(?:install|i|ci)$/.test(verb) && !words.includes('-g') && !words.includes('--global')) {
    const install = installCover(step, words);
    step.fs.entries.push({ path: posix.join(step.cwd, 'node_modules'), rel: null, kind: 'produced', ...(install ? { install } : {}) });
    return true;
  }
  const run = words.filter((w) => !w.startsWith('-'));
  const script = run[0] === 'run' || run[0] === 'run-script' ? run[1] : run[0];
  if (!script || !/^build(?::|$)/.test(script)) return false;
  const ws = /(?:--workspace|-w)(?:=|\s+)(\S+)/.exec(rest)?.[1];
  if (!ws) return buildHere(step, script);
  return produceBuild(step.fs, step.packages.filter((p) => p.name === ws || p.dir === norm(ws)), script);
}

/** Flags that install somewhere else than the step's directory, or only some workspaces of it. */
const ELSEWHERE = /^(?:--prefix|--cwd|--modules-folder|-w|--workspace|--workspaces|--include-workspace-root|--focus)(?:=|$)/;

/**
 * What an npm/yarn install in the step's directory covers (see {@link InstallCover}); undefined
 * when a flag points it elsewhere or at some workspaces only.
 */
function installCover(step: Step, words: string[]): InstallCover | undefined {
  if (words.some((w) => ELSEWHERE.test(w))) return undefined;
  const manifest = lookup(step.fs, posix.join(step.cwd, 'package.json'), step.files);
  const rel = manifest?.kind === 'context' ? manifest.rel : null;
  if (rel === 'package.json') {
    const globs = step.rootPackage?.workspaces ?? [];
    const include = globs.filter((g) => !g.startsWith('!')).map((g) => globToRegExp(norm(g)));
    const exclude = globs.filter((g) => g.startsWith('!')).map((g) => globToRegExp(norm(g.slice(1))));
    const members = [...packageDirsIn(step.fs, step.packages)].filter(([pkg, dir]) => {
      const at = posix.relative(step.cwd, dir);
      return pkg.dir !== '' && at !== '' && !at.startsWith('..') && include.some((re) => re.test(at)) && !exclude.some((re) => re.test(at));
    });
    return { line: step.line, dir: step.cwd, packages: ['', ...members.map(([pkg]) => pkg.dir)] };
  }
  const pkg = rel === null ? undefined : step.packages.find((p) => joinRel(p.dir, 'package.json') === rel);
  return { line: step.line, dir: step.cwd, packages: pkg ? [pkg.dir] : null };
}

/**
 * A build of the package in the step's directory (its `script`; null: the compiler run directly);
 * false when no package is known to be there or its builder is not one the model knows. A script
 * that builds the workspace's packages (`pnpm -r build`, `turbo run build`) builds each of them.
 */
function buildHere(step: Step, script: string | null, command?: string): boolean {
  const pkg = packageAt(step, step.cwd);
  if (!pkg) return false;
  const body = script === null ? undefined : pkg.scripts[script];
  if (body !== undefined && WORKSPACE_BUILD.test(body)) return produceBuild(step.fs, step.packages.filter((p) => p !== pkg), 'build');
  return produceBuild(step.fs, [pkg], script, command?.replace(/^npx\s+/, ''));
}

const WORKSPACE_BUILD = /\bpnpm\s+(?:-r|--recursive)\b|\bturbo\s+(?:run\s+)?build\b|\blerna\s+run\s+build\b|\bnx\s+run-many\b|--workspaces\b/;

/** Packages a pnpm `--filter`/`-F` selector names (`name`, `name...`, `...name`, `./dir`, `{dir}`). */
function selectPackages(selector: string, packages: WorkspacePackage[]): WorkspacePackage[] {
  let sel = selector.replace(/^["']|["']$/g, '');
  const withDeps = sel.endsWith('...');
  const withDependents = sel.startsWith('...');
  sel = sel.replace(/^\.\.\.|\.\.\.$/g, '').replace(/^\^/, '');
  const byDir = /^\.{0,2}\/|^\{/.test(sel) ? norm(sel.replace(/^\{|\}$/g, '')) : null;
  const re = byDir === null && isGlob(sel) ? globToRegExp(sel) : null;
  const roots = byDir === null && re === null ? (manifestIndex(packages).byName.get(sel) ?? []) : packages.filter((p) => (byDir !== null ? p.dir === posix.join('', byDir) || p.dir === byDir : re?.test(p.name)));
  const out = new Set<WorkspacePackage>(roots);
  if (withDeps) {
    const byName = new Map(packages.map((p) => [p.name, p]));
    const visit = (p: WorkspacePackage) => {
      for (const d of p.workspaceDeps) {
        const dep = byName.get(d);
        if (dep && !out.has(dep)) {
          out.add(dep);
          visit(dep);
        }
      }
    };
    roots.forEach(visit);
  }
  if (withDependents) for (const p of packages) if (roots.some((r) => p.workspaceDeps.includes(r.name))) out.add(p);
  return [...out];
}

/** The workspace root inside a stage: where pnpm-workspace.yaml (or the root package.json) was copied. */
function workspaceRoot(fs: StageFiles): string | null {
  for (let i = fs.entries.length - 1; i >= 0; i--) {
    const e = fs.entries[i];
    if (!e || e.kind === 'named') continue;
    if (e.rel === 'pnpm-workspace.yaml' || (e.rel === 'package.json' && e.kind === 'context')) return posix.dirname(e.path);
    if (e.kind === 'context' && e.rel === '') return e.path;
  }
  return null;
}

/** Where a package's directory is in the stage (from where its package.json was copied). */
export function packageDirIn(fs: StageFiles, pkg: WorkspacePackage): string | null {
  return packageDirsIn(fs, [pkg]).get(pkg) ?? null;
}

/**
 * Where each package's directory is in the stage, from where its package.json was copied (the
 * latest COPY first): one pass over the stage's entries, however many packages the repo has.
 */
function packageDirsIn(fs: StageFiles, packages: WorkspacePackage[]): Map<WorkspacePackage, string> {
  const { byManifest, below } = manifestIndex(packages);
  const dirs = new Map<WorkspacePackage, string>();
  for (let i = fs.entries.length - 1; i >= 0 && dirs.size < packages.length; i--) {
    const e = fs.entries[i];
    if (!e || e.kind === 'named' || e.rel === null) continue;
    const exact = byManifest.get(e.rel);
    if (exact && !dirs.has(exact)) dirs.set(exact, posix.dirname(e.path));
    if (e.kind !== 'context') continue;
    for (const [pkg, manifest] of below.get(e.rel) ?? []) {
      if (!dirs.has(pkg)) dirs.set(pkg, posix.join(e.path, manifest.slice(e.rel ? e.rel.length + 1 : 0), '..'));
    }
  }
  return dirs;
}

interface ManifestIndex {
  /** A package by its package.json's repo path. */
  byManifest: Map<string, WorkspacePackage>;
  /** The packages (with their package.json's path) below each directory that holds any ('' = all). */
  below: Map<string, [WorkspacePackage, string][]>;
  byName: Map<string, WorkspacePackage[]>;
  /** A package's position in the list. */
  order: Map<WorkspacePackage, number>;
}

const manifestIndexes = new WeakMap<WorkspacePackage[], ManifestIndex>();

function manifestIndex(packages: WorkspacePackage[]): ManifestIndex {
  const hit = manifestIndexes.get(packages);
  if (hit) return hit;
  const index: ManifestIndex = { byManifest: new Map(), below: new Map(), byName: new Map(), order: new Map() };
  for (const pkg of packages) {
    index.byName.set(pkg.name, [...(index.byName.get(pkg.name) ?? []), pkg]);
    index.order.set(pkg, index.order.size);
    const manifest = joinRel(pkg.dir, 'package.json');
    index.byManifest.set(manifest, pkg);
    for (let d = manifest.lastIndexOf('/'); ; d = manifest.lastIndexOf('/', d - 1)) {
      const dir = d > 0 ? manifest.slice(0, d) : '';
      const list = index.below.get(dir);
      if (list) list.push([pkg, manifest]);
      else index.below.set(dir, [[pkg, manifest]]);
      if (d <= 0) break;
    }
  }
  manifestIndexes.set(packages, index);
  return index;
}

function packageAt(step: Step, dir: string): WorkspacePackage | null {
  const found = lookup(step.fs, posix.join(dir, 'package.json'), step.files);
  if (!found?.rel) return null;
  const pkgDir = norm(posix.dirname(found.rel));
  return step.packages.find((p) => p.dir === pkgDir) ?? null;
}

/** Adds the packages' build output to the stage; false when a package's builder is not one the model knows. */
function produceBuild(fs: StageFiles, pkgs: WorkspacePackage[], script: string | null, command?: string): boolean {
  let known = true;
  for (const pkg of pkgs) {
    const dir = packageDirIn(fs, pkg);
    if (!dir) continue;
    const outputs = buildOutputs(pkg, script, command);
    known &&= outputs.known;
    for (const out of outputs.dirs) {
      const rel = posix.normalize(joinRel(pkg.dir, out));
      fs.entries.push({ path: posix.join(dir, out), rel: rel.startsWith('..') ? null : norm(rel), kind: 'produced' });
    }
    // Outputs the sources do not explain file by file (.next/standalone): whatever is below them.
    for (const out of outputs.opaque) fs.entries.push({ path: posix.join(dir, out), rel: null, kind: 'produced' });
  }
  return known;
}

interface BuildOutputs {
  dirs: string[];
  opaque: string[];
  known: boolean;
}

/**
 * The directories a package's build script (or the compiler `command` a RUN runs) writes, as the
 * package's config files say: `next build` .next (with `output: 'standalone'` .next/standalone),
 * `next export` out, `react-scripts build` build, tsc and `nest build` the tsconfig's outDir, `vite
 * build` vite.config's build.outDir, swc and babel their `--out-dir`, tsup its `--out-dir`, else
 * tsup.config's outDir, else `dist`; other builders the package's output directory ({@link outputDir}).
 * A builder the model does not know, or whose output its config does not establish, still gets
 * that directory but is not `known`: the stage may hold more than the model sees.
 */
function buildOutputs(pkg: WorkspacePackage, script: string | null, command?: string): BuildOutputs {
  const body = script === null ? command : pkg.scripts[script];
  if (body === undefined) return { dirs: [outputDir(pkg)], opaque: [], known: true };
  const out: BuildOutputs = { dirs: [], opaque: [], known: true };
  const add = (o: OutDir) => {
    if ('dir' in o) out.dirs.push(o.dir);
    else if ('unknown' in o) {
      out.known = false;
      out.dirs.push(outputDir(pkg));
    }
  };
  for (const seg of body.split(/&&|\|\||[;|]/)) {
    const words = seg.trim().split(/\s+/).filter(Boolean);
    const at = (name: string, sub?: string) => words.findIndex((w, i) => (w === name || w.endsWith(`/node_modules/.bin/${name}`)) && (sub === undefined || words[i + 1] === sub));
    if (at('next', 'build') >= 0) {
      out.dirs.push('.next');
      out.opaque.push('.next/static', '.next/server', ...(pkg.build?.nextStandalone === true ? ['.next/standalone'] : []));
      // next.config's output is not a literal: .next/standalone may or may not be made.
      if (pkg.build?.nextStandalone === 'unknown') out.known = false;
    }
    if (at('next', 'export') >= 0) out.dirs.push('out');
    if (at('react-scripts', 'build') >= 0) out.dirs.push('build');
    if (at('tsc') >= 0) add(tscOutput(pkg, words.slice(at('tsc') + 1)));
    if (at('nest', 'build') >= 0) add(tscOutput(pkg, pkg.build?.tsc['tsconfig.build.json'] ? ['-p', 'tsconfig.build.json'] : []));
    if (at('vite', 'build') >= 0) add(viteOutput(pkg, words.slice(at('vite', 'build') + 2)));
    if (at('tsup') >= 0) add(flagDir(words.slice(at('tsup') + 1), ['-d', '--out-dir']) ?? pkg.build?.tsup ?? { dir: 'dist' });
    for (const compiler of ['swc', 'babel']) {
      // Without --out-dir they print to stdout or write the one --out-file: no directory is established.
      if (at(compiler) >= 0) add(flagDir(words.slice(at(compiler) + 1), ['-d', '--out-dir']) ?? { unknown: `${compiler} is given no --out-dir` });
    }
  }
  if (out.dirs.length || out.opaque.length || body.split(/&&|\|\||[;|]/).some((seg) => /(?:^|\s)(?:tsc|vite\s+build)\b/.test(seg))) return { ...out, dirs: [...new Set(out.dirs)] };
  return { dirs: [outputDir(pkg)], opaque: [], known: false };
}

/** The value of a `--flag value` / `--flag=value` option, null when absent. */
function flagValue(args: string[], names: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (names.includes(a)) return args[i + 1] ?? null;
    const eq = a.indexOf('=');
    if (eq > 0 && names.includes(a.slice(0, eq))) return a.slice(eq + 1);
  }
  return null;
}

/** The directory a `--out-dir dir` / `-d dir` / `--out-dir=dir` flag names, null when none is given. */
function flagDir(args: string[], names: string[]): OutDir | null {
  const dir = flagValue(args, names);
  if (dir === null) return null;
  return dir.includes('$') ? { unknown: 'a variable output directory' } : { dir: dir.replace(/^\.\//, '').replace(/\/+$/, '') || '.' };
}

/** Where a `tsc` with these arguments writes: `--outDir`, else the outDir of the tsconfig it reads (`-p`/`-b`, else tsconfig.json). */
function tscOutput(pkg: WorkspacePackage, args: string[]): OutDir {
  if (args.includes('--noEmit')) return { none: true };
  const flag = flagValue(args, ['--outDir']);
  if (flag !== null) return flag.includes('$') ? { unknown: 'a variable outDir' } : { dir: flag };
  if (!pkg.build) return { dir: outputDir(pkg) };
  const built = args.findIndex((a) => a === '-b' || a === '--build');
  const project = flagValue(args, ['-p', '--project']) ?? (built >= 0 && args[built + 1] && !args[built + 1]?.startsWith('-') ? (args[built + 1] as string) : null);
  const name = project === null ? 'tsconfig.json' : norm(posix.normalize(project));
  const key = name.endsWith('.json') ? name : joinRel(name, 'tsconfig.json');
  return pkg.build.tsc[key] ?? { unknown: `tsc reads ${key}, which ecsfix does not read` };
}

/** Where a `vite build` with these arguments writes: `--outDir`, else vite.config's build.outDir, else `dist`. */
function viteOutput(pkg: WorkspacePackage, args: string[]): OutDir {
  const flag = flagValue(args, ['--outDir']);
  if (flag !== null) return flag.includes('$') ? { unknown: 'a variable outDir' } : { dir: flag };
  if (flagValue(args, ['-c', '--config']) !== null || args.some((a) => !a.startsWith('-'))) return { unknown: 'vite build is given another config or root' };
  return pkg.build?.vite ?? { dir: 'dist' };
}
