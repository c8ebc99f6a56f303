/**
 * dockerfile-worker-multistage: a worker whose image is one stage (npm install without a lockfile
 * in a pnpm monorepo, build and prune in the same layer, root user) is rewritten into the
 * deps -> builder -> runtime shape the repo's HTTP services use:
 *
 *   base     the worker's Node image with pnpm pinned (same version source as dockerfile-pnpm-pin)
 *   deps     only the workspace manifests the worker needs + pnpm-lock.yaml, `pnpm install --frozen-lockfile`
 *   builder  the sources of those packages, built in dependency order with `pnpm --filter <name> build`
 *   prod-deps `pnpm install --prod --frozen-lockfile` over the same manifests
 *   runtime  prod-deps + built output only, non-root, the original WORKDIR, ENTRYPOINT and CMD
 *
 * Stage names, the pnpm install command, the native toolchain, NODE_ENV, the user-creation command
 * and `chown` follow the HTTP siblings (transforms/lib/multistage-shape.ts). Packages keep their
 * repo-relative place under the original app directory (/app/shared, /app/services/<worker>), so
 * the worker's WORKDIR and CMD stay as they were and a relative import of another package's build
 * (`../../admin-service/dist/...`) still resolves. Production dependencies come from the lockfile,
 * not from the siblings' `file:` rewrite + `npm install --omit=dev`: that resolves versions afresh,
 * which is the drift seed 002 asks to remove (the note on the change says so).
 *
 * This is a whole-file rewrite, so it is conservative: only a worker that is a workspace package
 * with a single-stage node image built from the repo root; any instruction or RUN step it cannot
 * place makes it refuse with a warning. Its output must pass dockerfileProblems() and the static
 * build check (src/check/build/), or nothing is changed.
 */
import { startPackageUnknown } from './lib/start-package.js';
import { posix } from 'node:path';
import { checkDockerfileBuild } from '../src/check/build/index.js';
import { outputDir } from '../src/dockerfile/imageRun.js';
import { corepackAvailable } from '../src/dockerfile/corepack.js';
import { assumedBaseFinding } from './lib/base-assumption.js';
import { parseForBuilds } from '../src/repo/buildArgs.js';
import { INSTALLS_COREPACK } from '../src/repo/baseImage.js';
import { copyArguments, copyFlag } from '../src/dockerfile/copy.js';
import { runSteps } from '../src/dockerfile/shell.js';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { dockerfileProblems, effectiveInstructions, isRootUser, parseDockerfile, type DockerInstruction, type ParsedDockerfile } from '../src/repo/dockerfile.js';
import { servicesForFile, type RepoModel, type Service } from '../src/repo/model.js';
import { usersCreatedBy, type CreatedGroup, type CreatedUser } from '../src/dockerfile/users.js';
import { workspaceClosure, type WorkspacePackage } from '../src/repo/workspace.js';
import type { Finding } from '../src/findings/finding.js';
import { replaceRange } from '../src/edits.js';
import type { Transform, TransformInput, TransformResult } from '../src/transform.js';
import { choosePnpmVersion } from './lib/pnpm-version.js';
import { workerRewriteBlocker } from './lib/worker-rewrite.js';
import { keyword, runInstructionLines } from '../src/dockerfile/edit.js';
import { chownCommands, handovers, type Handover } from '../src/dockerfile/writeHandover.js';
import { BUILTIN_SHAPE, httpMultistageShape, type MultistageShape } from './lib/multistage-shape.js';
import { userCreationCommand, type UserSpec } from './lib/user-create.js';
import { hasFile } from '../src/repo/files.js';
import { buildFiles } from '../src/dockerfile/imageFiles.js';
import { contextIgnore } from '../src/dockerfile/dockerignore.js';

const ID = 'dockerfile-worker-multistage';

/** A carried instruction: its text and the comment lines directly above it. */
interface Carried {
  comments: string[];
  text: string;
}

const TOOLCHAIN_PKGS = new Set(['python3', 'python', 'py3-pip', 'make', 'g++', 'gcc', 'build-base', 'build-essential', 'libc6-compat', 'git', 'musl-dev', 'libc-dev', 'pkgconfig', 'pkg-config']);
const ROOT_CONFIG = /^(?:tsconfig[\w.-]*\.json|\.npmrc|\.pnpmfile\.cjs|babel\.config\.[cm]?js|\.swcrc|turbo\.json|nx\.json)$/;
const BUILD_ENV = /(?:^|\s)(?:NODE_OPTIONS|npm_config_\w+|NPM_CONFIG_\w+|PNPM_\w+|CI|TS_NODE_\w+|\w*BUILD\w*)[=\s]/;
const INSTALL_CONFIG = /^(?:\.npmrc|\.pnpmfile\.cjs|patches)$/;

/**
 * The root's pnpm configuration the rewrite's installs need beside the ones the original copied:
 * pnpm reads .npmrc and .pnpmfile.cjs at the workspace root, a frozen install refuses a lockfile
 * whose recorded settings differ from the configuration (ERR_PNPM_LOCKFILE_CONFIG_MISMATCH), and a
 * private registry is configured there. The npm image it replaces did not need them (review8 R5).
 * Only files the build context (the repo root) has, not left out by .dockerignore; a message (no
 * rewrite) when an .npmrc reads a variable, which only a build secret can give the build.
 */
