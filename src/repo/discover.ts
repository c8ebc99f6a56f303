/**
 * Builds the {@link RepoModel}: finds Dockerfiles and compose files, turns them into services
 * (whatever the layout: services/*, apps/*, backend/*, a root Dockerfile.api, compose
 * build.dockerfile/target), and gathers each service's role, port, entry file, health route and
 * workspace dependencies, with the evidence for each.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { buildComposeModel, ComposeSyntaxError, composeFilePairs, isComposeFileName, type ComposeService } from './compose.js';
import { DockerfileSyntaxError, deployedStage, effectiveInstructions, isRootUser, parseDockerfile, type DockerStage, type ParsedDockerfile } from './dockerfile.js';
import { listRepoFiles, untrackedFiles } from './files.js';
import { lockfileFacts } from './lockfiles.js';
import type { Finding } from '../findings/finding.js';
import type { DockerfileEntry, Evidence, HealthRoute, RepoModel, Service, ServiceLanguage, ServiceRole, UnparsableReach, UserConvention } from './model.js';
import { isLivenessRoute, preferHealthRoute, scanSource, type MountHint, type SourceFacts, type SourceLanguage } from './sourceScan.js';
import { usersCreatedBy } from '../dockerfile/users.js';
import { expandVariables } from '../dockerfile/variables.js';
import { detectRuntimeWrites, type StartupFacts } from './runtimeWrites.js';
import { moduleApi, type ModuleApi } from '../source/api.js';
import { buildTargets, scriptTarget } from './buildTargets.js';
import { composeReach, manifestProblems } from './unparsable.js';
import { detectPackageManager, readWorkspacePackages, workspaceClosure, type WorkspacePackage } from './workspace.js';

const DOCKERFILE_NAME = /^(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|^[\w.-]+\.(?:Dockerfile|dockerfile)$/;
/** Dockerfile variants for local development only: not what is deployed. */
const DEV_VARIANT = /(?:^|[.-])(dev|development|local|debug|test|ci)(?:$|\.)/i;
/** Dockerfiles no compose service builds that are dev environments or test data, not services. */
const NOT_A_SERVICE_DIR = /(?:^|\/)(?:\.devcontainer|\.github|__tests__|tests?|testdata|fixtures|__fixtures__|e2e)\//;
const MANIFESTS = ['package.json', 'requirements.txt', 'pyproject.toml', 'Pipfile', 'manage.py', 'go.mod', 'pom.xml'];
const SOURCE_EXT = /\.(?:[cm]?[jt]sx?|py)$/;
const TEST_PATH = /(?:^|\/)(?:__tests__|tests?|spec|e2e|__mocks__|fixtures|migrations)\/|\.(?:test|spec|e2e)\.[cm]?[jt]sx?$|\.d\.ts$|(?:^|\/)test_[^/]*\.py$/;
const MAX_SOURCE_FILES = 400;

export function isDockerfileName(path: string): boolean {
  return DOCKERFILE_NAME.test(posix.basename(path));
}

export interface BuildOptions {
  /** Overrides file reads (tests); defaults to reading under the root. */
  read?: (rel: string) => string | null;
  files?: string[];
}

