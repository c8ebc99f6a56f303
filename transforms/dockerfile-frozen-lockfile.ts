/**
 * dockerfile-frozen-lockfile: a stage that installs dependencies copies the lockfile first and
 * installs exactly what it says: `pnpm install --frozen-lockfile`, `npm install` -> `npm ci`
 * (every flag kept: `--omit=dev`, `--legacy-peer-deps`, ...).
 *
 * The lockfile is the one the package manager will look for where the install runs (the WORKDIR,
 * a `cd` earlier in the RUN, `-C`/`--prefix`; for pnpm the nearest pnpm-workspace.yaml above it).
 * When it is not in the image yet it is added to the COPY that brings that package.json (with
 * pnpm-workspace.yaml beside it for a pnpm workspace), only when the file exists in the build
 * context (compose `build.context`); otherwise the install is reported and left alone.
 *
 * Reported, not changed:
 *   - an explicit opt-out (`--no-frozen-lockfile`, `--no-package-lock`, `--prefer-frozen-lockfile`);
 *   - npm in a pnpm repo with no package-lock.json: a worker is pointed at
 *     dockerfile-worker-multistage; npm production installs in a runtime stage of an image that
 *     builds with pnpm get an info note (they resolve without a lockfile by design);
 *   - yarn other than yarn 1: `--frozen-lockfile` (yarn 1) and `--immutable` (yarn 2+) differ, so
 *     only a yarn.lock headed `# yarn lockfile v1` (no .yarnrc.yml) gets `--frozen-lockfile`; any
 *     other yarn install gets the flags suggested, not guessed;
 *   - an install after a RUN that edits package.json (sed, npm pkg set, jq): a frozen install
 *     would fail on the edited manifest;
 *   - a lockfile out of date with a package.json the image installs (ECS154): package-lock.json
 *     with its package.json, pnpm-lock.yaml and yarn.lock with the root's and the services' (a
 *     yarn.lock entry per `name@range`). yarn 1 enforces `--frozen-lockfile` only for the
 *     workspace root's package.json, not for workspace packages (yarnpkg/yarn#5840, checked with
 *     yarn 1.22.22), so the note on a yarn 1 workspace install says what the flag does and does not
 *     guarantee.
 * A stage only a development-profile compose service builds (`profiles: [dev]`, `target: dev`) is
 * not deployed and is left alone.
 * An install whose own comment asks for it to stay unfrozen ("no frozen-lockfile so the lockfile
 * can be updated") is made frozen anyway, the comment is replaced and a warning quotes it and says
 * what to verify: the audits this tool follows recommend frozen installs for exactly that case,
 * and "not silently" is kept by the warning rather than by leaving the build irreproducible.
 * `pnpm install --offline` after `pnpm fetch` already installs only what the lockfile says.
 */
import { posix } from 'node:path';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { effectiveInstructions, parseDockerfile, type DockerInstruction, type DockerStage, type ParsedDockerfile } from '../src/repo/dockerfile.js';
import { servicesForFile, type RepoModel, type Service } from '../src/repo/model.js';
import { developmentOnlyStages } from '../src/repo/devStages.js';
import type { LockfileFacts } from '../src/repo/lockfiles.js';
import type { Finding } from '../src/findings/finding.js';
import { insertAt, replaceRange, type TextEdit } from '../src/edits.js';
import { lineOfOffset } from '../src/text.js';
import type { Transform, TransformInput, TransformResult } from '../src/transform.js';
import { insertLinesAfter, keyword, startOfLeadingComments } from '../src/dockerfile/edit.js';
import { copyArguments } from '../src/dockerfile/copy.js';
import { stageFilesBefore } from '../src/dockerfile/imageBuild.js';
import { buildFiles, normRel, presence, type Found, type ImageEntry, type RepoFiles, type StageFiles } from '../src/dockerfile/imageFiles.js';
import { contextIgnore } from '../src/dockerfile/dockerignore.js';
import { flagValue, hasFlag, positionals, program, runCommands, subcommandIndex, type ShellCommand, type ShellWord } from '../src/dockerfile/shell.js';
import { hasFile } from '../src/repo/files.js';
import { workerRewriteBlocker } from './lib/worker-rewrite.js';
import { packageInDir } from '../src/repo/packageIndex.js';

type Manager = 'pnpm' | 'npm' | 'yarn';

interface Install {
  manager: Manager;
  command: ShellCommand;
  /** The subcommand word (`install`, `i`), or the program word for a bare `yarn`. */
  sub: ShellWord;
  /** Directory in the image where it runs. */
  cwd: string;
  instruction: DockerInstruction;
  stage: DockerStage;
  /** The stage's files when the RUN starts. */
  files: StageFiles;
}

const NPM_INSTALL = new Set(['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall']);
const NPM_VALUE_FLAGS = new Set(['--prefix', '--registry', '--cache', '--loglevel', '--userconfig', '-w', '--workspace', '--omit', '--include', '--only', '--location']);
const PNPM_VALUE_FLAGS = new Set(['--filter', '-F', '-C', '--dir', '--reporter', '--loglevel', '--store-dir', '--virtual-store-dir', '--modules-dir', '--network-concurrency', '--child-concurrency']);
const YARN_VALUE_FLAGS = new Set(['--cwd', '--modules-folder', '--cache-folder', '--network-timeout', '--mutex']);
/** A RUN that rewrites package.json between the COPY and the install. */
const EDITS_MANIFEST = /(?:\bsed\s+(?:-\w*i|--in-place)|\bnpm\s+pkg\s+(?:set|delete)|\bjq\b|writeFileSync|>\s*\S*package\.json)[^\n]*package\.json|package\.json[^\n]*(?:writeFileSync)/;
/** A comment about the install's lockfile handling that asks for it not to be frozen. */
const LOCK_TOPIC = /frozen|lock\s*-?file|npm ci\b|package-lock|immutable/i;
const UNFROZEN_INTENT = /\bno\b|\bnot\b|n't\b|\bnever\b|without|unfrozen|\bupdat|\bdrift|\bskip|\ballow|regenerat|\bchange/i;