function pnpmInstallConfigs(repo: RepoModel, dockerfile: string, copied: string[], read: (rel: string) => string | null): string[] | string {
  const context = buildFiles(repo.files, '', contextIgnore(repo, '', dockerfile));
  const added = ['.npmrc', '.pnpmfile.cjs'].filter((f) => !copied.includes(f) && context.has(f));
  if (added.includes('.npmrc') && /\$\{?\w/.test(read('.npmrc') ?? ''))
    return '.npmrc reads a variable (`${...}`, a registry token): the rewrite\'s pnpm installs need it, and only a build secret can give it to the build (RUN --mount=type=secret); rewrite it by hand';
  return [...copied, ...added];
}

function refuse(message: string, line?: number): TransformResult {
  return { edits: [], findings: [{ code: 'ECS161', severity: 'warning', message: `not rewritten: ${message}`, ...(line ? { line } : {}) }] };
}

function leadingComments(parsed: ParsedDockerfile, ins: DockerInstruction): string[] {
  const lines = parsed.text.slice(0, ins.lineStart).split('\n');
  lines.pop();
  const out: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i] ?? '';
    if (!/^\s*#/.test(l)) break;
    out.unshift(l.trimStart());
  }
  return out;
}

const instructionText = (parsed: ParsedDockerfile, ins: DockerInstruction) => parsed.text.slice(ins.start, ins.end);

type SegmentKind = 'install' | 'pnpm-setup' | 'build' | 'prune' | 'cd' | 'toolchain' | 'runtime-pkgs' | 'pkg-housekeeping' | 'user' | 'handover' | 'link-fixup' | 'unknown';

/**
 * The absolute directories a `mkdir -p` / `chown [-R] owner` step gives the runtime user, when that
 * is all it does (dockerfile-non-root's handover of the directories the app writes); null for any
 * other step, e.g. a chown of the app directory itself.
 */
function handedDirectories(step: string, appRoot: string): { paths: string[]; recursive: boolean } | null {
  const m = /^(?:mkdir\s+-p|chown(\s+-R)?\s+[\w.-]+(?::[\w.-]+)?)((?:\s+\/[\w./-]+)+)$/.exec(step);
  if (!m) return null;
  const paths = (m[2] ?? '').trim().split(/\s+/);
  const root = appRoot || '/';
  if (paths.some((p) => root === p || root.startsWith(p.replace(/\/$/, '') + '/') || /(?:^|\/)(?:dist|build|node_modules)(?:\/|$)/.test(p))) return null;
  return { paths, recursive: !!m[1] };
}

function classifySegment(seg: string, packages: WorkspacePackage[], appRoot: string): SegmentKind {
  const s = seg.replace(/^(?:\w+=\S*\s+)+/, '').trim();
  if (handedDirectories(s, appRoot)) return 'handover';
  if (/^cd\s+\S+$/.test(s)) return 'cd';
  if (/^(?:npm\s+(?:i|install|add)\s+(?:-g|--global)|npm\s+(?:-g|--global)\s+(?:i|install))\s+pnpm\b|^corepack\b|^yarn\s+global\s+add\s+pnpm\b/.test(s)) return 'pnpm-setup';
  if (/^(?:npm\s+(?:install|i|ci)|pnpm\s+(?:install|i)|yarn(?:\s+install)?)(?:\s|$)/.test(s) && !/\s(?:-g|--global)\b/.test(s)) return 'install';
  if (/^(?:npm|pnpm|yarn)\b.*\bprune\b/.test(s)) return 'prune';
  if (/^(?:npm\s+run(?:-script)?|pnpm(?:\s+(?:--filter|-F)(?:=|\s+)\S+)*(?:\s+-r)?(?:\s+run)?|yarn(?:\s+run)?)\s+build\b/.test(s) || /^(?:npm|pnpm)\b.*\bbuild\b/.test(s)) return 'build';
  if (/^(?:npx\s+|pnpm\s+exec\s+)?tsc\b/.test(s)) return 'build';
  if (/^(?:addgroup|adduser|groupadd|useradd|chown)\b/.test(s)) return 'user';
  const scopes = packages.map((p) => p.name);
  if (/^(?:rm|mkdir|cp|ln)\b/.test(s) && scopes.some((n) => s.includes(`node_modules/${n}`))) return 'link-fixup';
  const apk = /^apk\s+(?:--[\w-]+\s+)*(?:add|update)\b(.*)$/.exec(s) ?? /^apt-get\s+(?:-\S+\s+)*(?:install|update)\b(.*)$/.exec(s);
  if (apk) {
    const pkgs = (apk[1] ?? '').split(/\s+/).filter((p) => p && !p.startsWith('-'));
    if (/^(?:apk\s+update|apt-get\s+(?:-\S+\s+)*update)\b/.test(s)) return 'pkg-housekeeping';
    return pkgs.every((p) => TOOLCHAIN_PKGS.has(p.split('=')[0] ?? p)) ? 'toolchain' : 'runtime-pkgs';
  }
  if (/^(?:rm\s+-rf\s+\/var\/lib\/apt\/lists|apt-get\s+clean)\b/.test(s)) return 'pkg-housekeeping';
  return 'unknown';
}