export function buildRepoModel(rootInput: string, options: BuildOptions = {}): RepoModel {
  const root = options.files ? rootInput : realpathSync(rootInput);
  const files = options.files ?? listRepoFiles(root);
  const fileSet = new Set(files);
  const cache = new Map<string, string | null>();
  const read =
    options.read ??
    ((rel: string) => {
      if (cache.has(rel)) return cache.get(rel) ?? null;
      let text: string | null = null;
      if (fileSet.has(rel)) {
        try {
          text = readFileSync(join(root, rel), 'utf8');
        } catch {
          text = null;
        }
      }
      cache.set(rel, text);
      return text;
    });
  const problems: Finding[] = [];

  // Dockerfiles, each parsed once.
  const dockerfiles = new Map<string, DockerfileEntry>();
  for (const path of files.filter(isDockerfileName)) {
    const text = read(path);
    let parsed: ParsedDockerfile | null = null;
    let error: Finding | null = null;
    if (text === null) {
      error = { code: 'ECS003', severity: 'blocking', file: path, line: 1, message: 'cannot read the file' };
      problems.push(error);
      dockerfiles.set(path, { path, parsed, error, services: [] });
      continue;
    }
    if (text.includes('\0')) {
      // A binary file with a Dockerfile's name: its bytes would only make a garbled parse error.
      error = { code: 'ECS001', severity: 'blocking', file: path, line: 1, message: 'is a binary file, not a Dockerfile' };
      problems.push(error);
      dockerfiles.set(path, { path, parsed, error, services: [] });
      continue;
    }
    try {
      parsed = parseDockerfile(text);
    } catch (e) {
      if (!(e instanceof DockerfileSyntaxError)) throw e;
      error = { code: 'ECS001', severity: 'blocking', file: path, line: e.line, message: e.message };
      problems.push(error);
    }
    dockerfiles.set(path, { path, parsed, error, services: [] });
  }

  const unparsable: UnparsableReach[] = [];

  // Compose files: roots first (shallow before deep, base before override).
  // Compose files of test fixtures and dev containers describe no deployed service (an include: from
  // a real compose file still reaches them).
  const composeFiles = files
    .filter((f) => isComposeFileName(posix.basename(f)) && !NOT_A_SERVICE_DIR.test(f))
    .sort((a, b) => a.split('/').length - b.split('/').length || a.length - b.length || a.localeCompare(b));
  let compose: RepoModel['compose'] = { files: [], services: [], projects: [] };
  const pairs = composeFilePairs(files, read);
  try {
    compose = buildComposeModel(composeFiles, read, pairs);
  } catch (e) {
    if (!(e instanceof ComposeSyntaxError)) throw e;
    // Keep going with the compose files that do parse; every one that does not is reported with
    // its reach, so the changes that depend on it are withheld.
    const broken = new Map<string, ComposeSyntaxError>();
    const good = composeFiles.filter((f) => {
      try {
        buildComposeModel([f], (rel) => (rel === f ? read(rel) : null));
        return true;
      } catch (error) {
        if (!(error instanceof ComposeSyntaxError)) throw error;
        broken.set(error.file, error);
        return false;
      }
    });
    if (broken.size === 0) broken.set(e.file, e);
    for (const [file, error] of broken) {
      problems.push({ code: 'ECS002', severity: 'blocking', file, line: error.line, message: error.message });
      unparsable.push({ file, affects: composeReach(file, read(file), composeFiles, read, pairs) });
    }
    compose = buildComposeModel(good, (rel) => (good.includes(rel) ? read(rel) : null), pairs);
  }

  const manifestIssues: Finding[] = [];
  const workspacePackages = readWorkspacePackages(files, read, manifestIssues);
  // Manifests that do not parse, each with its reach (instead of the workspace's own reading).
  const brokenManifests = manifestProblems(files, read);
  problems.push(...manifestIssues.filter((m) => !brokenManifests.reach.some((b) => b.file === m.file)), ...brokenManifests.findings);
  unparsable.push(...brokenManifests.reach);
  const packageManager = detectPackageManager(read, files);

  // Services: compose services that build, then Dockerfiles no compose service claims. A service
  // built the same way (name, Dockerfile, target) by several projects is one service; the other
  // projects' definitions are kept to check that they agree.
  const drafts: Draft[] = [];
  const missing = new Set<string>();
  for (const project of compose.projects) {
    for (const svc of project.services) {
      if (!svc.build) continue;
      if (!fileSet.has(svc.build.dockerfile)) {
        const key = `${svc.file}:${svc.line}`;
        const what = options.files ? 'does not exist' : notARegularFile(join(root, svc.build.dockerfile));
        if (!missing.has(key)) problems.push({ code: 'ECS201', severity: 'warning', file: svc.file, line: svc.line, service: svc.name, message: `compose service "${svc.name}" builds from ${svc.build.dockerfile}, which ${what}; its service is left unchanged` });
        missing.add(key);
        continue;
      }
      const same = drafts.find((d) => d.name === svc.name && d.dockerfile === svc.build?.dockerfile && d.target === svc.build.target);
      if (same) {
        if (same.compose !== svc && !same.alsoComposedBy.includes(svc)) same.alsoComposedBy.push(svc);
        continue;
      }
      drafts.push({ name: svc.name, dockerfile: svc.build.dockerfile, context: svc.build.context, target: svc.build.target, args: svc.build.args, compose: svc, alsoComposedBy: [] });
    }
  }
  const claimed = new Set(drafts.map((d) => d.dockerfile));
  // Dev containers and test fixtures are not the repo's images: out of the model (and of every
  // transform), their parse errors included, unless compose builds them.
  for (const path of [...dockerfiles.keys()]) {
    if (claimed.has(path) || !NOT_A_SERVICE_DIR.test(path)) continue;
    dockerfiles.delete(path);
    for (let i = problems.length - 1; i >= 0; i--) if (problems[i]?.file === path) problems.splice(i, 1);
  }
  for (const path of dockerfiles.keys()) {
    if (claimed.has(path)) continue;
    const base = posix.basename(path);
    const suffix = /^(?:Dockerfile|Containerfile)\.(.+)$/.exec(base)?.[1] ?? /^(.+)\.[Dd]ockerfile$/.exec(base)?.[1] ?? null;
    if (suffix && DEV_VARIANT.test(suffix)) continue;
    const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
    const isVariant = suffix !== null && /^(prod|production|release)$/i.test(suffix);
    if (isVariant && dockerfiles.has(dir ? `${dir}/Dockerfile` : 'Dockerfile')) continue;
    // A Dockerfile at the root of a single-service repo: the package name says more than the checkout directory's name.
    const rootPackage = workspacePackages.find((p) => p.dir === '')?.name.split('/').pop();
    const name = suffix && !isVariant ? suffix : dir ? posix.basename(dir) : (rootPackage ?? posix.basename(root));
    drafts.push({ name, dockerfile: path, context: dir || '.', target: null, args: {}, compose: null, alsoComposedBy: [] });
  }

  // No compose build.target: the stage the repo's build scripts and CI target is the deployed one.
  const targets = buildTargets(files, read);
  for (const draft of drafts) {
    const stages = draft.dockerfile ? (dockerfiles.get(draft.dockerfile)?.parsed?.stages ?? []) : [];
    const fromScripts = draft.target === null ? scriptTarget(targets, draft.dockerfile) : null;
    if (fromScripts && stages.some((s) => s.name?.toLowerCase() === fromScripts.target.toLowerCase())) draft.target = fromScripts.target;
  }
  const services: Service[] = drafts.map((draft) => {
    const entry = draft.dockerfile ? dockerfiles.get(draft.dockerfile) : undefined;
    entry?.services.push(draft.name);
    const dir = serviceDir(draft.dockerfile, draft.context, entry?.parsed ?? null, draft.args, workspacePackages, fileSet, draft.name);
    return describeService(draft, dir, entry?.parsed ?? null, { files, fileSet, read, workspacePackages, problems });
  });
  // Source files belong to the innermost service directory.
  for (const svc of services) {
    const inner = services.filter((o) => o !== svc && o.dir.startsWith(svc.dir ? svc.dir + '/' : '') && o.dir !== svc.dir).map((o) => o.dir + '/');
    if (inner.length) svc.sourceFiles = svc.sourceFiles.filter((f) => !inner.some((d) => f.startsWith(d)));
  }

  const model: RepoModel = {
    root,
    files,
    services,
    dockerfiles,
    composeFiles: compose.files,
    compose,
    workspacePackages,
    packageManager,
    lockfiles: lockfileFacts(files, read, options.files ? new Set() : untrackedFiles(root)),
    userConvention: null,
    problems,
    unparsable,
  };
  model.userConvention = detectUserConvention(model);
  model.moduleApis = libraryApis(services, workspacePackages, files, read);
  return model;
}

