/**
 * A static build check: what `docker build` would trip over, found without a Docker engine. It
 * follows the files each stage holds (copied from the build context, copied from an earlier stage,
 * or produced by a build, install or deploy command it understands) and reports, with line numbers:
 *
 *   copy-from-stage    a `COPY --from` that names no earlier stage
 *   copy-source        a `COPY` source missing from the build context, or from the stage it copies from
 *   cmd-path           the deployed stage's `CMD`/`ENTRYPOINT` script that the image does not contain
 *   workspace-runtime  a workspace package the service imports that the deployed stage lacks
 *   runtime-user       the deployed stage runs as root
 *
 * A stage that runs a command the check does not understand may create files it cannot see, so a
 * missing path there is a warning rather than an error. Pure: a function of the text and the model.
 */
import { posix } from 'node:path';
import { deployedStage, isRootUser, parseDockerfile, type DockerInstruction, type ParsedDockerfile } from './dockerfile.js';
import type { Finding } from '../findings/finding.js';
import { copyArguments, copyFlag } from '../dockerfile/copy.js';
import { globToRegExp } from '../dockerfile/glob.js';
import { instructionWords, runSteps } from '../dockerfile/shell.js';
import { substitute, variableAssignments } from '../dockerfile/variables.js';
import type { RepoModel, Service } from './model.js';
import type { WorkspacePackage } from './workspace.js';

/** The code of each rule above (see src/findings/codes-build-check.ts). */
const CODE = {
  'copy-from-stage': 'ECS501',
  'copy-source': 'ECS502',
  'cmd-path': 'ECS503',
  'workspace-runtime': 'ECS504',
  'runtime-user': 'ECS505',
} as const;

/** A build-check finding always names the line of the instruction (1-based). */
export type BuildFinding = Finding & { line: number };

export interface BuildCheckOptions {
  /** Repo-relative path of the Dockerfile (to find the services built from it). */
  path?: string;
  /** The service to check against (its build context, target and workspace packages). */
  service?: Service | null;
}

/** A path that exists in a stage, and where its content comes from (a repo-relative path). */
interface Entry {
  path: string;
  /** Repo-relative path the content corresponds to ('' = the repo root), null when unknown. */
  rel: string | null;
  kind: 'context' | 'produced' | 'dir';
}

interface StageFs {
  entries: Entry[];
  /** The stage ran a command the check cannot follow. */
  uncertain: boolean;
  workdir: string;
}

interface Found {
  rel: string | null;
  kind: Entry['kind'];
}