/**
 * The base stage's pnpm install: the shape's line, unless it runs corepack on a base image that is not
 * established to ship it (node 25+ images do not, and `node:lts` may be one): then npm installs the
 * same pinned pnpm, which works on every node image.
 */
function pnpmSetup(parsed: ParsedDockerfile, install: string, version: string): string[] {
  const first = parsed.stages[0];
  const usesCorepack = /\bcorepack\b/.test(install) && !INSTALLS_COREPACK.test(install);
  const corepack = first && usesCorepack ? corepackAvailable(parsed, first, first.from) : true;
  if (!first || corepack === true) return [`RUN ${install.replace('{version}', version)}`];
  const why = corepack === false ? `${first.fromRef} has no corepack (node images dropped it in 25)` : `corepack is not established in ${first.fromRef} (node images from 25 on do not ship it)`;
  return [`# pnpm from npm: ${why}`, `RUN npm install -g pnpm@${version}`];
}

interface Analysis {
  base: string;
  appRoot: string;
  finalWorkdir: string;
  cmd: Carried[];
  envs: { carried: Carried; beforeBuild: boolean; nodeEnv: boolean }[];
  args: Carried[];
  labels: Carried[];
  toolchain: Carried[];
  runtimeRuns: Carried[];
  preBuild: Carried[];
  postBuild: Carried[];
  rootConfigs: string[];
  installConfigs: string[];
  extraCopies: { carried: Carried; dest: string }[];
  originalUser: UserSpec | null;
  /** The original's own user-creation commands (kept verbatim when its user is kept). */
  userCommands: string[];
  /** Directories the original's RUN steps create and give to its user (`mkdir -p`/`chown`): handed over again in the runtime stage. */
  handedDirs: { path: string; recursive: boolean; line: number }[];
  /** The original chowned the app to its user: the runtime copies keep that ownership. */
  chown: boolean;
  /** Where the original copied each workspace package directory it copied. */
  copied: Map<string, string>;
  /** Package directories the original copied by name (not as part of a folder of packages). */
  named: Set<string>;
  dropped: string[];
}