/** The API of each workspace library a Node service depends on (not the services themselves). */
function libraryApis(services: Service[], packages: WorkspacePackage[], files: string[], read: (rel: string) => string | null): Record<string, ModuleApi> {
  const used = new Set(services.filter((s) => s.language === 'node').flatMap((s) => s.workspaceDeps));
  const serviceDirs = new Set(services.map((s) => s.dir));
  const apis: Record<string, ModuleApi> = {};
  for (const pkg of packages) {
    if (!used.has(pkg.name) || serviceDirs.has(pkg.dir)) continue;
    const prefix = pkg.dir ? pkg.dir + '/' : '';
    const merged: ModuleApi = { exports: [], factories: {} };
    for (const f of files) {
      if (!f.startsWith(prefix) || !/\.(?:[cm]?[jt]sx?)$/.test(f) || TEST_PATH.test(f.slice(prefix.length))) continue;
      const text = read(f);
      if (text === null) continue;
      const api = moduleApi(f, text);
      merged.exports.push(...api.exports);
      merged.mongoAware = [...(merged.mongoAware ?? []), ...(api.mongoAware ?? [])];
      Object.assign(merged.factories, api.factories);
    }
    merged.exports = [...new Set(merged.exports)];
    apis[pkg.name] = merged;
  }
  return apis;
}

/** Why a path compose names is not a Dockerfile ecsfix reads: missing, a directory, a symlink. */
function notARegularFile(path: string): string {
  try {
    const link = lstatSync(path);
    if (link.isDirectory()) return 'is a directory';
    if (!link.isSymbolicLink()) return 'is not a regular file';
    try {
      statSync(path);
      return 'is a symlink (ecsfix never follows one)';
    } catch {
      return 'is a dangling symlink';
    }
  } catch {
    return 'does not exist';
  }
}

function hasManifest(dir: string, fileSet: Set<string>): boolean {
  return MANIFESTS.some((m) => fileSet.has(dir ? `${dir}/${m}` : m));
}