const norm = (p: string) => (p === '.' || p === './' ? '' : p.replace(/^\.\//, '').replace(/\/+$/, ''));

type ContextIndex = { files: ReadonlySet<string>; dirs: ReadonlySet<string> };
/** Per file list, the index of each build context (many services share the repo root as context). */
const contextIndexes = new WeakMap<readonly string[], Map<string, ContextIndex>>();

/** Files and directories of the repo below a context directory, as context-relative paths. */
function contextIndex(repo: RepoModel, context: string): ContextIndex {
  const byContext = contextIndexes.get(repo.files) ?? new Map<string, ContextIndex>();
  contextIndexes.set(repo.files, byContext);
  const hit = byContext.get(context);
  if (hit) return hit;
  const index = buildContextIndex(repo, context);
  byContext.set(context, index);
  return index;
}

function buildContextIndex(repo: RepoModel, context: string): ContextIndex {
  const prefix = context ? context + '/' : '';
  const files = new Set<string>();
  const dirs = new Set<string>(['']);
  for (const f of repo.files) {
    if (!f.startsWith(prefix)) continue;
    const rel = f.slice(prefix.length);
    files.add(rel);
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return { files, dirs };
}

function abs(workdir: string, p: string): string {
  return posix.normalize(p.startsWith('/') ? p : posix.join(workdir, p)).replace(/(.)\/+$/, '$1');
}

const NOOP_COMMAND =
  /^(?:apk|apt-get|apt|yum|dnf|microdnf|addgroup|adduser|groupadd|useradd|usermod|chown|chmod|corepack|echo|printf|true|set|export|rm|test|\[|sed|npm\s+(?:prune|cache|config|i(?:nstall)?\s+(?:-g|--global))|pnpm\s+(?:prune|store|config|fetch|setup|add\s+-g)|yarn\s+(?:cache|config)|npm\s+(?:-g|--global)\s+i)/;

/** Packages a pnpm `--filter`/`-F` selector names (`name`, `name...`, `...name`, `./dir`, `{dir}`). */
function selectPackages(selector: string, packages: WorkspacePackage[], workspaceRel: string): WorkspacePackage[] {
  let sel = selector.replace(/^["']|["']$/g, '');
  const withDeps = sel.endsWith('...');
  const withDependents = sel.startsWith('...');
  sel = sel.replace(/^\.\.\.|\.\.\.$/g, '').replace(/^\^/, '');
  const byDir = /^\.{0,2}\/|^\{/.test(sel) ? norm(sel.replace(/^\{|\}$/g, '')) : null;
  const re = byDir === null ? globToRegExp(sel) : null;
  const roots = packages.filter((p) => (byDir !== null ? p.dir === posix.join(workspaceRel, byDir) || p.dir === byDir : re?.test(p.name)));
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

/** The directory a package's build writes: the top directory of its `main`, else `dist`. */
export function outputDir(pkg: WorkspacePackage): string {
  const main = (pkg.main ?? '').replace(/^\.\//, '');
  const top = main.includes('/') ? main.split('/')[0] : null;
  return top && top !== 'src' ? top : 'dist';
}

function lookup(fs: StageFs, path: string, repo: RepoModel): Found | null {
  for (let i = fs.entries.length - 1; i >= 0; i--) {
    const e = fs.entries[i] as Entry;
    if (e.path === path) return { rel: e.rel, kind: e.kind };
    if (e.kind !== 'dir' && path.startsWith(e.path === '/' ? '/' : e.path + '/')) {
      const rest = path.slice(e.path === '/' ? 1 : e.path.length + 1);
      if (e.kind === 'produced' && e.rel !== null && !builtFileExists(repo, e.rel, rest)) continue;
      if (e.kind !== 'context') return { rel: e.rel === null ? null : joinRel(e.rel, rest), kind: e.kind };
      const rel = joinRel(e.rel ?? '', rest);
      if (repoHas(repo, rel)) return { rel, kind: 'context' };
      continue;
    }
    if (e.path.startsWith(path === '/' ? '/' : path + '/')) return { rel: null, kind: 'dir' };
  }
  return null;
}

const SOURCE_EXT = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/**
 * Whether a path below a package's build output can exist: a compiled file needs a source file of
 * the same stem (src/a/b.ts -> dist/a/b.js), a directory a source directory. Outputs the repo
 * cannot explain (no sources at all, generated code) are given the benefit of the doubt.
 */
function builtFileExists(repo: RepoModel, outRel: string, rest: string): boolean {
  if (!rest) return true;
  if (repo.files.includes(joinRel(outRel, rest))) return true; // committed build output
  const pkgDir = posix.dirname(outRel) === '.' ? '' : posix.dirname(outRel);
  const prefix = pkgDir ? pkgDir + '/' : '';
  const roots = [prefix + 'src/', prefix];
  const hasSources = repo.files.some((f) => f.startsWith(prefix + 'src/') && SOURCE_EXT.some((e) => f.endsWith(e)));
  if (!hasSources) return true;
  const stem = rest.replace(/(?:\.d)?\.(?:[cm]?js|map)(?:\.map)?$/, '');
  if (stem === rest) return roots.some((r) => repo.files.some((f) => f.startsWith(r + rest + '/')));
  return roots.some((r) => SOURCE_EXT.some((e) => repo.files.includes(r + stem + e)));
}

const joinRel = (a: string, b: string) => (a && b ? `${a}/${b}` : a || b);

function repoHas(repo: RepoModel, rel: string): boolean {
  if (rel === '') return true;
  return repo.files.includes(rel) || repo.files.some((f) => f.startsWith(rel + '/'));
}

/** Copies the entries at `src` of one stage to `dest` of another. */
function copyEntries(from: StageFs, src: string, dest: string, repo: RepoModel): Entry[] {
  const found = lookup(from, src, repo);
  const out: Entry[] = [];
  if (found && found.kind !== 'dir') out.push({ path: dest, rel: found.rel, kind: found.kind });
  for (const e of from.entries) {
    if (e.path.startsWith(src === '/' ? '/' : src + '/')) out.push({ path: posix.join(dest, e.path.slice(src.length)), rel: e.rel, kind: e.kind });
  }
  if (found?.kind === 'dir' && out.length === 0) out.push({ path: dest, rel: null, kind: 'dir' });
  return out;
}

function stageFor(parsed: ParsedDockerfile, ref: string, before: number): number | null {
  const byName = parsed.stages.find((s) => s.index < before && s.name !== null && s.name.toLowerCase() === ref.toLowerCase());
  if (byName) return byName.index;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return null;
}

/** The node script a CMD/ENTRYPOINT runs, if it runs one (`tokens`: its words). */
export function nodeScript(tokens: string[]): string | null {
  const at = tokens.findIndex((t) => /(?:^|\/)node$/.test(t));
  if (at < 0) return null;
  for (let i = at + 1; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (t === '-r' || t === '--require' || t === '--import' || t === '--loader') {
      i++;
      continue;
    }
    if (t.startsWith('-')) {
      if (t === '-e' || t === '--eval' || t === '-p') return null;
      continue;
    }
    return t;
  }
  return null;
}

export function checkDockerfileBuild(text: string, repo: RepoModel, options: BuildCheckOptions = {}): BuildFinding[] {
  return simulate(text, repo, options).findings;
}

/** What the deployed stage of a Dockerfile holds at an absolute path, as far as the check can follow. */
export interface ImagePath {
  /** Repo-relative path the content comes from (built output keeps its package path, e.g. `services/x/dist`). */
  rel: string | null;
  kind: 'context' | 'produced' | 'dir';
}

/** Looks paths up in the deployed stage's file system (e.g. where a relative import lands at run time). */
export function deployedImage(text: string, repo: RepoModel, options: BuildCheckOptions = {}): { lookup(path: string): ImagePath | null; cmdWorkdir: string | null } {
  const sim = simulate(text, repo, options);
  return { lookup: sim.lookupDeployed, cmdWorkdir: sim.cmdWorkdir };
}

function simulate(
  text: string,
  repo: RepoModel,
  options: BuildCheckOptions,
): { findings: BuildFinding[]; lookupDeployed: (path: string) => ImagePath | null; cmdWorkdir: string | null } {
  const parsed = parseDockerfile(text);
  const service = options.service ?? (options.path ? (repo.services.find((s) => s.dockerfile === options.path) ?? null) : null);
  const context = norm(service?.buildContext ?? (options.path ? posix.dirname(options.path) : ''));
  const ctx = contextIndex(repo, context);
  const packages = repo.workspacePackages;
  const findings: BuildFinding[] = [];
  const stages: StageFs[] = [];
  const add = (f: BuildFinding) => findings.push(f);

  for (const stage of parsed.stages) {
    const parent = stage.parentStage !== null ? stages[stage.parentStage] : undefined;
    const fs: StageFs = parent
      ? { entries: [...parent.entries], uncertain: parent.uncertain, workdir: parent.workdir }
      : { entries: [], uncertain: false, workdir: '/' };
    stages.push(fs);
    const vars = new Map<string, string>();
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
        for (const [name, value] of variableAssignments(ins.args, ins.keyword)) if (value !== null) vars.set(name, value);
      } else if (ins.keyword === 'WORKDIR') {
        const dir = substitute(ins.args.trim().replace(/^["']|["']$/g, ''), (name) => vars.get(name) ?? null);
        if (dir === null) {
          fs.uncertain = true;
          continue;
        }
        fs.workdir = abs(fs.workdir, dir);
        fs.entries.push({ path: fs.workdir, rel: null, kind: 'dir' });
      } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
        checkCopy(ins, fs, vars);
      } else if (ins.keyword === 'RUN') {
        followRun(ins, fs);
      }
    }
  }

  function checkCopy(ins: DockerInstruction, fs: StageFs, vars: Map<string, string>): void {
    const parsedArgs = copyArguments(parsed, ins);
    if (!parsedArgs) return;
    const destRaw = substitute(parsedArgs.dest.value, (name) => vars.get(name) ?? null);
    if (destRaw === null) {
      fs.uncertain = true;
      return;
    }
    const dest = abs(fs.workdir, destRaw);
    const intoDir = parsedArgs.destIsDir;
    const from = copyFlag(parsedArgs, 'from');
    if (from !== undefined) {
      const index = stageFor(parsed, from, ins.stageIndex);
      if (index === null) {
        const later = parsed.stages.some((s) => s.name?.toLowerCase() === from.toLowerCase());
        if (later || !/[:/.@]/.test(from))
          add({
            code: CODE['copy-from-stage'],
            severity: 'blocking',
            line: ins.line,
            message: later ? `COPY --from=${from} names a stage defined later in the file` : `COPY --from=${from} names no earlier stage`,
          });
        return; // an external image: nothing to follow
      }
      const src = stages[index] as StageFs;
      if (src.uncertain) fs.uncertain = true; // what that stage made is only partly known
      for (const source of parsedArgs.sources) {
        const s = substitute(source.value, (name) => vars.get(name) ?? null);
        if (s === null) continue;
        const srcPath = abs('/', s);
        const found = lookup(src, srcPath, repo);
        if (!found) {
          add({
            code: CODE['copy-source'],
            severity: src.uncertain ? 'warning' : 'blocking',
            line: ins.line,
            message: `COPY --from=${from} ${s}: nothing in stage "${from}" creates ${srcPath}${src.uncertain ? ' (as far as the check can follow its RUN steps)' : ''}`,
          });
          continue;
        }
        const isFile = found.kind === 'context' && found.rel !== null && repo.files.includes(found.rel);
        const target = isFile && intoDir ? posix.join(dest, posix.basename(srcPath)) : dest;
        fs.entries.push(...copyEntries(src, srcPath, target, repo));
      }
      return;
    }
    for (const source of parsedArgs.sources) {
      const s = substitute(source.value, (name) => vars.get(name) ?? null);
      if (s === null || /^https?:\/\//.test(s)) continue;
      const rel = norm(posix.normalize(s.replace(/^\/+/, '')));
      if (rel.startsWith('..')) {
        add({ code: CODE['copy-source'], severity: 'blocking', line: ins.line, message: `COPY ${s}: outside the build context (${context || '.'})` });
        continue;
      }
      const matches: { rel: string; dir: boolean }[] = [];
      if (/[*?[]/.test(rel)) {
        const re = globToRegExp(rel);
        for (const f of ctx.files) if (re.test(f)) matches.push({ rel: f, dir: false });
        for (const d of ctx.dirs) if (d && re.test(d)) matches.push({ rel: d, dir: true });
        if (matches.length === 0 && parsedArgs.sources.length === 1)
          add({ code: CODE['copy-source'], severity: 'blocking', line: ins.line, message: `COPY ${s}: matches no file in the build context (${context || '.'})` });
        else if (matches.length === 0)
          add({ code: CODE['copy-source'], severity: 'warning', line: ins.line, message: `COPY ${s}: matches no file in the build context (${context || '.'}); only the other sources are copied` });
      } else if (ctx.files.has(rel)) matches.push({ rel, dir: false });
      else if (ctx.dirs.has(rel)) matches.push({ rel, dir: true });
      else add({ code: CODE['copy-source'], severity: 'blocking', line: ins.line, message: `COPY ${s}: not in the build context (${context || '.'})` });
      for (const m of matches) {
        const repoRel = joinRel(context, m.rel);
        const path = !m.dir && (intoDir || matches.length > 1) ? posix.join(dest, posix.basename(m.rel)) : dest;
        fs.entries.push({ path, rel: repoRel, kind: 'context' });
      }
    }
  }

  /** The workspace root inside a stage: where pnpm-workspace.yaml (or the root package.json) was copied. */
  function workspaceRoot(fs: StageFs): string | null {
    for (let i = fs.entries.length - 1; i >= 0; i--) {
      const e = fs.entries[i] as Entry;
      if (e.rel === 'pnpm-workspace.yaml' || (e.rel === 'package.json' && e.kind === 'context')) return posix.dirname(e.path);
      if (e.kind === 'context' && e.rel === '' ) return e.path;
    }
    return null;
  }

  /** Where a package's directory is in the stage (from where its package.json was copied). */
  function packageDirIn(fs: StageFs, pkg: WorkspacePackage): string | null {
    const manifest = joinRel(pkg.dir, 'package.json');
    for (let i = fs.entries.length - 1; i >= 0; i--) {
      const e = fs.entries[i] as Entry;
      if (e.rel === manifest) return posix.dirname(e.path);
      if (e.rel !== null && e.kind === 'context' && (e.rel === '' || manifest.startsWith(e.rel + '/'))) return posix.join(e.path, manifest.slice(e.rel ? e.rel.length + 1 : 0), '..');
    }
    return null;
  }

  function packageAt(fs: StageFs, dir: string): WorkspacePackage | null {
    const found = lookup(fs, posix.join(dir, 'package.json'), repo);
    if (!found?.rel) return null;
    const pkgDir = norm(posix.dirname(found.rel));
    return packages.find((p) => p.dir === pkgDir) ?? null;
  }

  function produceBuild(fs: StageFs, pkgs: WorkspacePackage[]): void {
    for (const pkg of pkgs) {
      const dir = packageDirIn(fs, pkg);
      if (!dir) continue;
      const out = outputDir(pkg);
      fs.entries.push({ path: posix.join(dir, out), rel: joinRel(pkg.dir, out), kind: 'produced' });
    }
  }

  function followRun(ins: DockerInstruction, fs: StageFs): void {
    let cwd = fs.workdir;
    for (const { text: raw } of runSteps(parsed, ins)) {
      const seg = raw.replace(/^(?:\w+=\S*\s+)+/, '');
      const cd = /^cd\s+(\S+)$/.exec(seg);
      if (cd) {
        cwd = abs(cwd, cd[1] ?? '.');
        continue;
      }
      const wsRoot = workspaceRoot(fs) ?? cwd;
      const wsRel = '';
      const pnpm = /^(?:pnpm|corepack\s+pnpm|npx\s+pnpm)\b(.*)$/.exec(seg);
      const npmLike = /^(?:npm|yarn)\b(.*)$/.exec(seg);
      if (pnpm) {
        const rest = pnpm[1] ?? '';
        const filters = [...rest.matchAll(/(?:--filter|-F)(?:=|\s+)(\S+)/g)].map((m) => m[1] ?? '');
        const words = rest.replace(/(?:--filter|-F)(?:=|\s+)\S+/g, '').trim().split(/\s+/).filter(Boolean);
        const positional = words.filter((w) => !w.startsWith('-'));
        const verb = positional[0] ?? 'install';
        const recursive = words.includes('-r') || words.includes('--recursive');
        if (verb === 'install' || verb === 'i') {
          fs.entries.push({ path: posix.join(wsRoot, 'node_modules'), rel: null, kind: 'produced' });
          for (const p of packages) {
            const dir = packageDirIn(fs, p);
            if (dir) fs.entries.push({ path: posix.join(dir, 'node_modules'), rel: null, kind: 'produced' });
          }
          continue;
        }
        if (verb === 'deploy') {
          const target = positional[1];
          const selected = filters.flatMap((f) => selectPackages(f, packages, wsRel));
          if (target && selected[0]) {
            const dir = abs(cwd, target);
            fs.entries.push({ path: dir, rel: selected[0].dir, kind: 'produced' });
            continue;
          }
          fs.uncertain = true;
          continue;
        }
        const script = verb === 'run' || verb === 'run-script' ? positional[1] : verb;
        if (script === 'build' || (script && /^build(?::|$)/.test(script))) {
          if (filters.length) produceBuild(fs, filters.flatMap((f) => selectPackages(f, packages, wsRel)));
          else if (recursive) produceBuild(fs, packages);
          else {
            const pkg = packageAt(fs, cwd);
            if (pkg) produceBuild(fs, [pkg]);
            else fs.uncertain = true;
          }
          continue;
        }
        if (/^(?:prune|store|config|fetch|setup|add|env)$/.test(verb)) continue;
        fs.uncertain = true;
        continue;
      }
      if (npmLike) {
        const words = (npmLike[1] ?? '').trim().split(/\s+/).filter(Boolean);
        const verb = words.find((w) => !w.startsWith('-')) ?? 'install';
        if (/^(?:install|i|ci)$/.test(verb) && !words.includes('-g') && !words.includes('--global')) {
          fs.entries.push({ path: posix.join(cwd, 'node_modules'), rel: null, kind: 'produced' });
          continue;
        }
        const run = words.filter((w) => !w.startsWith('-'));
        const script = run[0] === 'run' || run[0] === 'run-script' ? run[1] : run[0];
        if (script && /^build(?::|$)/.test(script)) {
          const ws = /(?:--workspace|-w)(?:=|\s+)(\S+)/.exec(npmLike[1] ?? '')?.[1];
          if (ws) produceBuild(fs, packages.filter((p) => p.name === ws || p.dir === norm(ws)));
          else {
            const pkg = packageAt(fs, cwd);
            if (pkg) produceBuild(fs, [pkg]);
            else fs.uncertain = true;
          }
          continue;
        }
        if (NOOP_COMMAND.test(seg)) continue;
        fs.uncertain = true;
        continue;
      }
      if (/^(?:npx\s+)?tsc\b/.test(seg)) {
        const pkg = packageAt(fs, cwd);
        if (pkg) produceBuild(fs, [pkg]);
        else fs.uncertain = true;
        continue;
      }
      const mkdir = /^mkdir\s+(?:-p\s+)?(.+)$/.exec(seg);
      if (mkdir) {
        for (const d of (mkdir[1] ?? '').split(/\s+/)) if (d && !d.startsWith('-')) fs.entries.push({ path: abs(cwd, d), rel: null, kind: 'dir' });
        continue;
      }
      if (/^node\s+-e\b/.test(seg) || NOOP_COMMAND.test(seg)) continue;
      fs.uncertain = true;
    }
  }

  // The deployed stage: CMD, workspace packages, user.
  const deployed = deployedStage(parsed, service?.target);
  let cmdWorkdir: string | null = null;
  if (deployed) {
    const fs = stages[deployed.index] as StageFs;
    const cmd = [...deployed.instructions].reverse().find((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
    const script = cmd ? nodeScript(instructionWords(parsed, cmd).words.map((w) => w.value)) : null;
    if (cmd) cmdWorkdir = workdirBefore(deployed.index, cmd);
    if (cmd && script && !script.includes('$')) {
      const workdirAtCmd = workdirBefore(deployed.index, cmd);
      const path = abs(workdirAtCmd, script);
      const found = lookup(fs, path, repo);
      if (!found || found.kind === 'dir')
        add({
          code: CODE['cmd-path'],
          severity: fs.uncertain ? 'warning' : 'blocking',
          line: cmd.line,
          message: `${cmd.keyword} runs ${path}, which no build step or COPY of the ${deployed.name ?? 'final'} stage provides`,
        });
    }
    if (service?.packageName) {
      const byName = new Map(packages.map((p) => [p.name, p]));
      const needed = [service.packageName, ...service.workspaceDeps];
      for (const name of needed) {
        const pkg = byName.get(name);
        if (!pkg) continue;
        const main = joinRel(pkg.dir, (pkg.main ?? 'index.js').replace(/^\.\//, ''));
        const present = fs.entries.some((e) => e.rel !== null && e.kind !== 'dir' && (e.rel === main || main.startsWith(e.rel ? e.rel + '/' : '')) && (e.kind !== 'context' || repoHas(repo, main)));
        if (!present && name !== service.packageName)
          add({
            code: CODE['workspace-runtime'],
            severity: fs.uncertain ? 'warning' : 'blocking',
            line: cmd?.line ?? deployed.from.line,
            message: `${service.name} imports workspace package ${name}, but the ${deployed.name ?? 'final'} stage has no ${main}`,
          });
      }
    }
    if (isRootUser(deployed.user))
      add({ code: CODE['runtime-user'], severity: 'warning', line: (cmd ?? deployed.from).line, message: `the ${deployed.name ?? 'final'} stage runs as root` });
  }

  function workdirBefore(stageIndex: number, at: DockerInstruction): string {
    const chain: number[] = [];
    let s: number | null = stageIndex;
    while (s !== null && !chain.includes(s)) {
      chain.unshift(s);
      s = parsed.stages[s]?.parentStage ?? null;
    }
    let wd = '/';
    for (const index of chain)
      for (const ins of parsed.stages[index]?.instructions ?? []) {
        if (index === stageIndex && ins.start >= at.start) break;
        if (ins.keyword === 'WORKDIR' && !ins.args.includes('$')) wd = abs(wd, ins.args.trim().replace(/^["']|["']$/g, ''));
      }
    return wd;
  }

  const deployedFs = deployed ? stages[deployed.index] : undefined;
  return {
    findings: findings.sort((a, b) => a.line - b.line),
    lookupDeployed: (path: string) => (deployedFs ? lookup(deployedFs, path, repo) : null),
    cmdWorkdir,
  };
}