function contextOf(repo: RepoModel, path: string): string | null {
  const contexts = [...new Set(servicesForFile(repo, path).map((s) => s.buildContext))];
  return contexts.length === 1 ? normRel(contexts[0] as string) : null;
}

/** A dependency install command (of the lockfile, not of named packages), before where it runs is known. */
type InstallCommand = Pick<Install, 'manager' | 'command' | 'sub'> & { dir: string | null };

function installCommand(command: ShellCommand): InstallCommand | null {
  const prog = program(command);
  const words = command.words;
  if (prog === 'pnpm') {
    let sub = subcommandIndex(command, PNPM_VALUE_FLAGS);
    if (words[sub]?.value === 'recursive' || words[sub]?.value === 'multi' || words[sub]?.value === 'm') sub = sub + 1;
    const name = words[sub]?.value;
    if ((name !== 'install' && name !== 'i') || hasFlag(command, '-g', '--global')) return null;
    if (positionals(command, sub + 1, PNPM_VALUE_FLAGS).length > 0) return null; // installs named packages
    return { manager: 'pnpm', command, sub: words[sub] as ShellWord, dir: flagValue(command, '-C', '--dir') ?? null };
  }
  if (prog === 'npm') {
    const sub = subcommandIndex(command, NPM_VALUE_FLAGS);
    const name = words[sub]?.value ?? '';
    if (!NPM_INSTALL.has(name) || hasFlag(command, '-g', '--global', '--location=global')) return null;
    if (positionals(command, sub + 1, NPM_VALUE_FLAGS).length > 0) return null; // `npm install <pkg>`
    return { manager: 'npm', command, sub: words[sub] as ShellWord, dir: flagValue(command, '--prefix') ?? null };
  }
  if (prog === 'yarn') {
    const sub = subcommandIndex(command, YARN_VALUE_FLAGS);
    const name = sub < 0 ? 'install' : (words[sub]?.value ?? '');
    if (name !== 'install') return null;
    if (sub >= 0 && positionals(command, sub + 1, YARN_VALUE_FLAGS).length > 0) return null;
    return { manager: 'yarn', command, sub: (sub < 0 ? words[0] : words[sub]) as ShellWord, dir: flagValue(command, '--cwd') ?? null };
  }
  return null;
}

/** An install that already uses only what the lockfile says: nothing to change or report. */
function alreadyFrozen({ manager, command }: Pick<Install, 'manager' | 'command'>): boolean {
  if (manager === 'yarn') return !!hasFlag(command, '--frozen-lockfile', '--immutable', '--pure-lockfile');
  return manager === 'pnpm' && !!hasFlag(command, '--frozen-lockfile', '--offline');
}

/** Dependency installs (of the lockfile, not of named packages) in every stage. */
function findInstalls(parsed: ParsedDockerfile, repo: RepoModel, context: string | null, dockerfile: string): Install[] {
  const out: Install[] = [];
  const runs = parsed.stages.flatMap((stage) => stage.instructions.map((ins) => ({ stage, ins, commands: runCommands(parsed, ins) })).filter((r) => r.commands.some((c) => installCommand(c) !== null)));
  // Following the build to each RUN is the costly part; installs already frozen need none of it.
  const unfrozen = (c: ShellCommand) => {
    const install = installCommand(c);
    return install !== null && !alreadyFrozen(install);
  };
  if (!runs.some((r) => r.commands.some(unfrozen))) return out;
  const { before } = stageFilesBefore(parsed, runs.map((r) => r.ins), context, repo, dockerfile);
  for (const { stage, ins, commands } of runs) {
    const files = before.get(ins);
    if (!files) continue; // every instruction of a stage is walked: not reached
    let cwd = files.workdir;
    for (const command of commands) {
      if (program(command) === 'cd') {
        const dir = command.words[1]?.value;
        if (dir && !dir.includes('$') && dir !== '-') cwd = posix.resolve(cwd, dir);
        continue;
      }
      const install = installCommand(command);
      if (install) out.push({ manager: install.manager, command, sub: install.sub, cwd: install.dir ? posix.resolve(cwd, install.dir) : cwd, instruction: ins, stage, files });
    }
  }
  return out;
}

/**
 * Whether `lock` was written by yarn 1: its header says `# yarn lockfile v1`, and neither a
 * .yarnrc.yml (yarn 2+) nor the root package.json's packageManager names another yarn.
 */
function yarnClassic(lock: string, repo: RepoModel, read: (path: string) => string | null): boolean {
  if (!/^# yarn lockfile v1$/m.test((read(lock) ?? '').split('\n').slice(0, 5).join('\n'))) return false;
  if (repo.files.some((f) => posix.basename(f) === '.yarnrc.yml')) return false;
  const packageManager = /"packageManager"\s*:\s*"([^"]*)"/.exec(read('package.json') ?? '')?.[1];
  return !packageManager || !/^yarn@(?!1\.)/.test(packageManager);
}

/**
 * The yarn.lock that locks an npm install's packages, when the repo locks with yarn: the one the
 * image already holds at or above where npm runs, else the one beside the package.json it copies,
 * else the root's of a repo whose package manager is yarn. `classic`: written by yarn 1, null when
 * the image's copy cannot be traced to a repo file.
 */