function analyse(parsed: ParsedDockerfile, repo: RepoModel): Analysis | TransformResult {
  const stage = parsed.stages[0];
  if (!stage) return refuse('no FROM');
  const pkgDirs = new Set(repo.workspacePackages.map((p) => p.dir));
  const a: Analysis = {
    base: stage.fromRef,
    appRoot: '',
    finalWorkdir: '/',
    cmd: [],
    envs: [],
    args: [],
    labels: [],
    toolchain: [],
    runtimeRuns: [],
    preBuild: [],
    postBuild: [],
    rootConfigs: [],
    installConfigs: [],
    extraCopies: [],
    originalUser: null,
    userCommands: [],
    handedDirs: [],
    chown: false,
    copied: new Map(),
    named: new Set(),
    dropped: [],
  };
  let workdir = '/';
  let built = false;
  let userName: string | null = null;
  const created: { users: CreatedUser[]; groups: CreatedGroup[] } = { users: [], groups: [] };
  const copiedPackages = a.copied;
  for (const ins of stage.instructions) {
    const carried = (): Carried => ({ comments: leadingComments(parsed, ins), text: instructionText(parsed, ins) });
    switch (ins.keyword) {
      case 'FROM':
        break;
      case 'WORKDIR': {
        const dir = ins.args.trim().replace(/^["']|["']$/g, '');
        if (dir.includes('$')) return refuse(`WORKDIR ${dir} uses a variable`, ins.line);
        workdir = posix.normalize(dir.startsWith('/') ? dir : posix.join(workdir, dir)).replace(/(.)\/+$/, '$1');
        break;
      }
      case 'COPY':
      case 'ADD': {
        const c = copyArguments(parsed, ins);
        if (!c || copyFlag(c, 'from') !== undefined || c.sources.some((s) => s.value.includes('$') || /^https?:/.test(s.value))) return refuse(`cannot follow ${ins.keyword} ${ins.args}`, ins.line);
        const dest = posix.normalize(c.dest.value.startsWith('/') ? c.dest.value : posix.join(workdir, c.dest.value)).replace(/(.)\/+$/, '$1');
        let extra = false;
        for (const { value: raw } of c.sources) {
          const src = raw.replace(/^\.\//, '').replace(/\/+$/, '') || '.';
          if (src === '.') {
            // The whole repo: the builder needs its root build configuration (tsconfig the packages extend, .npmrc).
            a.appRoot ||= dest;
            for (const f of repo.files) if (!f.includes('/') && ROOT_CONFIG.test(f) && !a.rootConfigs.includes(f)) (INSTALL_CONFIG.test(f) ? a.installConfigs : a.rootConfigs).push(f);
            continue;
          }
          const base = posix.basename(src);
          const dir = posix.dirname(src) === '.' ? '' : posix.dirname(src);
          if (/^package(?:\*|-lock)?\.json$|^pnpm-(?:lock|workspace)\.yaml$|^yarn\.lock$|^npm-shrinkwrap\.json$/.test(base) && (dir === '' || pkgDirs.has(dir))) {
            if (dir === '') a.appRoot ||= dest.replace(/\/[^/]*\.(?:json|yaml)$/, '') || '/';
            continue;
          }
          if (dir === '' && INSTALL_CONFIG.test(base)) {
            a.installConfigs.push(src);
            continue;
          }
          if (dir === '' && ROOT_CONFIG.test(base)) {
            a.rootConfigs.push(src);
            continue;
          }
          if (pkgDirs.has(src)) {
            copiedPackages.set(src, dest);
            a.named.add(src);
            continue;
          }
          const inside = [...pkgDirs].filter((d) => d.startsWith(src + '/'));
          if (inside.length) {
            // A folder of packages (`COPY packages ./packages`): the builder copies the ones it needs.
            for (const d of inside) copiedPackages.set(d, posix.join(dest, d.slice(src.length + 1)));
            continue;
          }
          extra = true;
        }
        if (extra) {
          if (c.sources.length > 1) return refuse(`${ins.keyword} mixes workspace files with other files`, ins.line);
          a.extraCopies.push({ carried: carried(), dest });
        }
        break;
      }
      case 'RUN': {
        if (ins.args.trim().startsWith('[') || /^--/.test(ins.args.trim())) return refuse(`cannot place RUN ${ins.args.trim()}`, ins.line);
        const segs = runSteps(parsed, ins).map((step) => step.text);
        const kinds = segs.map((s) => classifySegment(s, repo.workspacePackages, a.appRoot));
        const unknown = segs.filter((_, i) => kinds[i] === 'unknown');
        segs.forEach((s, i) => {
          const handed = kinds[i] === 'handover' ? handedDirectories(s.trim(), a.appRoot) : null;
          for (const path of handed?.paths ?? []) {
            const known = a.handedDirs.find((d) => d.path === path);
            if (known) known.recursive ||= handed?.recursive ?? false;
            else a.handedDirs.push({ path, recursive: handed?.recursive ?? false, line: ins.line });
          }
          if (kinds[i] !== 'user') return;
          if (/^\s*chown\b/.test(s)) a.chown = true;
          else a.userCommands.push(s.trim());
        });
        const u = usersCreatedBy(parsed, [ins]);
        created.users.push(...u.users);
        created.groups.push(...u.groups);
        if (kinds.includes('link-fixup')) a.dropped.push(`the manual node_modules layout for workspace packages (line ${ins.line}): the runtime layout makes them resolvable`);
        if (unknown.length) {
          // Unknown commands are kept only when the whole RUN is about the build output.
          if (unknown.every((u) => /\bdist\b/.test(u) && /^(?:cp|mv|mkdir|rm|ln|chmod)\b/.test(u.trim()))) {
            (built || kinds.includes('build') ? a.postBuild : a.preBuild).push({ comments: leadingComments(parsed, ins), text: `${keyword(parsed, 'RUN')} ${withCd(segs, kinds, workdir, a.appRoot || workdir)}` });
          } else return refuse(`do not know which stage \`${unknown[0]}\` belongs in; move it by hand or make the image multi-stage yourself`, ins.line);
        }
        // System packages: the build toolchain goes to the deps stage, anything else to the runtime
        // stage, each with the package-index housekeeping (update, cleanup) of its RUN.
        const keep = (wanted: SegmentKind) => segs.filter((_, i) => kinds[i] === wanted || kinds[i] === 'pkg-housekeeping');
        const onlyPackages = kinds.every((k) => k === 'toolchain' || k === 'runtime-pkgs' || k === 'pkg-housekeeping');
        if (kinds.includes('toolchain')) {
          const comments = onlyPackages && !kinds.includes('runtime-pkgs') ? leadingComments(parsed, ins) : [];
          a.toolchain.push({ comments: comments.length ? comments : ['# Native toolchain for dependencies that compile on install'], text: `${keyword(parsed, 'RUN')} ${keep('toolchain').join(' && \\\n    ')}` });
        }
        if (kinds.includes('runtime-pkgs')) a.runtimeRuns.push({ comments: leadingComments(parsed, ins), text: `${keyword(parsed, 'RUN')} ${keep('runtime-pkgs').join(' && \\\n    ')}` });
        if (kinds.includes('build')) built = true;
        break;
      }
      case 'ENV': {
        const nodeEnv = /\bNODE_ENV\b/.test(ins.args);
        // Only variables that steer the build go to the builder too; the rest are runtime settings.
        a.envs.push({ carried: carried(), beforeBuild: !built && BUILD_ENV.test(ins.args), nodeEnv });
        break;
      }
      case 'ARG':
        a.args.push(carried());
        break;
      case 'LABEL':
      case 'STOPSIGNAL':
        a.labels.push(carried());
        break;
      case 'USER':
        userName = ins.args.trim();
        break;
      case 'EXPOSE':
      case 'HEALTHCHECK':
        a.dropped.push(`${ins.keyword} (line ${ins.line}): a worker serves no port, ECS gives it no target group`);
        break;
      case 'CMD':
      case 'ENTRYPOINT':
        a.cmd.push(carried());
        a.finalWorkdir = workdir;
        break;
      default:
        return refuse(`cannot place ${ins.keyword} in a multi-stage build`, ins.line);
    }
  }
  if (a.cmd.length === 0) return refuse('the image has no CMD or ENTRYPOINT');
  if (!a.appRoot) return refuse('could not tell where the repo root is copied (no root package.json, lockfile or `COPY . .`)');
  if (userName && !isRootUser(userName)) {
    const [u = '', g] = userName.split(':');
    const user = created.users.find((x) => x.name === u);
    const group = g ?? user?.group ?? u;
    a.originalUser = { user: u, group, uid: user?.uid ?? null, gid: created.groups.find((x) => x.name === group)?.gid ?? null };
  }
  return a;
}

/** A kept RUN that ran after `cd <dir>` runs there again, from the builder's WORKDIR. */
function withCd(segs: string[], kinds: SegmentKind[], workdir: string, appRoot: string): string {
  let cwd = workdir;
  const out: string[] = [];
  let emittedCwd = appRoot;
  segs.forEach((s, i) => {
    if (kinds[i] === 'cd') {
      const d = s.replace(/^cd\s+/, '').trim();
      cwd = posix.normalize(d.startsWith('/') ? d : posix.join(cwd, d));
      return;
    }
    if (kinds[i] !== 'unknown') return;
    if (cwd !== emittedCwd) {
      out.push(`cd ${cwd}`);
      emittedCwd = cwd;
    }
    out.push(s);
  });
  return out.join(' && ');
}

function block(items: Carried[]): string[] {
  return items.flatMap((c) => [...c.comments, c.text]);
}

export function generate(input: {
  parsed: ParsedDockerfile;
  service: Service;
  worker: WorkspacePackage;
  closure: WorkspacePackage[];
  repo: RepoModel;
  analysis: Analysis;
  shape: MultistageShape;
  pnpmVersion: string;
  user: UserSpec | null;
  builtinUser: string | null;
  /** The directories the worker writes, with where, and the `mkdir -p`/`chown` commands that give them to the runtime user. */
  handover?: { dirs: Handover[]; commands: string[] };
}): string {
  const { parsed, closure, repo, analysis: a, shape, pnpmVersion, user } = input;
  const K = (w: string) => keyword(parsed, w);
  const { base: baseName, deps, builder, runtime } = shape.names;
  const root = a.appRoot;
  const rel = (dir: string) => (dir ? `./${dir}` : '.');
  const from = parsed.stages[0]?.from as DockerInstruction;
  // Everything above FROM (parser directives, the header comment, global ARGs) stays as it was.
  const preamble = parsed.text.slice(0, from.lineStart).replace(/\n+$/, '\n');
  const hasBuild = (p: WorkspacePackage) => typeof p.scripts.build === 'string';
  const fileDeps = new Set(closure.flatMap((p) => Object.entries(p.dependencies).filter(([n, v]) => p.workspaceDeps.includes(n) && v.startsWith('file:')).map(([n]) => n)));
  const rootManifests = ['package.json', 'pnpm-lock.yaml', ...(hasFile(repo.files, 'pnpm-workspace.yaml') ? ['pnpm-workspace.yaml'] : []), ...a.installConfigs];
  const manifestCopies = [
    `${K('COPY')} ${rootManifests.join(' ')} ./`,
    ...closure.map((p) => `${K('COPY')} ${p.dir}/package.json ${rel(p.dir)}/`),
  ];
  const out: string[] = [];
  const section = (title: string) => out.push('', `# ---- ${title} ----`);

  section(`${baseName}: the Node image with pnpm pinned to the repo's version`);
  out.push(`${K('FROM')} ${a.base} ${K('AS')} ${baseName}`, `${K('WORKDIR')} ${root}`, ...pnpmSetup(parsed, shape.pnpmInstall, pnpmVersion).map((l) => l.replace(/^RUN /, `${K('RUN')} `)));

  const toolchain = a.toolchain.length ? block(a.toolchain) : shape.toolchain ? ['# Native toolchain for dependencies that compile on install', `${K('RUN')} ${shape.toolchain}`] : [];
  // Plain JS with nothing to build: no deps/builder stages (nothing would copy from them); the
  // runtime takes prod-deps and the sources.
  const needsBuilder = closure.some(hasBuild) || a.extraCopies.length > 0 || a.preBuild.length > 0 || a.postBuild.length > 0;
  if (needsBuilder) {
    section(`${deps}: install what pnpm-lock.yaml pins, from only the manifests this worker needs`);
    out.push(`${K('FROM')} ${baseName} ${K('AS')} ${deps}`);
    out.push(...toolchain, ...manifestCopies, `${K('RUN')} pnpm install --frozen-lockfile`);

    section(`${builder}: compile the worker and the workspace packages it imports, dependencies first`);
    out.push(`${K('FROM')} ${deps} ${K('AS')} ${builder}`);
    out.push(...block(a.args));
    if (a.rootConfigs.length) out.push(`${K('COPY')} ${a.rootConfigs.join(' ')} ./`);
    out.push(...closure.map((p) => `${K('COPY')} ${p.dir} ${rel(p.dir)}`));
    for (const x of a.extraCopies) out.push(...x.carried.comments, x.carried.text);
    out.push(...block(a.envs.filter((e) => e.beforeBuild && !e.nodeEnv).map((e) => e.carried)));
    out.push(...block(a.preBuild));
    let reinstall = false;
    for (const p of closure) {
      if (reinstall) {
        out.push('# file: dependencies are copied into node_modules at install time: copy them again, now with their build', `${K('RUN')} pnpm install --frozen-lockfile --offline`);
        reinstall = false;
      }
      if (hasBuild(p)) out.push(`${K('RUN')} pnpm --filter ${p.name} build`);
      if (fileDeps.has(p.name) && hasBuild(p)) reinstall = true;
    }
    out.push(...block(a.postBuild));
  }

  // Production dependencies come from the same lockfile, never from npm: the HTTP services' `file:`
  // rewrite + `npm install --omit=dev` resolves versions afresh, the drift this rewrite removes.
  section(`prod-deps: production dependencies only, from the same pnpm-lock.yaml`);
  out.push(`${K('FROM')} ${baseName} ${K('AS')} prod-deps`, ...toolchain, ...manifestCopies);
  const withFile = closure.filter((p) => fileDeps.has(p.name) && hasBuild(p));
  if (withFile.length) {
    out.push('# pnpm copies file: dependencies into node_modules at install time: give it their build first');
    out.push(...withFile.map((p) => `${K('COPY')} --from=${builder} ${posix.join(root, p.dir, outputDir(p))} ${rel(posix.join(p.dir, outputDir(p)))}`));
  }
  out.push(`${K('RUN')} pnpm install --frozen-lockfile --prod`);

  section(`${runtime}: production dependencies and built code only, run as a non-root user`);
  out.push(`${K('FROM')} ${a.base} ${K('AS')} ${runtime}`);
  out.push(...block(a.args), ...block(a.labels));
  if (shape.nodeEnvProduction && !a.envs.some((e) => e.nodeEnv)) out.push(`${K('ENV')} NODE_ENV=production`);
  out.push(...block(a.envs.map((e) => e.carried)));
  out.push(`${K('WORKDIR')} ${root}`);
  out.push(...block(a.runtimeRuns));
  const distro = parsedDistro(input);
  const userCmd = !user
    ? null
    : a.originalUser && user.user === a.originalUser.user && a.userCommands.length
      ? a.userCommands.join(' && ')
      : shape.userCreation && shape.userCreation.user === user.user && shape.userCreation.distro === distro
        ? shape.userCreation.command
        : userCreationCommand(distro, user);
  if (userCmd) out.push(`${K('RUN')} ${userCmd.replace(/\s*&&\s*/g, ' && \\\n    ')}`);
  const chown = (shape.chownApp || a.chown) && user ? ` --chown=${user.user}:${user.group}` : '';
  out.push(
    "# Packages keep their repo paths, so pnpm's workspace links and relative imports between",
    '# them resolve as they did in the single-stage image.',
    `${K('COPY')} --from=prod-deps${chown} ${root} ./`,
  );
  for (const p of closure)
    out.push(
      ...(hasBuild(p)
        ? [`${K('COPY')} --from=${builder}${chown} ${posix.join(root, p.dir, outputDir(p))} ${rel(posix.join(p.dir, outputDir(p)))}`]
        : [`# ${p.name} has no build step: its sources are what runs`, `${K('COPY')}${chown} ${p.dir} ${rel(p.dir)}`]),
    );
  for (const x of a.extraCopies) out.push(`${K('COPY')} --from=${builder}${chown} ${x.dest} ${x.dest}`);
  const runAs = user ? (user.group !== user.user ? `${user.user}:${user.group}` : user.user) : input.builtinUser;
  if (runAs && input.handover?.commands.length) {
    const { dirs, commands } = input.handover;
    // Each directory with the file:line that writes it (the end of its reason).
    const written = dirs.map((d) => [d.path, /\(([^()]+:\d+)\)$/.exec(d.reason)?.[1]]).map(([path, at]) => (at ? `${path} (${at})` : path)).join(', ');
    out.push(`# The worker writes ${written} at run time: ${user ? user.user : runAs} must own ${dirs.length > 1 ? 'them' : 'it'}.`, ...runInstructionLines(parsed, commands));
  }
  if (runAs) out.push(`${K('USER')} ${user ? user.user : runAs}`);
  if (a.finalWorkdir !== root) out.push(`${K('WORKDIR')} ${a.finalWorkdir}`);
  out.push(...block(a.cmd));
  return (preamble + (preamble.trim() ? '\n' : '') + out.join('\n').replace(/^\n+/, '') + '\n').replace(/\n{3,}/g, '\n\n');
}

/** What the runtime (last) stage of a generated Dockerfile must hand to its user, by dockerfile-non-root's rules. */
function runtimeHandover(text: string, services: Service[], repo: RepoModel): ReturnType<typeof handovers> {
  const parsed = parseDockerfile(text);
  const stage = parsed.stages[parsed.stages.length - 1];
  if (!stage) return { dirs: [], findings: [], blockers: [], home: [] };
  const steps = stage.instructions.filter((i) => i.keyword === 'RUN' || i.keyword === 'USER');
  return handovers(parsed, effectiveInstructions(parsed, stage), services, repo, steps[steps.length - 1]);
}

function parsedDistro(input: { parsed: ParsedDockerfile }): 'alpine' | 'debian' | 'distroless' | 'scratch' | 'unknown' {
  return input.parsed.stages[0]?.base.distro ?? 'unknown';
}

export const dockerfileWorkerMultistage: Transform = {
  id: ID,
  title: 'Worker images: single-stage npm build -> multi-stage pnpm (deps -> builder -> runtime)',
  kinds: ['dockerfile'],
  safety: 'behavior-changing',
  fixes: 'a single-stage worker image installs without pnpm-lock.yaml (npm in a pnpm monorepo), ships build tooling and runs as root',
  verify: 'build the image and run it once against a test broker: it must start the same entry file as the non-root user and resolve its workspace packages',
  appliesTo: (path, repo) => isDockerfileName(path) && servicesForFile(repo, path).some((s) => s.role === 'worker'),
  run({ path, text, repo, options, read }: TransformInput): TransformResult {
    const services = servicesForFile(repo, path);
    if (services.some((s) => s.role !== 'worker')) return { edits: [], findings: [] };
    const unknownPackage = startPackageUnknown(path, services, 'it is not rewritten');
    if (unknownPackage) return { edits: [], findings: [unknownPackage] };
    // An npm or yarn repo: the rewrite builds pnpm workspaces only, so there is nothing to say about it
    // here, not even why it would not rewrite this image (review6 R10).
    if (repo.packageManager.name !== 'pnpm' && !hasFile(repo.files, 'pnpm-lock.yaml')) return { edits: [], findings: [] };
    const service = services[0];
    if (!service) return { edits: [], findings: [] };
    const parsed = parseForBuilds(text, path, repo);
    if (parsed.stages.length !== 1) return { edits: [], findings: [] }; // already multi-stage
    const stage = parsed.stages[0];
    if (!stage) return { edits: [], findings: [] };
    const blocked = workerRewriteBlocker(repo, services, parsed);
    if (blocked) return refuse(blocked.reason, blocked.line);
    const { pin, findings: pinNotes } = choosePnpmVersion(repo, path, options.pnpmVersion);
    if (!pin) return { edits: [], findings: [...pinNotes, { code: 'ECS134', severity: 'warning', message: 'not rewritten: no pnpm version to pin (no packageManager field, sibling pin or lockfile version); pass --pnpm-version' }] };
    const worker = repo.workspacePackages.find((p) => p.name === service.packageName);
    if (!worker) return refuse(`workspace package ${service.packageName} not found`);
    const analysis = analyse(parsed, repo);
    if ('edits' in analysis) return analysis;
    const configs = pnpmInstallConfigs(repo, path, analysis.installConfigs, read);
    if (typeof configs === 'string') return refuse(configs);
    analysis.installConfigs = configs;
    // What the worker depends on, plus any package the original copied by name and built although the
    // worker does not declare it (code that loads another package's build by relative path).
    const undeclared = repo.workspacePackages.filter((p) => analysis.named.has(p.dir) && !workspaceClosure(worker.name, repo.workspacePackages).includes(p));
    const closure = [...new Set([...undeclared.flatMap((p) => workspaceClosure(p.name, repo.workspacePackages)), ...workspaceClosure(worker.name, repo.workspacePackages)])];
    for (const pkg of closure) {
      const at = analysis.copied.get(pkg.dir);
      const expected = posix.join(analysis.appRoot, pkg.dir);
      if (at && at !== expected)
        return refuse(`${pkg.dir} is copied to ${at}, not ${expected}: the image does not keep the repo layout, so relative paths between packages cannot be preserved`);
    }

    // The rewrite installs with --frozen-lockfile: pnpm refuses when the lockfile does not record a
    // project the image installs as its package.json says.
    const stale = ['', ...closure.map((p) => p.dir)].map((dir) => ({ dir, why: repo.lockfiles?.get('pnpm-lock.yaml')?.projectsOutOfSync?.[dir] })).find((x) => x.why);
    if (stale) return refuse(`pnpm-lock.yaml is out of date for ${stale.dir || 'the workspace root'} (${stale.why}), so \`pnpm install --frozen-lockfile\` would fail the build; run \`pnpm install\`, commit the lockfile, then run ecsfix again`);

    const siblings = httpMultistageShape(repo);
    const shape = siblings ?? BUILTIN_SHAPE;
    const conv = analysis.originalUser ?? (repo.userConvention ? { user: repo.userConvention.user, group: repo.userConvention.group, uid: repo.userConvention.uid, gid: repo.userConvention.gid } : null);
    const builtin = stage.base.builtinUser?.name ?? null;
    if (!conv && !builtin) return refuse(`no non-root user convention in the repo and ${stage.base.reference} ships none`);
    const user = conv && conv.user !== builtin ? conv : null;

    const generated = { parsed, service, worker, closure, repo, analysis, shape, pnpmVersion: pin.version, user, builtinUser: builtin };
    // The runtime stage ends as a non-root user: the directories the worker writes (the same model
    // dockerfile-non-root uses) are handed to it, or there is no rewrite when one cannot be placed.
    const owner = user ? `${user.user}:${user.group}` : `${builtin}:${builtin}`;
    const handed = runtimeHandover(generate(generated), services, repo);
    // Directories the original already gave its user (dockerfile-non-root's mkdir/chown) keep that.
    for (const d of analysis.handedDirs)
      if (!handed.dirs.some((h) => h.path === d.path)) handed.dirs.push({ path: d.path, recursive: d.recursive, create: true, reason: `given to the user at line ${d.line} of the original` });
    // Writes under the user's home: the node image's node user has /home/node; a created user's home is not established.
    if (user) for (const h of handed.home) handed.blockers.push({ code: 'ECS155', severity: 'warning', message: `${h.reason}; ecsfix cannot establish that ${user.user}'s home directory exists and is owned by it` });
    if (handed.blockers.length) return { edits: [], findings: handed.blockers.map((b) => ({ ...b, message: `not rewritten (the rewrite runs it as ${user?.user ?? builtin}): ${b.message}` })) };
    const next = generate({ ...generated, handover: { dirs: handed.dirs, commands: chownCommands(handed.dirs, owner) } });
    const problems = dockerfileProblems(next);
    if (problems.length) return refuse(`the generated Dockerfile would not parse (line ${problems[0]?.line}: ${problems[0]?.message}); please report this`);
    const buildErrors = checkDockerfileBuild(next, repo, { path, service }).filter((f) => f.severity === 'blocking');
    if (buildErrors.length) return refuse(`the generated Dockerfile fails the build check (line ${buildErrors[0]?.line}: ${buildErrors[0]?.message})`);
    if (next === text) return { edits: [], findings: [] };

    const findings: Finding[] = [...pinNotes, ...handed.findings];
    const owns = handed.dirs.length ? `; runs as ${user?.user ?? builtin}, and ${owner} owns ${handed.dirs.map((d) => `${d.path} (${d.reason})`).join(', ')}` : '';
    const how =
      shape.runtimeDeps === 'npm-file'
        ? `production dependencies from pnpm-lock.yaml (pnpm install --prod --frozen-lockfile), not the HTTP services' file: rewrite + npm install --omit=dev (${shape.seenIn[0]}), which resolves them without the lockfile`
        : `production dependencies from pnpm-lock.yaml (pnpm install --prod --frozen-lockfile)${siblings ? '' : '; the repo has no multi-stage HTTP Dockerfile to follow, so the built-in layout is used'}`;
    findings.push({
      code: 'ECS160',
      severity: 'info',
      message: `rewrote ${service.name} as a multi-stage pnpm build (${[shape.names.base, shape.names.deps, shape.names.builder, shape.names.runtime].join(' -> ')}): pnpm ${pin.version} from ${pin.source}; builds ${closure.map((p) => p.name).join(' -> ')}; ${how}${owns}`,
    });
    findings.push({
      code: 'ECS162',
      severity: 'warning',
      message: `verify: docker build -f ${path} ${service.buildContext}, then run it once against a test broker; it must start the same command (${analysis.cmd[analysis.cmd.length - 1]?.text.replace(/^\S+\s+/, '')} in ${analysis.finalWorkdir}) as ${user?.user ?? builtin} and load its workspace packages`,
    });
    if (undeclared.length)
      findings.push({ code: 'ECS163', severity: 'info', message: `kept ${undeclared.map((p) => p.name).join(', ')} in the image: the original copied and built ${undeclared.length > 1 ? 'them' : 'it'} although ${worker.name} does not list ${undeclared.length > 1 ? 'them' : 'it'} in package.json` });
    // The user-creation command fits the base image's distro.
    const assumed = user ? assumedBaseFinding(parsed, stage, `the runtime stage's user creation (${user.user})`) : null;
    if (assumed) findings.push(assumed);
    for (const d of analysis.dropped) findings.push({ code: 'ECS164', severity: 'info', message: `dropped ${d}` });
    if (analysis.preBuild.length || analysis.postBuild.length) findings.push({ code: 'ECS165', severity: 'warning', message: 'extra build steps were kept in the builder stage; if they write files outside dist/, copy those into the runtime stage' });
    if (analysis.extraCopies.length) findings.push({ code: 'ECS166', severity: 'info', message: `extra files (${analysis.extraCopies.map((x) => x.dest).join(', ')}) are copied into the builder and on into the runtime image` });
    return { edits: [replaceRange(0, text.length, next)], findings };
  },
};