/**
 * The service's own directory. A Dockerfile beside a manifest lives in its service; a Dockerfile
 * at the root (Dockerfile.api) or in a docker/ folder names its service by what it copies and
 * builds: the one workspace package it mentions that no other mentioned package depends on.
 */
function serviceDir(
  dockerfile: string | null,
  context: string,
  parsed: ParsedDockerfile | null,
  buildArgs: Record<string, string>,
  packages: WorkspacePackage[],
  fileSet: Set<string>,
  name: string,
): string {
  const norm = (d: string) => (d === '.' ? '' : d);
  const dfDir = dockerfile ? norm(posix.dirname(dockerfile)) : norm(context);
  if (dfDir && hasManifest(dfDir, fileSet)) return dfDir;
  if (parsed) {
    // One Dockerfile built per service with `args: { APP: orders }`: read it as that build sees it.
    const text = expandVariables(parsed.text, (name) => (Object.hasOwn(buildArgs, name) ? (buildArgs[name] as string) : null)).text;
    const mentioned = packages.filter((p) => p.dir && (new RegExp(`(^|[\\s/."'])${escapeRe(p.dir)}(/|\\s|$|"|')`, 'm').test(text) || text.includes(p.name + ' ') || text.includes(p.name + '...')));
    const roots = mentioned.filter((p) => !mentioned.some((o) => o !== p && o.workspaceDeps.includes(p.name)));
    // `COPY apps/${APP} ...` with APP unknown names no package: a shared library the Dockerfile
    // also copies is not the service, so do not guess.
    const unresolved = /\$\{?\w+/.test(text.split('\n').filter((l) => /^\s*(COPY|ADD|RUN|WORKDIR)\b/i.test(l)).join('\n'));
    const isLibrary = (p: WorkspacePackage) => packages.some((o) => o.workspaceDeps.includes(p.name));
    if (roots.length === 1 && roots[0] && !(unresolved && isLibrary(roots[0]))) return roots[0].dir;
    const byName = roots.find((p) => posix.basename(p.dir) === name || p.name.split('/').pop() === name);
    if (byName) return byName.dir;
  }
  const ctx = norm(context);
  if (hasManifest(ctx, fileSet)) return ctx;
  return dfDir;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Draft {
  name: string;
  dockerfile: string | null;
  context: string;
  target: string | null;
  args: Record<string, string>;
  compose: ComposeService | null;
  /** The same service in other compose projects (a standalone per-service file and the root that includes it). */
  alsoComposedBy: ComposeService[];
}

interface DescribeDeps {
  files: string[];
  fileSet: Set<string>;
  read: (rel: string) => string | null;
  workspacePackages: WorkspacePackage[];
  problems: Finding[];
}

function describeService(
  draft: Draft,
  dir: string,
  parsed: ParsedDockerfile | null,
  deps: DescribeDeps,
): Service {
  const { files, read, workspacePackages } = deps;
  const prefix = dir ? dir + '/' : '';
  const pkg = workspacePackages.find((p) => p.dir === dir) ?? null;
  const language: ServiceLanguage = deps.fileSet.has(prefix + 'package.json')
    ? 'node'
    : ['requirements.txt', 'pyproject.toml', 'Pipfile', 'manage.py'].some((m) => deps.fileSet.has(prefix + m))
      ? 'python'
      : 'unknown';
  // A service at the repo root does not own the workspace packages below it (apps/*, libs/*).
  const otherPackages = dir === '' ? workspacePackages.filter((p) => p.dir !== '').map((p) => p.dir + '/') : [];
  const sourceFiles = files
    .filter((f) => f.startsWith(prefix) && SOURCE_EXT.test(f) && !TEST_PATH.test(f.slice(prefix.length)))
    .filter((f) => !otherPackages.some((d) => f.startsWith(d)))
    .filter((f) => !/(?:^|\/)(?:vite|webpack|rollup|jest|vitest|babel|eslint|tailwind|postcss)\.config\./.test(f))
    .slice(0, MAX_SOURCE_FILES);

  const facts = new Map<string, SourceFacts>();
  for (const f of sourceFiles) {
    const text = read(f);
    if (text !== null) facts.set(f, scanSource(text, (f.endsWith('.py') ? 'python' : 'js') as SourceLanguage, f));
  }
  const stage = parsed ? deployedStage(parsed, draft.target) : undefined;
  const entryFile = findEntryFile(dir, pkg, deps.fileSet, stage?.instructions.find((i) => i.keyword === 'CMD')?.args ?? null);

  // Role
  const roleReasons: string[] = [];
  const anyListen = [...facts.entries()].filter(([, f]) => f.listens).map(([file]) => file);
  const anyQueue = [...facts.entries()].filter(([, f]) => f.consumesQueue).map(([file]) => file);
  // ENV, EXPOSE and HEALTHCHECK of the stages the deployed one is built FROM are in force too.
  const inForce = parsed && stage ? effectiveInstructions(parsed, stage) : [];
  const stageKeywords = new Set(inForce.map((i) => i.keyword));
  const cmdText = stage?.instructions.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').map((i) => i.args).join(' ') ?? '';
  // `npm start` runs the package's start script: read that too (e.g. `next start`).
  const cmdWords = cmdText.replace(/[[\]",]/g, ' '); // exec form as words
  const startScript = /\b(?:npm|pnpm|yarn)\s+(?:run\s+)?start\b/.test(cmdWords) ? (pkg?.scripts.start ?? '') : '';
  const servesFromCmd = /\b(uvicorn|gunicorn|hypercorn|daphne|runserver|flask\s+run|http-server|serve\s|next\s+start|nuxt\s+start|remix-serve|react-router-serve|astro\s+preview)/.test(
    `${cmdWords} ${startScript}`,
  );
  let role: ServiceRole = 'unknown';
  const family = stage?.base.family;
  const webServerImage = family === 'nginx' || family === 'httpd' || family === 'caddy';
  if (webServerImage) {
    role = 'frontend';
    roleReasons.push(`deployed stage runs ${stage?.base.reference}`);
  } else if (anyListen.length || servesFromCmd) {
    role = 'http';
    roleReasons.push(anyListen.length ? `starts an HTTP server (${anyListen[0]})` : `CMD starts a web server`);
  } else if (anyQueue.length) {
    role = 'worker';
    roleReasons.push(`consumes a queue (${anyQueue[0]})`);
  } else if (draft.compose?.containerPorts.length || stageKeywords.has('EXPOSE') || stageKeywords.has('HEALTHCHECK')) {
    role = 'http';
    roleReasons.push(draft.compose?.containerPorts.length ? 'compose publishes a port' : 'the image EXPOSEs a port or has a HEALTHCHECK');
  } else if (/worker|consumer|processor|scheduler|cron/i.test(draft.name)) {
    role = 'worker';
    roleReasons.push('named as a worker, no port anywhere');
  }

  // Port
  const portEvidence: Evidence<number>[] = [];
  const df = draft.dockerfile ?? '';
  if (stage) {
    for (const ins of inForce) {
      if (ins.keyword === 'ENV') {
        const m = /(?:^|\s)PORT(?:=|\s+)["']?(\d{2,5})\b/.exec(ins.args);
        if (m) portEvidence.push({ value: Number(m[1]), source: 'ENV PORT', file: df, line: ins.line });
      }
      if (ins.keyword === 'EXPOSE') {
        for (const tok of ins.args.split(/\s+/)) {
          const p = Number(tok.split('/')[0]);
          if (Number.isInteger(p) && p > 0) portEvidence.push({ value: p, source: 'EXPOSE', file: df, line: ins.line });
        }
      }
      if (ins.keyword === 'HEALTHCHECK') {
        const m = /(?:localhost|127\.0\.0\.1|0\.0\.0\.0)(?::|['"]?\s*\+\s*['"]?)(\d{2,5})\b/.exec(ins.args);
        if (m) portEvidence.push({ value: Number(m[1]), source: 'HEALTHCHECK URL', file: df, line: ins.line });
      }
      if (ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') {
        const m = /(?:--port["',\s]+|--bind["',\s]+[\w.]*:|-b["',\s]+[\w.]*:|runserver["',\s]+[\w.]*:|\$\{PORT:-)(\d{2,5})\b/.exec(ins.args);
        if (m) portEvidence.push({ value: Number(m[1]), source: 'CMD', file: df, line: ins.line });
      }
    }
  }
  const composePorts = draft.compose?.containerPorts ?? [];
  if (composePorts.length === 1 && draft.compose) portEvidence.push({ value: composePorts[0] ?? 0, source: 'compose port mapping', file: draft.compose.file, line: draft.compose.line });
  const composeEnvPort = draft.compose?.environment.PORT;
  if (composeEnvPort && /^\d+$/.test(composeEnvPort) && draft.compose)
    portEvidence.push({ value: Number(composeEnvPort), source: 'compose environment PORT', file: draft.compose.file, line: draft.compose.line });
  for (const [file, f] of facts)
    for (const hint of f.ports)
      if (isOwnPortVar(hint.envVar, draft.name, pkg?.name ?? null)) portEvidence.push({ value: hint.port, source: `code (${hint.what})`, file, line: hint.line });
  const port = choosePort(portEvidence, composePorts);
  // Two compose projects that build this image disagree about its port: neither says which is deployed.
  // (A definition that sets no port says nothing; PORT in its environment outranks its mappings.)
  const composePortOf = (c: ComposeService) =>
    c.environment.PORT && /^\d+$/.test(c.environment.PORT) ? c.environment.PORT : c.containerPorts.length ? [...c.containerPorts].sort((a, b) => a - b).join(',') : null;
  const ownComposePort = draft.compose ? composePortOf(draft.compose) : null;
  const disputing = ownComposePort === null ? [] : draft.alsoComposedBy.filter((c) => composePortOf(c) !== null && composePortOf(c) !== ownComposePort);
  const describe = (c: ComposeService) => `${c.file}:${c.line} (${c.containerPorts.join(', ') || 'no port'}${c.environment.PORT ? `, PORT=${c.environment.PORT}` : ''})`;
  const dispute = draft.compose?.build?.targetDispute;
  const stageDispute = dispute
    ? `${dispute.base.file}:${dispute.base.line} builds target "${dispute.base.target}" and ${dispute.override.file}:${dispute.override.line} builds "${dispute.override.target}"`
    : null;
  if (dispute && stageDispute)
    deps.problems.push({
      code: 'ECS167',
      severity: 'warning',
      file: dispute.override.file,
      line: dispute.override.line,
      service: draft.name,
      message: `which stage of ${draft.dockerfile} is deployed is not established: ${stageDispute}; no stage-dependent change is made to it`,
    });
  const portDispute = disputing.length && draft.compose ? `compose projects disagree about the port of "${draft.name}": ${[draft.compose, ...disputing].map(describe).join(' vs ')}` : null;
  const distinct = [...new Set(portEvidence.map((e) => e.value))];
  if (distinct.length > 1 && role === 'http') {
    deps.problems.push({
      code: 'ECS006',
      severity: 'warning',
      service: draft.name,
      file: df || draft.compose?.file || dir,
      line: 1,
      message: `service "${draft.name}": port evidence disagrees (${portEvidence.map((e) => `${e.value} from ${e.source} at ${e.file}:${e.line}`).join('; ')}); using ${port}`,
    });
  }

  // Health route
  const routes: HealthRoute[] = [];
  const djangoIncludes = [...facts.values()].flatMap((f) => f.djangoIncludes);
  const nestPrefixFacts = [...facts.values()].find((f) => f.globalPrefix);
  const nestPrefix = nestPrefixFacts?.globalPrefix ? { prefix: nestPrefixFacts.globalPrefix, exclude: nestPrefixFacts.globalPrefixExclude } : null;
  for (const [file, f] of facts) {
    for (const r of f.routes) {
      let path = r.path;
      const mounted = mountPrefix(file, r.receiver ?? null, facts, 0);
      if (mounted) path = '/' + [mounted, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
      if (file.endsWith('urls.py')) path = djangoPath(file, prefix, r.path, djangoIncludes);
      // NestJS: the global prefix applies to controller routes, except the paths it excludes.
      if (r.nest && nestPrefix && !nestExcluded(path, nestPrefix.exclude))
        path = '/' + [nestPrefix.prefix, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
      if (isLivenessRoute(path)) routes.push({ path, file, line: r.line });
    }
  }
  routes.sort((a, b) => preferHealthRoute(a.path, b.path));

  return {
    name: draft.name,
    dir,
    dockerfile: draft.dockerfile,
    buildContext: draft.context,
    target: draft.target,
    compose: draft.compose,
    role,
    roleReasons,
    language: language === 'unknown' && webServerImage ? 'static' : language,
    port,
    portEvidence,
    ...(portDispute ? { portDispute } : {}),
    ...(stageDispute ? { stageDispute } : {}),
    entryFile,
    packageName: pkg?.name ?? null,
    workspaceDeps: pkg ? workspaceClosure(pkg.name, workspacePackages).filter((p) => p.name !== pkg.name).map((p) => p.name) : [],
    healthRoute: routes[0] ?? null,
    sourceFiles,
    listen: [...facts.entries()]
      .flatMap(([file, f]) => (f.js?.listen ?? []).map((l) => ({ ...l, file })))
      .sort((a, b) => Number(b.file === entryFile) - Number(a.file === entryFile)),
    shutdownHooks: [...facts.entries()].flatMap(([file, f]) => (f.js?.lifecycleClosers ?? []).map((h) => ({ file, line: h.line }))),
    runtimeWrites: detectRuntimeWrites(dir, files, read, startupFacts(draft, pkg, stage, sourceFiles, workspacePackages, files)),
  };
}

/**
 * What the container runs at start (the image's CMD/ENTRYPOINT, compose `command`/`entrypoint`,
 * and the package.json scripts those run through npm/pnpm/yarn) and the code it runs: the
 * service's own sources and those of the workspace packages it depends on (a shared logger).
 */
function startupFacts(draft: Draft, pkg: WorkspacePackage | null, stage: DockerStage | undefined, sourceFiles: string[], packages: WorkspacePackage[], files: string[]): StartupFacts {
  const startup: StartupFacts['startup'] = [];
  for (const ins of stage?.instructions ?? []) if (ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') startup.push({ text: ins.args, file: draft.dockerfile ?? '', line: ins.line });
  for (const text of [draft.compose?.entrypoint, draft.compose?.command]) if (text && draft.compose) startup.push({ text, file: draft.compose.file, line: draft.compose.line });
  const commands = startup.map((s) => s.text.replace(/[[\]",]/g, ' ')).join('\n');
  for (const m of commands.matchAll(/\b(?:npm|pnpm|yarn)\s+(?:run(?:-script)?\s+)?([\w:.-]+)/g)) {
    const script = pkg?.scripts[m[1] ?? ''];
    if (script && pkg) startup.push({ text: script, file: pkg.dir ? `${pkg.dir}/package.json` : 'package.json', line: 1 });
  }
  const depDirs = pkg ? workspaceClosure(pkg.name, packages).filter((p) => p.name !== pkg.name && p.dir).map((p) => p.dir + '/') : [];
  const depSources = files.filter((f) => depDirs.some((d) => f.startsWith(d)) && SOURCE_EXT.test(f) && !TEST_PATH.test(f));
  return { startup, sourceFiles: [...sourceFiles, ...depSources] };
}

/**
 * `process.env.PORT || 3005` is this service's port; `process.env.STUDENT_SERVICE_PORT || 3003` in
 * course-service is the port of the service it calls. A named variable counts only when it names
 * this service (COURSE_SERVICE_PORT or COURSE_PORT for course-service).
 */
function isOwnPortVar(envVar: string | null, serviceName: string, packageName: string | null): boolean {
  if (envVar === null || envVar === 'PORT' || envVar === 'HTTP_PORT' || envVar === 'APP_PORT' || envVar === 'SERVER_PORT') return true;
  const stem = envVar.replace(/_PORT$/, '');
  const names = [serviceName, packageName?.split('/').pop() ?? ''].filter(Boolean).map((n) => n.toUpperCase().replace(/[^A-Z0-9]+/g, '_'));
  return names.some((n) => n === stem || n.replace(/_SERVICE$/, '') === stem || n === `${stem}_SERVICE`);
}

/** Whether `spec`, imported from `fromFile`, is the module `target` (extension and /index optional). */
function importResolvesTo(fromFile: string, spec: string, target: string): boolean {
  if (!spec.startsWith('.')) return false;
  const strip = (p: string) => p.replace(/\.(?:[cm]?[jt]sx?)$/, '');
  const base = strip(posix.normalize(posix.join(posix.dirname(fromFile), spec)));
  const t = strip(target);
  return t === base || t === base + '/index';
}

/**
 * The prefix a JS route is served under when it is registered on a router (or in a plugin) that
 * another file mounts: `app.use('/api/v1', healthRouter)`, `fastify.register(health, { prefix })`,
 * a Koa `new Router({ prefix })`, following routers mounted on routers. Routes on the app itself
 * are absolute ('').
 */
function mountPrefix(file: string, receiver: string | null, facts: Map<string, SourceFacts>, depth: number): string {
  const f = facts.get(file);
  if (!f || depth > 4) return '';
  const routerNames = Object.keys(f.routers);
  const router = receiver && receiver in f.routers ? receiver : receiver === null && routerNames.length === 1 ? (routerNames[0] ?? null) : null;
  if (receiver && f.apps.includes(receiver)) return '';
  const own = router ? (f.routers[router] ?? '') : '';
  const candidates: { file: string; mount: MountHint }[] = [];
  if (router) for (const mount of f.mounts) if (mount.ident === router) candidates.push({ file, mount });
  for (const [other, of] of facts) {
    if (other === file) continue;
    for (const mount of of.mounts) {
      const spec = of.imports[mount.ident];
      if (spec && importResolvesTo(other, spec, file)) candidates.push({ file: other, mount });
    }
  }
  const hit = candidates[0];
  if (!hit) return own;
  const outer = hit.mount.on ? mountPrefix(hit.file, hit.mount.on, facts, depth + 1) : '';
  return [outer, hit.mount.prefix, own].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
}

/** Whether a NestJS `exclude` entry (`health`, `/health`, `health/(.*)`, `health/*`) covers a route path. */
function nestExcluded(path: string, exclude: string[]): boolean {
  const norm = (p: string) => p.replace(/^\/+|\/+$/g, '');
  return exclude.some((e) => {
    const wild = /^(.*?)\/?(?:\(\.\*\)|\*)$/.exec(norm(e));
    return wild ? norm(path).startsWith(norm(wild[1] ?? '')) : norm(e) === norm(path);
  });
}

/** Instructions of a stage and of the stages it is built FROM, in build order. */
/** Port sources in the order {@link choosePort} trusts them (code defaults come last). */
export const PORT_PRIORITY = ['ENV PORT', 'compose environment PORT', 'compose port mapping', 'EXPOSE', 'CMD', 'HEALTHCHECK URL'];

/** The image's own ENV PORT wins, then what compose runs it on, then the Dockerfile, then the code. */
function choosePort(evidence: Evidence<number>[], composePorts: number[]): number | null {
  for (const source of PORT_PRIORITY) {
    const hit = evidence.find((e) => e.source === source);
    if (hit) return hit.value;
  }
  const code = evidence.filter((e) => e.source.startsWith('code'));
  if (code.length) {
    const counts = new Map<number, number>();
    for (const e of code) counts.set(e.value, (counts.get(e.value) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  }
  if (composePorts.length) {
    return composePorts[0] ?? null;
  }
  return null;
}

/** A Django route's full path: the app urls.py prefix comes from the include() that mounts it. */
function djangoPath(file: string, servicePrefix: string, route: string, includes: { prefix: string; module: string }[]): string {
  const modulePath = file.slice(servicePrefix.length).replace(/\.py$/, '').replace(/\//g, '.');
  const include = includes.find((i) => modulePath === i.module || modulePath.endsWith('.' + i.module));
  return include ? '/' + [include.prefix, route].map((p) => p.replace(/^\/+/, '')).join('').replace(/^\/+/, '') : route;
}

function findEntryFile(dir: string, pkg: WorkspacePackage | null, fileSet: Set<string>, cmd: string | null): string | null {
  const prefix = dir ? dir + '/' : '';
  const has = (rel: string) => fileSet.has(prefix + rel);
  const candidates: string[] = [];
  const fromBuilt = (p: string) => {
    const clean = p.replace(/^\.\//, '');
    const stem = clean.replace(/^(dist|build|out|lib)\//, '').replace(/\.[cm]?js$/, '');
    candidates.push(`src/${stem}.ts`, `src/${stem}.js`, `${stem}.ts`, clean, `src/${stem}.mjs`);
  };
  if (pkg?.main) fromBuilt(pkg.main);
  const start = pkg?.scripts.start && /node\s+([\w./-]+)/.exec(pkg.scripts.start)?.[1];
  if (start) fromBuilt(start);
  if (cmd) {
    const nodeArg = /["']?node["']?\s*,?\s*["']?([\w./-]+\.[cm]?js)/.exec(cmd)?.[1];
    if (nodeArg) fromBuilt(nodeArg);
    const asgi = /(?:uvicorn|gunicorn|hypercorn)["',\s]+(?:[^"'\s]*["',\s]+)*?([\w.]+):\w+/.exec(cmd)?.[1];
    if (asgi) candidates.push(asgi.replace(/\./g, '/') + '.py');
  }
  candidates.push('src/main.ts', 'src/index.ts', 'src/server.ts', 'src/app.ts', 'src/main.js', 'src/index.js', 'src/server.js', 'index.js', 'server.js', 'app.js', 'main.py', 'app/main.py', 'manage.py', 'app.py');
  const hit = candidates.find(has);
  return hit ? prefix + hit : null;
}

function detectUserConvention(model: RepoModel): UserConvention | null {
  const tally = new Map<string, UserConvention>();
  for (const svc of model.services) {
    if (svc.role !== 'http' || !svc.dockerfile) continue;
    const parsed = model.dockerfiles.get(svc.dockerfile)?.parsed;
    const stage = parsed ? deployedStage(parsed, svc.target) : undefined;
    if (!stage || isRootUser(stage.user)) continue;
    const [userName = '', groupName] = (stage.user ?? '').split(':');
    if (/^\d+$/.test(userName)) continue;
    const created = usersCreatedBy(parsed as ParsedDockerfile, stage.instructions);
    const user = created.users.find((u) => u.name === userName);
    if (!user) continue; // a user the base image ships (node) is not a convention to copy
    const group = groupName ?? user.group ?? userName;
    const gid = created.groups.find((g) => g.name === group)?.gid ?? null;
    const key = `${userName}:${group}:${user.uid}:${gid}`;
    const entry = tally.get(key) ?? { user: userName, group, uid: user.uid, gid, seenIn: [] };
    entry.seenIn.push(svc.dockerfile);
    tally.set(key, entry);
  }
  return [...tally.values()].sort((a, b) => b.seenIn.length - a.seenIn.length)[0] ?? null;
}