function yarnLockFor(repo: RepoModel, read: (path: string) => string | null, repoDir: string | null, inImage: (dir: string) => boolean, cwd: string): { path: string; classic: boolean | null; copied: boolean } | null {
  const beside = repoDir === null ? null : repoDir ? `${repoDir}/yarn.lock` : 'yarn.lock';
  const path = beside && hasFile(repo.files, beside) ? beside : repo.packageManager.name === 'yarn' && hasFile(repo.files, 'yarn.lock') ? 'yarn.lock' : null;
  const copied = ancestors(cwd).some(inImage);
  if (path) return { path, classic: yarnClassic(path, repo, read), copied };
  return copied ? { path: 'yarn.lock', classic: null, copied } : null;
}

/** Whether the package.json beside a lockfile declares workspaces (`workspaces: [...]` or `{ packages: [...] }`). */
function declaresWorkspaces(read: (path: string) => string | null, lockPath: string): boolean {
  const dir = posix.dirname(lockPath);
  try {
    const ws = (JSON.parse(read(dir === '.' ? 'package.json' : `${dir}/package.json`) ?? 'null') as { workspaces?: unknown } | null)?.workspaces;
    return Array.isArray(ws) ? ws.length > 0 : !!ws && typeof ws === 'object' && Array.isArray((ws as { packages?: unknown }).packages);
  } catch {
    return false;
  }
}

/**
 * What `--frozen-lockfile` does in a yarn 1 workspace: it refuses a root package.json dependency
 * yarn.lock lacks, but not a workspace package's (yarnpkg/yarn#5840), which installs unpinned.
 */
function yarnWorkspaceNote(now: string, lockPath: string): string {
  return `now ${now}: the image installs the versions ${lockPath} pins for every dependency it has an entry for (ecsfix found one for each dependency of the root package.json and of the service packages built from this Dockerfile), and a root package.json dependency missing from it fails the build. yarn 1 does not enforce --frozen-lockfile for workspace packages (yarnpkg/yarn#5840): a dependency added to a workspace package.json without \`yarn install\` still installs, at a version resolved at build time. Keep ${lockPath} up to date (\`yarn install\` and commit it); yarn 2+ enforces it (\`--immutable\`)`;
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  let d = dir;
  for (;;) {
    out.push(d);
    if (d === '/') return out;
    d = posix.dirname(d);
  }
}

/** The comment lines directly above an instruction that ask for an unfrozen install. */
function unfrozenComment(parsed: ParsedDockerfile, ins: DockerInstruction): { start: number; end: number; text: string }[] {
  const from = startOfLeadingComments(parsed, ins);
  const block = parsed.text.slice(from, ins.lineStart);
  const lines: { start: number; end: number; text: string }[] = [];
  let offset = from;
  for (const line of block.split('\n').slice(0, -1)) {
    const body = line.replace(/^\s*#\s?/, '');
    if (LOCK_TOPIC.test(body) && UNFROZEN_INTENT.test(body)) lines.push({ start: offset, end: offset + line.length + 1, text: body.trim() });
    offset += line.length + 1;
  }
  return lines;
}

interface LockfileEdits {
  edits: TextEdit[];
  findings: Finding[];
  /** COPY edits already planned, by instruction and added file, so two installs add a file once. */
  copyEdits: Set<string>;
}

/** Adds `names` (lockfile, workspace file) to the COPY that brought `manifest`; false when it cannot. */
function addToCopy(parsed: ParsedDockerfile, pending: LockfileEdits, manifest: Copied, names: string[]): boolean {
  const parts = copyArguments(parsed, manifest.copy);
  const src = manifest.source;
  if (!parts || !src) return false;
  const dirPrefix = src.value.includes('/') ? src.value.slice(0, src.value.lastIndexOf('/') + 1) : '';
  const additions = names.map((n) => dirPrefix + n).filter((n) => !pending.copyEdits.has(`${manifest.copy.start}:${n}`));
  if (additions.length === 0) return true;
  for (const n of additions) pending.copyEdits.add(`${manifest.copy.start}:${n}`);
  if (parts.destIsDir) {
    // After the package.json source, so the sources read in the order the build uses them.
    const text = parts.json ? additions.map((a) => `, ${JSON.stringify(a)}`).join('') : additions.map((a) => ` ${a}`).join('');
    pending.edits.push(insertAt(src.end, text));
  } else {
    // `COPY package.json /app/package.json`: a file destination takes one source; copy beside it.
    const flags = parts.flags.map((f) => f.value).filter((f) => !f.startsWith('--from='));
    const destDir = posix.dirname(parts.dest.value) + '/';
    pending.edits.push(insertLinesAfter(parsed, manifest.copy, [`${keyword(parsed, manifest.copy.keyword)} ${[...flags, ...additions, destDir].join(' ')}`]));
  }
  return true;
}

/** pnpm's install configuration at the workspace root, read by every install there. */
const PNPM_INSTALL_CONFIGS = ['.npmrc', '.pnpmfile.cjs'];

/**
 * The pnpm configuration files the build context has beside the package.json the install reads
 * (not left out by .dockerignore) and the image lacks at `root` when the install runs; `secret`:
 * one of them reads a variable (`//registry/:_authToken=${NPM_TOKEN}`), which only a build secret
 * can give the build.
 */
function pnpmConfigs(manifest: Lookup, root: string, at: (p: string) => Lookup, index: RepoFiles, read: (rel: string) => string | null): { missing: string[]; secret: string | null } {
  const rel = manifest.found && manifest.found.kind !== 'unknown' ? manifest.found.rel : null;
  if (rel === null) return { missing: [], secret: null };
  const dir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
  const missing = PNPM_INSTALL_CONFIGS.filter((f) => index.has(dir ? `${dir}/${f}` : f) && at(posix.join(root, f)).presence === 'no');
  const npmrc = missing.includes('.npmrc') ? (dir ? `${dir}/.npmrc` : '.npmrc') : null;
  return { missing, secret: npmrc && /\$\{?\w/.test(read(npmrc) ?? '') ? npmrc : null };
}

/** An image entry a COPY put there (the one a lockfile can be added to). */
type Copied = ImageEntry & { copy: DockerInstruction };
type Lookup = { presence: 'yes' | 'no' | 'unknown'; found: Found | null; entry: Copied | null };

/**
 * Whether the image holds a file when the install runs, and the COPY that brought it. Only what a
 * COPY brought counts: a file a RUN step produced is not the repo's lockfile or manifest.
 */
function copiedFile(state: Parameters<typeof presence>[0], path: string, index: RepoFiles): Lookup {
  const { presence: p, found } = presence(state, path, index);
  const entry = found?.entry?.copy ? (found.entry as Copied) : null;
  return entry ? { presence: p, found, entry } : { presence: 'no', found: null, entry: null };
}

/**
 * The latest COPY, before the install, of a source the build context lacks (`COPY dist/apps/orders
 * orders/`: a build output made before `docker build`) that may have put something at `path`: it may
 * be a file or a directory, so into a directory destination it may bring anything. Null when none.
 */
function missingSourceAt(parsed: ParsedDockerfile, state: StageFiles, path: string): ImageEntry | null {
  for (let i = state.entries.length - 1; i >= 0; i--) {
    const e = state.entries[i] as ImageEntry;
    if (e.kind !== 'named' || !e.copy) continue;
    const dir = copyArguments(parsed, e.copy)?.destIsDir ? posix.dirname(e.path) : e.path;
    if (path === e.path || path.startsWith(dir === '/' ? '/' : dir + '/')) return e;
  }
  return null;
}

/** The entry was copied by its own name (a file source), not as part of a directory. */
const copiedByName = (l: Lookup, path: string): boolean => l.entry !== null && l.entry.path === path && (l.entry.kind === 'context' || l.entry.kind === 'named');

/** The `.dockerignore` line that leaves a repo file out of the build context, when the file exists and one does. */
function ignoredByContext(repo: RepoModel, context: string, dockerfile: string, file: string): { file: string; line: number } | null {
  const ignore = contextIgnore(repo, context, dockerfile);
  const inContext = context === '' || file.startsWith(context + '/');
  if (!ignore || !inContext || !hasFile(repo.files, file)) return null;
  const hit = ignore.ignored(context === '' ? file : file.slice(context.length + 1));
  return hit ? { file: ignore.file, line: hit.line } : null;
}

function usesPnpm(parsed: ParsedDockerfile): boolean {
  return parsed.stages.some((s) => s.instructions.some((i) => runCommands(parsed, i).some((c) => program(c) === 'pnpm' || c.words.some((w) => /^pnpm(@|$)/.test(w.value)))));
}

/**
 * An npm workspace package built from its own directory: the workspace's one package-lock.json is at
 * its root, outside that build context, so committing another lockfile cannot help (review2 D14).
 * What to say, or null when the repo has no lockfile above the package.
 */
function lockOutsideContext(install: string, repo: RepoModel, pkgDir: string | null, context: string | null, dockerfile: string): string | null {
  const pkg = pkgDir ? packageInDir(repo.workspacePackages, pkgDir) : undefined;
  if (!pkg || context === null) return null;
  const above: string[] = [];
  for (let d = posix.dirname(pkg.dir); ; d = posix.dirname(d)) {
    above.push(d === '.' ? 'package-lock.json' : `${d}/package-lock.json`);
    if (d === '.') break;
  }
  const lock = above.find((f) => hasFile(repo.files, f));
  if (!lock) return null;
  const root = posix.dirname(lock);
  // In the context, but the Dockerfile copies only the package's own package.json.
  if (context === '' || lock.startsWith(context + '/'))
    return `${install} runs without a lockfile: the workspace's ${lock} locks ${pkg.name} and is in the build context, but the image gets only ${pkg.dir}/package.json. Copy ${root === '.' ? '' : root + '/'}package.json and ${lock} with it (keeping their workspace paths) and install with \`npm ci -w ${pkg.name}\`; until then versions are resolved at build time`;
  return `${install} runs without a lockfile: the workspace's ${lock} locks ${pkg.name} but is outside the build context (${context}), and npm workspaces have no per-package lockfile. Build from the workspace root (compose build.context: ${root}, dockerfile: ${dockerfile}), copy ${posix.basename(lock)} with the package.json files and install with \`npm ci -w ${pkg.name}\`; until then versions are resolved at build time`;
}

export const dockerfileFrozenLockfile: Transform = {
  id: 'dockerfile-frozen-lockfile',
  title: 'Dependency installs copy the lockfile first and install exactly what it says',
  kinds: ['dockerfile'],
  safety: 'safe',
  fixes: '`pnpm install` / `npm install` in an image resolves versions at build time: images drift from the lockfile and from each other',
  verify: 'a lockfile out of date with package.json now fails the build: run `pnpm install` (or `npm install`) and commit the lockfile when it does',
  behaviorChangingWhen: 'it makes an install frozen against a comment above it that asks for it to stay unfrozen',
  appliesTo: (path, repo) => isDockerfileName(path) && repo.dockerfiles.has(path),
  run({ path, text, repo, read }: TransformInput): TransformResult {
    const parsed = parseDockerfile(text);
    const context = contextOf(repo, path);

    const index = buildFiles(repo.files, context, contextIgnore(repo, context, path));
    const pending: LockfileEdits = { edits: [], findings: [], copyEdits: new Set() };
    // A stage only a development-profile compose service builds is not deployed: left as it is.
    const devStages = developmentOnlyStages(repo, path, parsed);
    const installs = findInstalls(parsed, repo, context, path).filter((i) => !devStages.has(i.stage));
    const services = servicesForFile(repo, path);
    const pnpmRepo = repo.packageManager.name === 'pnpm' || repo.packageManager.lockfiles.includes('pnpm-lock.yaml');
    const pnpmImage = usesPnpm(parsed);
    const unlockedNpm: number[] = [];
    /** Installs made frozen against a comment asking otherwise: a behaviour-changing change. */
    const overridden: { line: number; lockName: string }[] = [];

    for (const install of installs) {
      const { command, manager, instruction } = install;
      const line = lineOfOffset(text, install.sub.start);
      const say = (code: string, severity: Finding['severity'], message: string, fixedBy?: string) => pending.findings.push({ code, severity, message, line, ...(fixedBy ? { fixedBy } : {}) });
      const state = install.files;
      const at = (p: string) => copiedFile(state, p, index);

      if (alreadyFrozen(install)) continue;
      if (manager === 'pnpm') {
        const optOut = hasFlag(command, '--no-frozen-lockfile', '--prefer-frozen-lockfile');
        if (optOut) {
          say('ECS143', 'warning', `pnpm install ${optOut.value} opts out of the lockfile explicitly; left as is. Builds can install versions pnpm-lock.yaml does not pin: use --frozen-lockfile once the lockfile is committed up to date`);
          continue;
        }
      } else {
        const optOut = hasFlag(command, '--no-package-lock', '--package-lock', '--package-lock-only', '--no-shrinkwrap');
        if (optOut) {
          say('ECS143', 'warning', `npm ${install.sub.value} ${optOut.value} opts out of the lockfile explicitly; left as is`);
          continue;
        }
      }

      // Where the package manager looks for the manifest and the lockfile.
      let root = install.cwd;
      let lockNames: string[];
      if (manager === 'pnpm') {
        root = ancestors(install.cwd).find((d) => at(posix.join(d, 'pnpm-workspace.yaml')).presence === 'yes') ?? install.cwd;
        lockNames = ['pnpm-lock.yaml'];
      } else if (manager === 'yarn') {
        root = ancestors(install.cwd).find((d) => at(posix.join(d, 'yarn.lock')).presence === 'yes') ?? install.cwd;
        lockNames = ['yarn.lock'];
      } else {
        root = ancestors(install.cwd).find((d) => ['package-lock.json', 'npm-shrinkwrap.json'].some((n) => at(posix.join(d, n)).presence === 'yes')) ?? install.cwd;
        lockNames = ['npm-shrinkwrap.json', 'package-lock.json'];
      }
      const lockStates = lockNames.map((n) => ({ name: n, ...at(posix.join(root, n)) }));
      const present = lockStates.find((l) => l.presence === 'yes');
      const manifest = at(posix.join(root, 'package.json'));
      const maybe = lockStates.find((l) => l.presence === 'unknown');

      if (!present && maybe) {
        say('ECS144', 'warning', `cannot tell whether ${maybe.name} is in the image when this install runs (COPY at line ${maybe.entry?.copy.line} uses a variable or an unknown build context); make it install from the lockfile by hand`);
        continue;
      }

      // `COPY dist/apps/orders orders/` (a build output the repo does not have): the package.json there,
      // and whether a lockfile comes with it, cannot be seen (review6 R9).
      const unseen = !present && !manifest.found ? missingSourceAt(parsed, state, posix.join(root, 'package.json')) : null;
      if (unseen) {
        const from = unseen.copy ? `${unseen.copy.keyword} ${unseen.source?.value ?? ''} at line ${unseen.copy.line}` : 'a COPY';
        say('ECS144', 'info', `cannot tell whether ${lockNames[lockNames.length - 1]} is in the image when this install runs: the package.json it reads (${posix.join(root, 'package.json')}) would come from ${from}, a source the build context does not have (a build output made before docker build?), so what that COPY brings cannot be read; make the install use the lockfile by hand`);
        continue;
      }

      // The lockfile in the build context next to the package.json the image gets.
      let addLock: string[] = [];
      let lockInRepoPath: string | null = null;
      if (!present) {
        const entry = manifest.entry;
        const manifestRepo = manifest.found && manifest.found.kind !== 'unknown' ? manifest.found.rel : null;
        const repoDir = manifestRepo === null ? null : posix.dirname(manifestRepo) === '.' ? '' : posix.dirname(manifestRepo);
        const lockInRepo = repoDir === null ? undefined : lockNames.map((n) => ({ n, rel: repoDir ? `${repoDir}/${n}` : n })).find((l) => index.has(l.rel));

        if (manager === 'npm' && !lockInRepo) {
          const lockedByPnpm = pnpmRepo || (repoDir !== null && index.has(repoDir ? `${repoDir}/pnpm-lock.yaml` : 'pnpm-lock.yaml'));
          const yarnLock = lockedByPnpm ? null : yarnLockFor(repo, read, repoDir, (d) => at(posix.join(d, 'yarn.lock')).presence === 'yes', install.cwd);
          if (lockedByPnpm && pnpmImage) {
            unlockedNpm.push(line);
          } else if (lockedByPnpm) {
            // The worker rewrite is pointed at only when it can apply: a single-stage image of worker
            // services that none of its preconditions stops (review8 R17: not right after its ECS161).
            const rewritable = services.length > 0 && services.every((s) => s.role === 'worker') && parsed.stages.length === 1;
            const blocked = rewritable ? workerRewriteBlocker(repo, services, parsed) : null;
            const npmInPnpm = `npm ${install.sub.value} in a pnpm repo: there is no package-lock.json, so npm resolves every version at build time, ignoring pnpm-lock.yaml. Patching it to npm ci cannot work;`;
            say(
              'ECS145',
              'warning',
              rewritable && !blocked
                ? `${npmInPnpm} this worker image needs dockerfile-worker-multistage (pnpm, pnpm-lock.yaml, --frozen-lockfile), e.g. \`ecsfix apply -t dockerfile-worker-multistage\``
                : blocked
                  ? `${npmInPnpm} dockerfile-worker-multistage cannot rebuild this worker image with pnpm until this changes: ${blocked.reason}`
                  : `${npmInPnpm} build this image with pnpm (copy pnpm-lock.yaml and pnpm-workspace.yaml, pnpm install --frozen-lockfile) as the repo's other images do`,
              rewritable && !blocked ? 'dockerfile-worker-multistage' : undefined,
            );
          } else if (yarnLock) {
            const lock = yarnLock;
            const yarnFirst = installs.find((i) => i.manager === 'yarn' && i.instruction === instruction && i.command.start < command.start);
            const how = lock.classic === null ? '`yarn install --frozen-lockfile` (yarn 1) or `yarn install --immutable` (yarn 2+)' : lock.classic ? '`yarn install --frozen-lockfile` (`--production` for runtime dependencies only)' : '`yarn install --immutable` (`yarn workspaces focus --production` for runtime dependencies only)';
            if (yarnFirst)
              say('ECS145', 'info', `npm ${install.sub.value} here is the fallback of the yarn install before it in this RUN: it runs only when yarn fails, and then resolves every version at build time (npm cannot read ${lock.path}). Let a failed yarn install fail the build instead; left as is`);
            else
              say('ECS145', 'warning', `npm ${install.sub.value} in a yarn repo: npm cannot read ${lock.path}, so it resolves every version at build time; patching it to npm ci cannot work without a second, competing lockfile. Install with yarn as the repo does: ${lock.copied ? `the image already has ${posix.basename(lock.path)}; run` : `copy ${posix.basename(lock.path)} with package.json and run`} ${how}; left as is`);
          } else {
            const outside = lockOutsideContext(`npm ${install.sub.value}`, repo, repoDir, context, path);
            const ignoredLock = repoDir === null || context === null ? null : ignoredByContext(repo, context, path, repoDir ? `${repoDir}/package-lock.json` : 'package-lock.json');
            if (ignoredLock) say('ECS181', 'warning', `npm ${install.sub.value} runs without a lockfile: ${ignoredLock.file}:${ignoredLock.line} leaves package-lock.json out of the build context, so no COPY can bring it and versions are resolved at build time. Remove that line and run ecsfix again to switch to npm ci`);
            else if (outside) say('ECS147', 'warning', outside);
            else if (repoDir !== null) say('ECS146', 'info', `npm ${install.sub.value} runs without a lockfile (the repository has no package-lock.json next to ${repoDir ? repoDir + '/' : ''}package.json, the one the image gets): versions are resolved at build time. Commit a package-lock.json there and run ecsfix again to switch to npm ci`);
            else say('ECS146', 'info', `npm ${install.sub.value} runs without a lockfile: no COPY before it brings ${posix.join(root, 'package.json')} from the build context, so there is none beside it and versions are resolved at build time`);
          }
          continue;
        }
        // The lockfile is in the repo, but the build's ignore file (the Dockerfile's own, else the context's) leaves it out.
        const ignoredLock = lockInRepo || repoDir === null || context === null ? null : lockNames.map((n) => ({ n, at: ignoredByContext(repo, context, path, repoDir ? `${repoDir}/${n}` : n) })).find((l) => l.at);
        if (ignoredLock?.at) {
          say('ECS181', 'warning', `${manager} ${install.sub.value} runs without a lockfile: ${ignoredLock.at.file}:${ignoredLock.at.line} leaves ${ignoredLock.n} out of the build context, so no COPY can bring it and versions are resolved at build time. Remove that line and run ecsfix again to make the install frozen`);
          continue;
        }
        if (!lockInRepo || !entry || !copiedByName(manifest, posix.join(root, 'package.json'))) {
          const lockName = lockNames[lockNames.length - 1];
          const where =
            context === null
              ? 'its build context is unknown (no single service builds it)'
              : !entry
                ? `no COPY before it brings ${posix.join(root, 'package.json')} to add the lockfile to`
                : !lockInRepo
                  ? `the build context (${context}) has no ${lockName} next to the package.json it copies`
                  : `package.json comes in with ${entry.copy.keyword} ${entry.source?.value ?? '.'}, which does not bring it`;
          say('ECS147', 'warning', `${manager} ${install.sub.value} runs with no ${lockName} in the image and ecsfix cannot add it: ${where}. Copy the lockfile before the install and make the install frozen by hand`);
          continue;
        }
        addLock = [posix.basename(lockInRepo.rel)];
        lockInRepoPath = lockInRepo.rel;
        if (manager === 'pnpm' && index.has(repoDir ? `${repoDir}/pnpm-workspace.yaml` : 'pnpm-workspace.yaml') && at(posix.join(root, 'pnpm-workspace.yaml')).presence !== 'yes') addLock.push('pnpm-workspace.yaml');
      }

      // The lockfile must be in a fresh clone, and package-lock.json in sync with package.json: else
      // the COPY or `npm ci` fails the build, and a frozen install would be a false promise.
      const lockRepoPath = present?.entry ? (present.found?.rel ?? null) : lockInRepoPath;
      const lockFacts = lockRepoPath ? repo.lockfiles?.get(lockRepoPath) : undefined;
      // yarn.lock must have an entry for every dependency of the projects the image installs: yarn 2+
      // (`--immutable`) and yarn 1 for the workspace root refuse, and yarn 1 resolves a workspace
      // package's missing one at build time whatever the flag says (yarnpkg/yarn#5840).
      const classic = manager === 'yarn' && lockRepoPath !== null && yarnClassic(lockRepoPath, repo, read);
      const yarnStale = manager === 'yarn' && lockRepoPath ? projectOutOfSync(lockRepoPath, lockFacts, yarnProjects(repo, lockRepoPath, services)) : null;
      if (yarnStale) {
        const outcome = !classic
          ? 'so `yarn install --immutable` (yarn 2+) would fail the build'
          : yarnStale.project
            ? `and yarn 1 does not enforce --frozen-lockfile for workspace packages (yarnpkg/yarn#5840): the image would get a version of it resolved at build time, not one yarn.lock pins`
            : 'so `yarn install --frozen-lockfile` would fail the build';
        say('ECS154', 'warning', `yarn ${install.sub.value === 'yarn' ? 'install' : install.sub.value} left as is: ${lockRepoPath} is out of date for ${yarnStale.project || 'the workspace root'} (${yarnStale.why}), ${outcome}. Run \`yarn install\`, commit the updated lockfile, then run ecsfix again`);
        continue;
      }
      // yarn 1 (`--frozen-lockfile`) and yarn 2+ (`--immutable`) differ: only a yarn 1 lockfile is changed.
      if (manager === 'yarn' && !classic) {
        say('ECS142', 'warning', `yarn ${install.sub.value === 'yarn' ? 'install' : install.sub.value} does not enforce yarn.lock: add --frozen-lockfile (yarn 1) or --immutable (yarn 2+); ecsfix changes it only for a yarn.lock written by yarn 1 (\`# yarn lockfile v1\`, no .yarnrc.yml), so it left the line as is`);
        continue;
      }
      if (lockRepoPath && (!index.has(lockRepoPath) || (lockFacts && !lockFacts.committed))) {
        const why = lockFacts?.notCommittedWhy ?? 'it is not in the repository (git-ignored or never committed)';
        const copyLine = present?.entry ? ` (COPY at line ${present.entry.copy.line} fails from a fresh clone)` : '';
        pending.findings.push({
          severity: 'warning',
          code: 'ECS153',
          message: `${manager} ${install.sub.value} left as is: ${lockRepoPath} is not committed, ${why}${copyLine}. Commit the lockfile, then run ecsfix again to make the install frozen`,
          line,
        });
        continue;
      }
      // pnpm refuses a frozen install when the lockfile has no importer for the project, or one that
      // records other specifiers than its package.json (ERR_PNPM_OUTDATED_LOCKFILE).
      const pnpmStale = manager === 'pnpm' && lockRepoPath ? projectOutOfSync(lockRepoPath, lockFacts, services.map((s) => s.dir)) : null;
      if (pnpmStale) {
        pending.findings.push({
          severity: 'warning',
          code: 'ECS154',
          message: `pnpm install left as is: ${lockRepoPath} is out of date for ${pnpmStale.project || 'the workspace root'} (${pnpmStale.why}), so \`pnpm install --frozen-lockfile\` would fail the build. Run \`pnpm install\`, commit the updated lockfile, then run ecsfix again`,
          line,
        });
        continue;
      }
      if (manager === 'npm' && lockFacts?.outOfSync) {
        pending.findings.push({
          severity: 'warning',
          code: 'ECS154',
          message: `npm ${install.sub.value} left as is: ${lockRepoPath} is out of sync with package.json (${lockFacts.outOfSync}), so \`npm ci\` would fail the build. Run \`npm install\`, commit the updated lockfile, then run ecsfix again`,
          line,
        });
        continue;
      }

      // A RUN that edits package.json after it was copied: a frozen install would fail on it.
      const copiedAt = manifest.entry?.copy;
      const between = effectiveInstructions(parsed, install.stage).filter((i) => i.keyword === 'RUN' && copiedAt !== undefined && i.start > copiedAt.start && i.start < instruction.start);
      const editor = [...between, instruction].find((i) => EDITS_MANIFEST.test(text.slice(i.start, i.end)) && (i !== instruction || text.slice(i.start, install.sub.start).includes('package.json')));
      if (editor) {
        say('ECS148', 'warning', `package.json is edited at line ${editor.line} before this install, so a frozen install would fail on it; left as is. Install from the lockfile before editing the manifest, or keep the edit out of the image`);
        continue;
      }

      // pnpm reads the workspace root's .npmrc and .pnpmfile.cjs: a frozen install refuses a lockfile
      // whose recorded settings differ from the configuration (ERR_PNPM_LOCKFILE_CONFIG_MISMATCH), and
      // a private registry needs it, so they come with the lockfile (review8 R5).
      if (manager === 'pnpm') {
        const configs = pnpmConfigs(manifest, root, at, index, read);
        if (configs.secret) {
          say('ECS147', 'warning', `pnpm install left as is: ${configs.secret} is not in the image when it runs, and it reads a variable (\`\${...}\`) a build would have to get as a build secret; a frozen install without it can fail on the settings pnpm-lock.yaml records (ERR_PNPM_LOCKFILE_CONFIG_MISMATCH). Mount it as a build secret (RUN --mount=type=secret), then make the install frozen by hand`);
          continue;
        }
        // With the lockfile when ecsfix adds it, else into the COPY that brought the lockfile by name.
        const into = present?.entry && copiedByName(present, posix.join(root, present.name)) ? present.entry : null;
        if (addLock.length) addLock.push(...configs.missing);
        else if (configs.missing.length && (!into || !addToCopy(parsed, pending, into, configs.missing))) {
          say('ECS147', 'warning', `pnpm install left as is: the image has no ${configs.missing.join(' or ')} when it runs and ecsfix cannot add it to a COPY of the lockfile; a frozen install without it can fail on the settings pnpm-lock.yaml records (ERR_PNPM_LOCKFILE_CONFIG_MISMATCH). Copy it with the lockfile, then make the install frozen by hand`);
          continue;
        } else if (configs.missing.length && into)
          pending.findings.push({ code: 'ECS149', severity: 'info', message: `${configs.missing.join(' and ')} copied with the lockfile: pnpm reads its settings there, and a frozen install refuses a lockfile recorded with other settings`, line: into.copy.line });
      }
      if (addLock.length && manifest.entry && !addToCopy(parsed, pending, manifest.entry, addLock)) {
        say('ECS147', 'warning', `could not add ${addLock.join(', ')} to the COPY at line ${manifest.entry.copy.line}; copy it before the install by hand`);
        continue;
      }
      if (addLock.length && manifest.entry)
        pending.findings.push({ code: 'ECS149', severity: 'info', message: `${addLock.join(' and ')} copied with package.json so the install can use the lockfile`, line: manifest.entry.copy.line });

      // The install itself.
      const raw = text.slice(install.sub.start, install.sub.end);
      const subAt = install.sub.start + raw.indexOf(install.sub.value);
      const lockName = present?.name ?? addLock[0] ?? lockNames[0];
      const frozenFlag = manager === 'pnpm' || manager === 'yarn';
      if (frozenFlag) pending.edits.push(insertAt(subAt + install.sub.value.length, ' --frozen-lockfile'));
      else pending.edits.push(replaceRange(subAt, subAt + install.sub.value.length, 'ci'));
      const now = manager === 'npm' ? 'npm ci' : `${install.sub.value === 'yarn' ? 'yarn' : `${manager} ${install.sub.value}`} --frozen-lockfile`;

      const comment = unfrozenComment(parsed, instruction);
      if (comment.length) {
        const indent = /^[ \t]*/.exec(text.slice(comment[0]?.start ?? 0))?.[0] ?? '';
        const again = `${manager} install`;
        pending.edits.push(replaceRange(comment[0]?.start ?? 0, comment[0]?.end ?? 0, `${indent}# Install exactly what ${lockName} pins; after changing dependencies run \`${again}\` and commit the lockfile.\n`));
        for (const extra of comment.slice(1)) pending.edits.push(replaceRange(extra.start, extra.end, ''));
        overridden.push({ line, lockName: lockName ?? lockNames[0] ?? 'the lockfile' });
        say(
          'ECS141',
          'warning',
          `now ${now}, against the comment above it ("${comment.map((c) => c.text).join(' ')}"), which is replaced: an unfrozen install lets every build resolve different versions. Verify that ${lockName} is up to date with every package.json this stage copies (\`${manager} ${frozenFlag ? 'install --frozen-lockfile' : 'ci'}\` succeeds at the repo root) and commit it; otherwise this build now fails`,
        );
      } else {
        say('ECS141', 'info', classic && lockRepoPath && declaresWorkspaces(read, lockRepoPath) ? yarnWorkspaceNote(now, lockRepoPath) : `now ${now}: the image gets exactly the versions ${lockName} pins; a lockfile out of date with package.json now fails the build`);
      }
    }

    if (unlockedNpm.length)
      pending.findings.push({
        code: 'ECS146',
        severity: 'info',
        message: `npm install at line${unlockedNpm.length > 1 ? 's' : ''} ${unlockedNpm.join(', ')} resolves production dependencies without a lockfile (the repo locks with pnpm-lock.yaml, which npm cannot read); left as is. \`pnpm deploy --prod\` would keep them locked`,
        line: unlockedNpm[0],
      });
    if (overridden.length === 0) return { edits: pending.edits, findings: pending.findings };
    const locks = [...new Set(overridden.map((o) => o.lockName))].join(', ');
    const lines = overridden.map((o) => o.line).join(', ');
    return {
      edits: pending.edits,
      findings: pending.findings,
      safety: { safety: 'behavior-changing', verify: `the install at line ${lines} is now frozen although its comment asked otherwise: ${locks} must be up to date with every package.json the stage copies, or the build fails` },
    };
  },
};

/**
 * The first project (the lockfile's own, then each of `dirs`, repo-relative) the lockfile does not
 * record as its package.json says; `project` is relative to the lockfile ('' for its own).
 */
function projectOutOfSync(lockPath: string, facts: LockfileFacts | undefined, dirs: string[]): { project: string; why: string } | null {
  if (!facts?.projectsOutOfSync) return null;
  const lockDir = posix.dirname(lockPath) === '.' ? '' : posix.dirname(lockPath);
  const projects = ['', ...dirs.map((d) => posix.relative(lockDir || '.', d || '.'))].filter((p) => !p.startsWith('..'));
  for (const project of new Set(projects)) {
    const why = facts.projectsOutOfSync[project];
    if (why) return { project, why };
  }
  return null;
}

/** The services built here that yarn installs from this yarn.lock: its own directory's, or a workspace package of its root. */
function yarnProjects(repo: RepoModel, lockPath: string, services: Service[]): string[] {
  const lockDir = posix.dirname(lockPath) === '.' ? '' : posix.dirname(lockPath);
  return services.map((s) => s.dir).filter((d) => d === lockDir || (lockDir === '' && repo.workspacePackages.some((p) => p.dir === d)));
}
