/**
 * Builds the {@link RepoModel}: finds Dockerfiles and compose files, turns them into services
 * (whatever the layout: services/*, apps/*, backend/*, a root Dockerfile.api, compose
 * build.dockerfile/target), and gathers each service's role, port, entry file, health route and
 * workspace dependencies, with the evidence for each.
 */
import { parseDockerignore, type ContextIgnore, type IgnoreFiles } from '../dockerfile/dockerignore.js';
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { buildComposeModel, ComposeSyntaxError, composeFilePairs, developmentOnly, isComposeFileName, processDifferences, variableSetAt, type ComposeService, type EnvFileReader } from './compose.js';
import { DockerfileSyntaxError, deployedStage, effectiveInstructions, isRootUser, parseDockerfile, withBuildArgs, type DockerInstruction, type DockerStage, type ParsedDockerfile } from './dockerfile.js';
import { executableFiles, filesUnder, listRepoFiles, untrackedFiles } from './files.js';
import { gitignoreRule, lockfileFacts } from './lockfiles.js';
import { isDockerfileName } from './dockerfileName.js';
import type { Finding } from '../findings/finding.js';
import type { DockerfileEntry, HealthRoute, PortEvidence, RepoModel, ReplacedServer, Service, ServiceLanguage, ServiceRole, UnparsableReach, UserConvention } from './model.js';
import { servicePort, servicePortVariable } from './ports.js';
import { scriptStartsServer, serverReplacedBy, serviceRole, workerSideServer } from './roles.js';
import { healthRoutes } from './routes.js';
import { attributeHealthServers } from './healthServers.js';
import { markAppGates } from './authRoutes.js';
import { nextRouteHandlers, nextStandalonePort } from './nextRoutes.js';
import { factoryRoutes, readinessCheck, type FactoryInput } from './healthFactories.js';
import { mainBlockLines, runsServerCli, scriptListens, serviceGoRoutes, sourceLanguageOf, serviceListensByPattern } from './serverListen.js';
import { isLivenessRoute, preferHealthRoute, scanSource, type SourceFacts, type SourceLanguage } from './sourceScan.js';
import { usersCreatedBy } from '../dockerfile/users.js';
import { expandVariables, variableAssignments } from '../dockerfile/variables.js';
import { detectRuntimeWrites, type EnvSetting, type ServiceEnvironment, type StartupFacts } from './runtimeWrites.js';
import { gunicornConfigBind, gunicornConfigRead, gunicornVariableBind, isGunicornConfig } from './gunicornBind.js';
import { uwsgiPatternListens, uwsgiPortFacts, uwsgiServer, type UwsgiServer } from './uwsgiConfig.js';
import { serverFiles } from './serverFiles.js';
import { repoFileAt } from '../dockerfile/imageBuild.js';
import type { ImageFileAt } from '../dockerfile/searchPath.js';
import { startScriptPath } from './startScript.js';
import { lineOfOffset } from '../text.js';
import { serviceProcessCwd } from './processCwd.js';
import { importedConsumers } from './importedConsumers.js';
import { processShutdown } from './processShutdown.js';
import { startDir, startPackage, type StartPackage } from './startPackage.js';
import { projectFactsOf } from './composeProject.js';
import { buildArgsOf } from './buildArgs.js';
import { imageEnvironment, startVariables, type ImageEnvironment, type VariableLookup } from './startVariables.js';
import { moduleApi, packageEntry, type ModuleApi, type PackageSources } from '../source/api.js';
import { buildTargets, scriptTarget } from './buildTargets.js';
import { composeReach, manifestProblems } from './unparsable.js';
import { detectPackageManager, readWorkspacePackages, rootPackage, workspaceClosure, type WorkspacePackage } from './workspace.js';
import { packageInDir } from './packageIndex.js';

/** Dockerfile variants for local development only: not what is deployed. */
const DEV_VARIANT = /(?:^|[.-])(dev|development|local|debug|test|ci)(?:$|\.)/i;
/** Dockerfiles no compose service builds that are dev environments or test data, not services. */
const NOT_A_SERVICE_DIR = /(?:^|\/)(?:\.devcontainer|\.github|__tests__|tests?|testdata|fixtures|__fixtures__|e2e)\//;
const MANIFESTS = ['package.json', 'requirements.txt', 'pyproject.toml', 'Pipfile', 'manage.py', 'go.mod', 'pom.xml'];
const SOURCE_EXT = /\.(?:[cm]?[jt]sx?|py)$/;
const TEST_PATH = /(?:^|\/)(?:__tests__|tests?|spec|e2e|__mocks__|fixtures|migrations)\/|\.(?:test|spec|e2e)\.[cm]?[jt]sx?$|\.d\.ts$|(?:^|\/)test_[^/]*\.py$/;
const MAX_SOURCE_FILES = 400;

/** A JS/TS file the model may read the facts of, as a service's source (not a test, a declaration or a tool's config). */
export function mayBeJsSource(file: string): boolean {
  return SOURCE_EXT.test(file) && !file.endsWith('.py') && !TEST_PATH.test(file) && !TOOL_CONFIG.test(file);
}

const TOOL_CONFIG = /(?:^|\/)(?:vite|webpack|rollup|jest|vitest|babel|eslint|tailwind|postcss)\.config\./;

export interface BuildOptions {
  /** Overrides file reads (tests); defaults to reading under the root. */
  read?: (rel: string) => string | null;
  files?: string[];
  /** With `files`: the ones with the exec bit (tests); unknown when absent. */
  executables?: Set<string>;
  /** The texts read (null: unreadable), by path: filled by the model's reader, for a caller that reads them again. */
  reads?: Map<string, string | null>;
  /** Told the repo's files as soon as they are listed (the engine starts a planning worker on a large repo). */
  onFiles?: (files: readonly string[], root: string) => void;
}

export function buildRepoModel(rootInput: string, options: BuildOptions = {}): RepoModel {
  const root = options.files ? rootInput : realpathSync(rootInput);
  const files = options.files ?? listRepoFiles(root);
  options.onFiles?.(files, root);
  const fileSet = new Set(files);
  const read = options.read ?? cachedReader(root, fileSet, options.reads);
  const problems: Finding[] = [];
  const dockerfiles = readDockerfiles(files, read, problems);
  const unparsable: UnparsableReach[] = [];
  // An env file git ignores is not the repo's: no text, and not missing (the work tree may have it, a clone makes it from an example).
  const readEnv: EnvFileReader = (rel) => {
    const text = read(rel);
    if (text !== null) return { text, onDisk: true };
    return { text, onDisk: !options.files && existsSync(join(root, rel)), ignoredBy: gitignoreRule(rel, files, read) };
  };
  const compose = readCompose(files, read, problems, unparsable, readEnv);
  problems.push(...missingEnvFiles(compose));
  const manifestIssues: Finding[] = [];
  const workspacePackages = readWorkspacePackages(files, read, manifestIssues);
  // Manifests that do not parse, each with its reach (instead of the workspace's own reading).
  const brokenManifests = manifestProblems(files, read);
  problems.push(...manifestIssues.filter((m) => !brokenManifests.reach.some((b) => b.file === m.file)), ...brokenManifests.findings);
  unparsable.push(...brokenManifests.reach);
  const packageManager = detectPackageManager(read, files);

  // Services: compose services that build, then Dockerfiles no compose service claims.
  const drafts = composeDrafts(compose, fileSet, problems, (path) => (options.files ? 'does not exist' : notARegularFile(join(root, path))));
  const claimed = new Set([...drafts.map((d) => d.dockerfile), ...developmentDockerfiles(compose)]);
  dropNonServiceDockerfiles(dockerfiles, claimed, problems);
  drafts.push(...dockerfileDrafts(dockerfiles, claimed, workspacePackages, root));
  applyScriptTargets(drafts, dockerfiles, files, read);

  const ignores = readDockerignores(files, read);
  const services: Service[] = drafts.map((draft) => {
    const entry = draft.dockerfile ? dockerfiles.get(draft.dockerfile) : undefined;
    entry?.services.push(draft.name);
    const deps = { files, fileSet, read, workspacePackages, problems, ...ignores };
    // The Dockerfile as this service's build sees it: its base images read with its build args.
    const parsed = entry?.parsed ? withBuildArgs(entry.parsed, buildArgsOf(draft.args, draft.compose?.file ?? null)) : null;
    const start = draftStart(draft, parsed, deps);
    const dir = startDir(serviceDir(draft.dockerfile, draft.context, parsed, draft.args, workspacePackages, fileSet, draft.name), start.pkg);
    return describeService(draft, dir, parsed, deps, start);
  });
  keepSourcesInInnermostService(services);
  const projectFacts = projectFactsOf(compose);
  for (const s of services) Object.assign(s, projectFacts(s.compose));
  for (const s of services) if (s.definitionDispute) problems.push({ code: 'ECS218', severity: 'warning', file: s.definitionDispute.file, line: s.definitionDispute.line, service: s.name, message: s.definitionDispute.message });

  const model: RepoModel = {
    root,
    files,
    services,
    dockerfiles,
    composeFiles: compose.files,
    compose,
    workspacePackages,
    rootPackage: rootPackage(read),
    packageManager,
    lockfiles: lockfileFacts(files, read, options.files ? new Set() : untrackedFiles(root)),
    ...(options.files ? (options.executables ? { executables: options.executables } : {}) : { executables: executableFiles(root, files) }),
    ...ignores,
    userConvention: null,
    problems,
    unparsable,
  };
  model.userConvention = detectUserConvention(model);
  const libraries = libraryApis(services, workspacePackages, files, read);
  model.moduleApis = libraries.apis;
  model.moduleSources = libraries.sources;
  return model;
}

/** The API of each workspace library a Node service depends on (not the services themselves). */
function libraryApis(services: Service[], packages: WorkspacePackage[], files: string[], read: (rel: string) => string | null): { apis: Record<string, ModuleApi>; sources: Record<string, PackageSources> } {
  const used = new Set(services.filter((s) => s.language === 'node').flatMap((s) => s.workspaceDeps));
  const serviceDirs = new Set(services.map((s) => s.dir));
  const apis: Record<string, ModuleApi> = {};
  const sources: Record<string, PackageSources> = {};
  for (const pkg of packages) {
    if (!used.has(pkg.name) || serviceDirs.has(pkg.dir)) continue;
    const prefix = pkg.dir ? pkg.dir + '/' : '';
    const merged: ModuleApi = { exports: [], factories: {} };
    const own: Record<string, string> = {};
    for (const f of files) {
      if (!f.startsWith(prefix) || !/\.(?:[cm]?[jt]sx?)$/.test(f) || TEST_PATH.test(f.slice(prefix.length))) continue;
      const text = read(f);
      if (text === null) continue;
      if (!COMPILED_DIR.test(f.slice(prefix.length))) own[f] = text;
      const api = moduleApi(f, text);
      merged.exports.push(...api.exports);
      merged.mongoAware = [...(merged.mongoAware ?? []), ...(api.mongoAware ?? [])];
      Object.assign(merged.factories, api.factories);
      mergeSignalHelpers(merged, api, f);
    }
    merged.exports = [...new Set(merged.exports)];
    apis[pkg.name] = merged;
    const entry = packageEntry((rel) => own[prefix + rel] !== undefined);
    sources[pkg.name] = { entry: entry === null ? null : prefix + entry, files: own };
  }
  return { apis, sources };
}

/** A module's signal helpers into its package's API, with the module's path. */
function mergeSignalHelpers(merged: ModuleApi, api: ModuleApi, file: string): void {
  for (const [name, helper] of Object.entries(api.signalHelpers ?? {})) (merged.signalHelpers ??= {})[name] ??= { ...helper, file };
}

/** Compiled output and dependencies inside a package: not its own sources. */
const COMPILED_DIR = /(?:^|\/)(?:dist|build|out|\.next|coverage|node_modules)\//;

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

/** Reads repo files under the root once each; null for a file that is not in the list or cannot be read. */
function cachedReader(root: string, fileSet: Set<string>, cache = new Map<string, string | null>()): (rel: string) => string | null {
  return (rel: string) => {
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
  };
}

/** Every Dockerfile, parsed once; one that cannot be read or parsed is kept with its error. */
/**
 * Every `.dockerignore`, by the directory it is in (a build context there leaves its paths out), and
 * every Dockerfile-specific `<Dockerfile>.dockerignore`, by that Dockerfile's path (BuildKit reads
 * it in place of the context's for builds of that Dockerfile: src/dockerfile/dockerignore.ts).
 */
function readDockerignores(files: string[], read: (rel: string) => string | null): { dockerignores: Map<string, ContextIgnore>; dockerfileIgnores: Map<string, ContextIgnore> } {
  const dockerignores = new Map<string, ContextIgnore>();
  const dockerfileIgnores = new Map<string, ContextIgnore>();
  for (const file of files) {
    if (!file.endsWith('.dockerignore')) continue;
    const text = read(file);
    if (text === null) continue;
    if (file === '.dockerignore' || file.endsWith('/.dockerignore')) dockerignores.set(file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '', parseDockerignore(file, text));
    else dockerfileIgnores.set(file.slice(0, -'.dockerignore'.length), parseDockerignore(file, text));
  }
  return { dockerignores, dockerfileIgnores };
}

function readDockerfiles(files: string[], read: (rel: string) => string | null, problems: Finding[]): Map<string, DockerfileEntry> {
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
  return dockerfiles;
}

/** The compose model; a compose file that does not parse is reported and the others are still read. */
function readCompose(files: string[], read: (rel: string) => string | null, problems: Finding[], unparsable: UnparsableReach[], readEnv: EnvFileReader): RepoModel['compose'] {
  // Compose files: roots first (shallow before deep, base before override).
  // Compose files of test fixtures and dev containers describe no deployed service (an include: from
  // a real compose file still reaches them).
  const composeFiles = files
    .filter((f) => isComposeFileName(posix.basename(f)) && !NOT_A_SERVICE_DIR.test(f))
    .sort((a, b) => a.split('/').length - b.split('/').length || a.length - b.length || a.localeCompare(b));
  let compose: RepoModel['compose'] = { files: [], services: [], projects: [] };
  const pairs = composeFilePairs(files, read);
  try {
    compose = buildComposeModel(composeFiles, read, pairs, readEnv);
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
    compose = buildComposeModel(good, (rel) => (good.includes(rel) ? read(rel) : null), pairs, readEnv);
  }
  return compose;
}

/**
 * ECS217: an `env_file:` entry compose requires (the short form, or `required: true`) names a file
 * that does not exist: `docker compose up` stops with "env file not found". An optional one
 * (`required: false`) is not missing, nor is one git ignores (the developer's own `.env`, made
 * from an example file; a fresh clone lacks it by design).
 */
function missingEnvFiles(compose: RepoModel['compose']): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const svc of compose.services)
    for (const f of svc.envFiles ?? []) {
      const key = `${f.file}:${f.line}:${f.path}`;
      if (!f.required || f.onDisk || f.ignoredBy || seen.has(key)) continue;
      seen.add(key);
      out.push({ code: 'ECS217', severity: 'warning', file: f.file, line: f.line, service: svc.name, message: `"${svc.name}" reads ${f.path} as env_file and the file does not exist: \`docker compose up\` stops on it, and its variables cannot be carried into the task definition. Create it (from an example file) or mark the entry \`required: false\`` });
    }
  return out;
}

/**
 * ECS218 (review5 P3): another compose project builds this service's image under the same name with
 * another command, entrypoint or env files (`deploy/docker-compose.prod.yml`'s gunicorn command
 * beside the root file's): which one is deployed is not established. The task definition follows
 * the first project's and says so; the finding names both and what differs, at the other's line.
 */
function definitionDisputeOf(draft: Draft): Pick<Service, 'definitionDispute'> {
  const own = draft.compose;
  if (!own) return {};
  for (const other of draft.alsoComposedBy) {
    // One definition (same file and line) that two projects layer differently, such as a per-service
    // file run alone and included by the root project under its overlay, is not two definitions.
    if (other.file === own.file && other.line === own.line) continue;
    const differs = processDifferences(own, other);
    if (differs.length === 0) continue;
    const message = `compose projects define "${draft.name}" differently: ${own.file}:${own.line} vs ${other.file}:${other.line} differ in ${differs.join(', ')}; the task definition follows ${own.file} until one project is the deployed one: make them agree, or remove the one that is not deployed`;
    return { definitionDispute: { message, file: other.file, line: other.line } };
  }
  return {};
}

/**
 * The services compose builds. A service built the same way (name, Dockerfile, target) by several
 * projects is one service; the other projects' definitions are kept to check that they agree.
 */
function composeDrafts(compose: RepoModel['compose'], fileSet: Set<string>, problems: Finding[], whyMissing: (path: string) => string): Draft[] {
  const drafts: Draft[] = [];
  const missing = new Set<string>();
  const skipped = new Set<string>();
  for (const project of compose.projects) {
    for (const svc of project.services) {
      if (!svc.build) continue;
      if (developmentOnly(svc)) {
        const key = `${svc.file}:${svc.line}`;
        if (!skipped.has(key)) problems.push({ code: 'ECS215', severity: 'info', file: svc.file, line: svc.line, service: svc.name, message: `compose service "${svc.name}" runs only under profile ${(svc.profiles ?? []).map((p) => `"${p}"`).join(', ')}${svc.build.target ? ` (stage ${svc.build.target})` : ''}: a development container, not deployed; left unchanged` });
        skipped.add(key);
        continue;
      }
      if (!fileSet.has(svc.build.dockerfile)) {
        const key = `${svc.file}:${svc.line}`;
        const what = whyMissing(svc.build.dockerfile);
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
  return drafts;
}

/**
 * Dockerfiles a development-profile service builds whole (no target): dev images, not services.
 * One it builds a dev stage of may still have a deployed stage, so it stays unclaimed.
 */
function developmentDockerfiles(compose: RepoModel['compose']): string[] {
  return compose.services.flatMap((s) => (s.build && !s.build.target && developmentOnly(s) ? [s.build.dockerfile] : []));
}

/**
 * Dev containers and test fixtures are not the repo's images: out of the model (and of every
 * transform), their parse errors included, unless compose builds them.
 */
function dropNonServiceDockerfiles(dockerfiles: Map<string, DockerfileEntry>, claimed: Set<string | null>, problems: Finding[]): void {
  for (const path of [...dockerfiles.keys()]) {
    if (claimed.has(path) || !NOT_A_SERVICE_DIR.test(path)) continue;
    dockerfiles.delete(path);
    for (let i = problems.length - 1; i >= 0; i--) if (problems[i]?.file === path) problems.splice(i, 1);
  }
}

/** Services of the Dockerfiles no compose service builds (dev variants and a prod twin of a Dockerfile left out). */
function dockerfileDrafts(dockerfiles: Map<string, DockerfileEntry>, claimed: Set<string | null>, workspacePackages: WorkspacePackage[], root: string): Draft[] {
  const drafts: Draft[] = [];
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
  return drafts;
}

/** No compose build.target: the stage the repo's build scripts and CI target is the deployed one. */
function applyScriptTargets(drafts: Draft[], dockerfiles: Map<string, DockerfileEntry>, files: string[], read: (rel: string) => string | null): void {
  const targets = buildTargets(files, read);
  for (const draft of drafts) {
    const stages = draft.dockerfile ? (dockerfiles.get(draft.dockerfile)?.parsed?.stages ?? []) : [];
    const fromScripts = draft.target === null ? scriptTarget(targets, draft.dockerfile) : null;
    if (fromScripts && stages.some((s) => s.name?.toLowerCase() === fromScripts.target.toLowerCase())) draft.target = fromScripts.target;
  }
}

/** Source files belong to the innermost service directory. */
function keepSourcesInInnermostService(services: Service[]): void {
  const dirs = [...new Set(services.map((o) => o.dir + '/'))].sort();
  for (const svc of services) {
    const inner = filesUnder(dirs, svc.dir ? svc.dir + '/' : '').filter((d) => d !== svc.dir + '/');
    if (inner.length) svc.sourceFiles = svc.sourceFiles.filter((f) => !inner.some((d) => f.startsWith(d)));
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
    const mentioned = packages.filter((p) => p.dir && (new RegExp(`(^|[\\s/."'=])${escapeRe(p.dir)}(/|\\s|$|"|')`, 'm').test(text) || text.includes(p.name + ' ') || text.includes(p.name + '...')));
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

interface DescribeDeps extends IgnoreFiles {
  files: string[];
  fileSet: Set<string>;
  read: (rel: string) => string | null;
  workspacePackages: WorkspacePackage[];
  problems: Finding[];
}


/** A service's own source files (tests, configs and nested workspace packages left out) and what they say. */
/** An extensionless Node script under bin/ (`#!/usr/bin/env node`): express-generator's bin/www starts the server there. */
function nodeBinScript(file: string, read: (rel: string) => string | null): boolean {
  return /(?:^|\/)bin\/[\w-]+$/.test(file) && /^#!.*\bnode\b/.test(read(file)?.slice(0, 100) ?? '');
}

function serviceSources(dir: string, files: string[], read: (rel: string) => string | null, workspacePackages: WorkspacePackage[]): { sourceFiles: string[]; facts: Map<string, SourceFacts> } {
  const prefix = dir ? dir + '/' : '';
  // A service at the repo root does not own the workspace packages below it (apps/*, libs/*).
  const otherPackages = dir === '' ? workspacePackages.filter((p) => p.dir !== '').map((p) => p.dir + '/') : [];
  const sourceFiles = filesUnder(files, prefix)
    .filter((f) => (SOURCE_EXT.test(f) || nodeBinScript(f, read)) && !TEST_PATH.test(f.slice(prefix.length)))
    .filter((f) => !otherPackages.some((d) => f.startsWith(d)))
    .filter((f) => !TOOL_CONFIG.test(f))
    .slice(0, MAX_SOURCE_FILES);

  const facts = new Map<string, SourceFacts>();
  for (const f of sourceFiles) {
    const text = read(f);
    if (text !== null) facts.set(f, scanSource(text, (f.endsWith('.py') ? 'python' : 'js') as SourceLanguage, f));
  }
  return { sourceFiles, facts };
}

/**
 * The base compose file and a layer merged on top of it leave the deployed stage unsettled (see
 * compose.ts: a docker-compose.override.yml showing no development naming a different non-dev
 * target, or a deploy layer naming none over a base dev target). When the base file names no target,
 * the stage it builds is the Dockerfile's deployed one (the last, or the production-named): an
 * override naming that same stage disputes nothing. Reports ECS167 and returns the two file:lines.
 */
function stageDisputeOf(draft: Draft, parsed: ParsedDockerfile | null, problems: Finding[]): string | null {
  const targetDispute = draft.compose?.build?.targetDispute;
  if (!targetDispute) return null;
  const { base, override } = targetDispute;
  const baseStage = base.target === null && parsed ? deployedStage(parsed, null)?.name : null;
  if (base.target === null && (!parsed || baseStage?.toLowerCase() === override.target?.toLowerCase())) return null;
  const baseSays = base.target === null ? `builds no target (${baseStage ? `stage "${baseStage}"` : 'the last stage'})` : `builds target "${base.target}"`;
  const layerSays = override.target === null ? 'sets no target for it' : `builds "${override.target}"`;
  const stageDispute = `${base.file}:${base.line} ${baseSays} and ${override.file}:${override.line} ${layerSays}`;
  problems.push({
    code: 'ECS167',
    severity: 'warning',
    file: override.file,
    line: override.line,
    service: draft.name,
    message: `which stage of ${draft.dockerfile} is deployed is not established: ${stageDispute}; no stage-dependent change is made to it`,
  });
  return stageDispute;
}

/**
 * What the service's start command runs, read before its directory is settled: the container's
 * variables it expands (image ENV from the build args, compose environment) and the workspace
 * package it runs (see startPackage.ts).
 */
function draftStart(draft: Draft, parsed: ParsedDockerfile | null, deps: DescribeDeps): DraftStart {
  const stage = parsed ? deployedStage(parsed, draft.target) : undefined;
  const inForce = parsed && stage ? effectiveInstructions(parsed, stage) : [];
  const globalArgs = parsed ? parsed.instructions.filter((i) => i.stageIndex === -1 && i.keyword === 'ARG') : [];
  const image = imageEnvironment(inForce, globalArgs, draft.args);
  const env = startVariables(image, [draft.compose, ...draft.alsoComposedBy]);
  const imageFile = parsed && stage ? repoFileAt(parsed, stage, draft.context, deps, draft.args, draft.dockerfile) : undefined;
  const cwd = serviceProcessCwd(draft.dockerfile, inForce, draft.compose, { packages: deps.workspacePackages, servicePackage: null, env, read: deps.read, ...(imageFile ? { imageFile } : {}) });
  return { image, env, pkg: startPackage(cwd, deps.workspacePackages, imageFile), imageFile };
}

interface DraftStart {
  /** The deployed stage's ENV as the build expands it. */
  image: ImageEnvironment;
  env: VariableLookup;
  pkg: StartPackage;
  /** The repo file the deployed stage holds at an image path (its build followed once, shared by what reads it), and its PATH. */
  imageFile: ImageFileAt | undefined;
}

/**
 * Set when the service's directory holds several workspace packages (one image that copies every
 * app) and its start command does not establish which one runs: nothing the service's code would
 * decide (its writes, its port, its role) is known.
 */
function startPackageFact(dir: string, start: DraftStart, packages: WorkspacePackage[]): Partial<Pick<Service, 'startPackageUnknown' | 'sourceFiles'>> {
  if (start.pkg.known) return {};
  const held = packages.filter((p) => p.dir !== dir && (dir === '' || p.dir.startsWith(dir + '/')));
  if (held.length < 2) return {};
  // Which code runs is not established: no source file is attributed to the service (the codemods' services).
  return { startPackageUnknown: { because: start.pkg.because, file: start.pkg.at.file, line: start.pkg.at.line }, sourceFiles: [] };
}

/** The service's language from its manifests, else from its source files. */
function serviceLanguage(dir: string, deps: DescribeDeps): ServiceLanguage {
  const prefix = dir ? dir + '/' : '';
  if (deps.fileSet.has(prefix + 'package.json')) return 'node';
  if (['requirements.txt', 'pyproject.toml', 'Pipfile', 'manage.py'].some((m) => deps.fileSet.has(prefix + m))) return 'python';
  return sourceLanguageOf(dir, deps.files) ?? 'unknown';
}

/** ECS006: an HTTP service's port evidence names several ports (a code default for a variable the container sets never applies, and disagrees with nothing). */
function portDisagreement(draft: Draft, dir: string, port: number | null, evidence: PortEvidence[], problems: Finding[]): void {
  const applying = evidence.filter((e) => !e.neverApplies);
  if (new Set(applying.map((e) => e.value)).size < 2) return;
  problems.push({
    code: 'ECS006',
    severity: 'warning',
    service: draft.name,
    file: draft.dockerfile || draft.compose?.file || dir,
    line: 1,
    message: `service "${draft.name}": port evidence disagrees (${applying.map((e) => `${e.value} from ${e.source} at ${e.file}:${e.line}`).join('; ')}); using ${port}`,
  });
}

function describeService(draft: Draft, dir: string, parsed: ParsedDockerfile | null, deps: DescribeDeps, start: DraftStart): Service {
  const { files, read, workspacePackages } = deps;
  const prefix = dir ? dir + '/' : '';
  const pkg = packageInDir(workspacePackages, dir) ?? null;
  const language = serviceLanguage(dir, deps);
  const { sourceFiles, facts } = serviceSources(dir, files, read, workspacePackages);
  const stage = parsed ? deployedStage(parsed, draft.target) : undefined;
  const entryFile = findEntryFile(dir, pkg, deps.fileSet, stage?.instructions.find((i) => i.keyword === 'CMD')?.args ?? null);

  // ENV, EXPOSE and HEALTHCHECK of the stages the deployed one is built FROM are in force too.
  const inForce = parsed && stage ? effectiveInstructions(parsed, stage) : [];
  const cmdText = stage?.instructions.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').map((i) => i.args).join(' ') ?? '';
  const { role, reasons: roleReasons, webServerImage, workerProcess, replaced } = processRole(draft, parsed, stage, inForce, pkg, facts, deps);
  const { byPattern, portFacts, uwsgi } = serverStartFacts(language, draft, dir, parsed, stage, cmdText, entryFile, facts, deps, start.image);
  // A celery worker or beat listens on no port, whatever the shared image EXPOSEs for its web process.
  const { port, evidence: portEvidence, dispute: portDispute } = workerProcess || (replaced && role !== 'http') ? { port: null, evidence: [], dispute: undefined } : servicePort({
    name: draft.name,
    packageName: pkg?.name ?? null,
    dockerfile: draft.dockerfile,
    inForce,
    imageEnv: start.image,
    compose: draft.compose,
    alsoComposedBy: draft.alsoComposedBy,
    facts: portFacts,
    patternListens: byPattern,
  });
  const listen = [...facts.entries()]
    .flatMap(([file, f]) => (f.js?.listen ?? []).map((l) => ({ ...l, file })))
    .sort((a, b) => Number(b.file === entryFile) - Number(a.file === entryFile));
  listen.push(...byPattern);
  // The generated Next.js standalone server reads PORT; its code is not in the repo.
  const portVariable = servicePortVariable(listen, portFacts, port, entryFile) ?? (pkg && 'next' in pkg.dependencies && port !== null ? nextStandalonePort(dir, files, read, inForce) : undefined);
  const stageDispute = stageDisputeOf(draft, parsed, deps.problems);
  if (role === 'http') portDisagreement(draft, dir, port, portEvidence, deps.problems);
  const nextRoutes = pkg && 'next' in pkg.dependencies ? nextRouteHandlers(dir, files, read) : [];
  // A compose command that runs something else than the image's server does not serve that server's routes.
  const served = replaced ? [] : serviceHealthRoutes([...healthRoutes(facts, prefix), ...(language === 'go' ? serviceGoRoutes(dir, files, read) : []), ...nextRoutes], { sourceFiles, files, read, workspacePackages });
  // A second HTTP server (management, metrics): each route is probed on the port of the server that serves it.
  const routes = attributeHealthServers(markAppGates(served, facts), facts, { port, variable: portVariable?.value ?? null });

  return {
    name: draft.name,
    dir,
    dockerfile: draft.dockerfile,
    buildContext: draft.context,
    target: draft.target,
    compose: draft.compose,
    role,
    roleReasons,
    ...processFacts(workerProcess, parsed, stage, draft, deps, start.image, { uwsgi, port }),
    language: language === 'unknown' && webServerImage ? 'static' : language,
    port,
    portEvidence,
    ...(portDispute ? { portDispute } : {}),
    ...definitionDisputeOf(draft),
    ...(stageDispute ? { stageDispute } : {}),
    imageEnv: start.image,
    entryFile,
    packageName: pkg?.name ?? null,
    workspaceDeps: pkg ? workspaceClosure(pkg.name, workspacePackages).filter((p) => p.name !== pkg.name).map((p) => p.name) : [],
    ...healthRouteFacts(routes),
    ...(replaced ? { serverReplacedBy: replaced } : {}),
    sourceFiles,
    ...sideServerFact(role, replaced, facts, draft.compose),
    listen,
    ...(portVariable ? { portVariable } : {}),
    ...nestServerFacts(facts),
    ...serviceProcessFacts(draft, dir, pkg, stage, inForce, { sourceFiles, entryFile, uwsgi }, facts, deps, start),
    ...startPackageFact(dir, start, workspacePackages),
  };
}

/**
 * What the service's process does at start: what it writes at run time (relative paths placed in
 * the directory its start command runs it in), the package scripts that command runs, the
 * source files that consume a queue themselves, and the consumer classes another file makes.
 */
function serviceProcessFacts(draft: Draft, dir: string, pkg: WorkspacePackage | null, stage: DockerStage | undefined, inForce: DockerInstruction[], { sourceFiles, entryFile, uwsgi }: { sourceFiles: string[]; entryFile: string | null; uwsgi: UwsgiServer | null }, sources: Map<string, SourceFacts>, deps: DescribeDeps, { image, env, imageFile }: DraftStart): Pick<Service, 'runtimeWrites' | 'startScripts' | 'consumerFiles' | 'importedConsumers' | 'processShutdown'> {
  const { files, read, workspacePackages } = deps;
  const cwd = serviceProcessCwd(draft.dockerfile, inForce, draft.compose, { packages: workspacePackages, servicePackage: pkg, env, read, ...(imageFile ? { imageFile } : {}) });
  const facts = startupFacts(draft, pkg, stage, sourceFiles, workspacePackages, files, read, imageFile);
  const environment = serviceEnvironment(draft, image);
  const setting = (name: string) => (environment[name] ?? []).map((s) => ({ text: s.value, file: s.file, line: s.line }));
  const started = [...facts.startup, ...(facts.scripts ?? []).map((s) => ({ ...s, line: 1 }))];
  facts.serverFiles = serverFiles(started, uwsgi, { cmdArgs: setting('GUNICORN_CMD_ARGS'), pm2Home: setting('PM2_HOME') }, imageFile, read);
  const consumerFiles = [...sources.entries()].filter(([, f]) => f.consumesQueue).map(([file]) => file);
  const imported = consumerFiles.length ? importedConsumers(sourceFiles, consumerFiles, read, (f) => sources.get(f)?.js?.imports) : [];
  const shared = consumerFiles.length ? processShutdown(entryFile, sourceFiles, sources, consumerFiles, imported.map((c) => c.file), read) : null;
  return {
    runtimeWrites: detectRuntimeWrites(dir, files, read, { ...facts, environment, cwd }),
    ...(cwd.known && cwd.scripts.length ? { startScripts: cwd.scripts } : {}),
    ...(consumerFiles.length ? { consumerFiles } : {}),
    ...(imported.length ? { importedConsumers: imported } : {}),
    ...(shared ? { processShutdown: shared } : {}),
  };
}

/**
 * The service's liveness-named routes, its own and those of shared factories it mounts, best first;
 * each marked when its handler checks a dependency and answers 503, or pings a datastore (a readiness route in disguise).
 */
function serviceHealthRoutes(routes: HealthRoute[], input: FactoryInput): HealthRoute[] {
  const own = routes.filter((r) => isLivenessRoute(r.path));
  // A factory's routes are served under the prefix of the call that mounts it, so that path wins over the bare one.
  const shared = factoryRoutes(input).filter((r) => isLivenessRoute(r.path));
  return [...own.filter((o) => !shared.some((r) => r.file === o.file && r.line === o.line)), ...shared]
    .sort((a, b) => preferHealthRoute(a.path, b.path))
    .map((r) => {
      const text = input.read(r.file);
      const check = text === null ? null : readinessCheck(text, r.line, r.file.endsWith('.py') ? 'python' : 'js');
      return check ? { ...r, checksDependency: check.line, answers503: check.answers503 } : r;
    });
}

/**
 * What NestJS establishes about the service's process: the lifecycle hooks that close something on
 * shutdown, and its TCP/gRPC microservice when no source file of it starts any other server.
 */
function nestServerFacts(facts: Map<string, SourceFacts>): Pick<Service, 'rpcServer' | 'shutdownHooks'> {
  const shutdownHooks = [...facts.entries()].flatMap(([file, f]) => (f.js?.lifecycleClosers ?? []).map((h) => ({ file, line: h.line })));
  const servers = [...facts.entries()].filter(([, f]) => f.listens);
  const [file, first] = servers[0] ?? [];
  const rpc = first?.js?.rpcServer;
  return { shutdownHooks, ...(rpc && file && servers.every(([, f]) => f.js?.rpcServer) ? { rpcServer: { ...rpc, file } } : {}) };
}

/** The liveness route to probe, the health routes that are readiness checks, and those whose mount prefix is not established. */
function healthRouteFacts(routes: HealthRoute[]): Pick<Service, 'healthRoute' | 'readinessRoutes' | 'unresolvedHealthRoutes' | 'blockedHealthRoutes'> {
  const mounted = routes.filter((r) => !r.unresolvedMount && !r.notProbed);
  const readiness = mounted.filter((r) => r.checksDependency !== undefined);
  const unresolved = routes.filter((r) => r.unresolvedMount);
  const blocked = routes.filter((r) => r.notProbed && !r.unresolvedMount);
  const live = mounted.filter((r) => r.checksDependency === undefined);
  return {
    // A route of the server on the service's port before one of a side server.
    healthRoute: live.find((r) => !r.sidePort) ?? live[0] ?? null,
    ...(readiness.length ? { readinessRoutes: readiness } : {}),
    ...(blocked.length ? { blockedHealthRoutes: blocked } : {}),
    ...(unresolved.length ? { unresolvedHealthRoutes: unresolved } : {}),
  };
}

/**
 * The service's role from the process it runs: {@link serviceRole}, except that a compose command
 * established to run something else than the image's server ({@link serverReplacedBy}) and
 * publishing no port is not that server: a worker when a file it runs consumes a queue, else a
 * process whose role ecsfix cannot establish (no port, no probe, no target group).
 */
function processRole(draft: Draft, parsed: ParsedDockerfile | null, stage: DockerStage | undefined, inForce: DockerInstruction[], pkg: WorkspacePackage | null, facts: Map<string, SourceFacts>, deps: DescribeDeps) {
  const found = serviceRole({ name: draft.name, facts, stage, inForce, cmdText: processCommand(stage, draft.compose), pkg, compose: draft.compose });
  const ran: string[] = [];
  const replacedBy = found.workerProcess ? null : replacedServerOf(draft, parsed, stage, inForce, pkg, facts, deps, ran);
  const replaced = replacedBy && ran.length ? { ...replacedBy, runs: [...new Set(ran)] } : replacedBy;
  if (!replaced || found.role !== 'http' || draft.compose?.containerPorts.length) return { ...found, replaced };
  const consumer = ran.some((path) => facts.get(path)?.consumesQueue);
  const runs = `its compose command (${replaced.file}:${replaced.line}) runs ${replaced.command} in place of the image's server`;
  return { ...found, replaced, role: (consumer ? 'worker' : 'unknown') as ServiceRole, reasons: [consumer ? `${runs}, and that consumes a queue` : `${runs}, which starts no server ecsfix can see`] };
}

/** The compose command that runs in place of the image's web server ({@link serverReplacedBy}), reading the scripts and source files it names (collected in `ran`). */
function replacedServerOf(draft: Draft, parsed: ParsedDockerfile | null, stage: DockerStage | undefined, inForce: DockerInstruction[], pkg: WorkspacePackage | null, facts: Map<string, SourceFacts>, deps: DescribeDeps, ran: string[] = []): ReplacedServer | null {
  if (!parsed || !stage) return null;
  const imageFile = repoFileAt(parsed, stage, draft.context, deps, draft.args, draft.dockerfile);
  return serverReplacedBy(inForce, draft.compose, pkg, (word) => {
    const path = imageFile(word);
    const text = path === null ? null : deps.read(path);
    if (path === null || text === null) return null;
    ran.push(path);
    if (!/\.(?:py|[cm]?[jt]s)$/.test(path)) return scriptStartsServer(text);
    return (facts.get(path) ?? scanSource(text, path.endsWith('.py') ? 'python' : 'js', path)).listens;
  });
}

/** A queue worker's health/metrics side server ({@link workerSideServer}), for a service whose role is http only because of it. */
function sideServerFact(role: ServiceRole, replaced: ReplacedServer | null, facts: Map<string, SourceFacts>, compose: ComposeService | null): Pick<Service, 'sideServer'> {
  const side = role === 'http' && !replaced ? workerSideServer(facts, compose) : null;
  return side ? { sideServer: side } : {};
}

/**
 * What the service's process establishes beyond its role: the worker CLI it runs, the fixed port its
 * gunicorn config binds, and what the uWSGI it runs serves on its port (src/repo/uwsgiConfig.ts).
 */
function processFacts(workerProcess: string | undefined, parsed: ParsedDockerfile | null, stage: DockerStage | undefined, draft: Draft, deps: DescribeDeps, image: ImageEnvironment, served: { uwsgi: UwsgiServer | null; port: number | null }): Pick<Service, 'workerProcess' | 'configBind' | 'uwsgiSocket' | 'daemonConfig'> {
  if (workerProcess) return { workerProcess };
  if (!parsed || !stage) return {};
  const gunicornConfig = gunicornConfigOf(parsed, stage, draft, deps, image);
  const configBind = gunicornConfigBind(gunicornConfig) ?? gunicornArgsBind(stage, draft, image);
  const daemonConfig = daemonizingConfig(gunicornConfig, served.uwsgi);
  return { ...uwsgiPortFacts(served.uwsgi, served.port), ...(configBind ? { configBind } : {}), ...(daemonConfig ? { daemonConfig } : {}) };
}

/** The config option that puts the server the process runs in the background: gunicorn.conf.py's `daemon = True`, uWSGI's `daemonize`. */
function daemonizingConfig(gunicorn: { file: string; text: string } | null, uwsgi: UwsgiServer | null): Service['daemonConfig'] | null {
  const daemon = gunicorn ? /^daemon[ \t]*=[ \t]*True\b/m.exec(gunicorn.text) : null;
  if (gunicorn && daemon) return { server: 'gunicorn', option: 'daemon = True', file: gunicorn.file, line: lineOfOffset(gunicorn.text, daemon.index) };
  const option = uwsgi?.options.find((o) => (o.name === 'daemonize' || o.name === 'daemonize2') && o.value.trim() !== '' && !/^(?:false|no|off|0)$/i.test(o.value.trim()));
  return option ? { server: 'uwsgi', option: `${option.name} = ${option.value.trim()}`, file: option.file, line: option.line } : null;
}

/** The uWSGI the service's process runs (its command line, the ini file it names in the image, its UWSGI_* variables); null when it runs none. */
function uwsgiServerOf(parsed: ParsedDockerfile, stage: DockerStage, draft: Draft, deps: DescribeDeps, image: ImageEnvironment): UwsgiServer | null {
  const imageFile = repoFileAt(parsed, stage, draft.context, deps, draft.args, draft.dockerfile);
  const start = uwsgiStart(stage, draft, deps, imageFile);
  if (!start) return null;
  const env = serviceEnvironment(draft, image);
  return uwsgiServer(
    start.command,
    start.at,
    (path) => {
      // After a `cd` in the start script, a relative path is not relative to the WORKDIR.
      const file = start.movedDirectory && !path.startsWith('/') ? null : imageFile(path);
      const text = file === null ? null : deps.read(file);
      return file === null || text === null ? null : { file, text };
    },
    (name) => {
      const settings = env[name] ?? [];
      return settings.find((x) => x.from === 'compose') ?? settings.at(-1) ?? null;
    },
  );
}

const RUNS_UWSGI = /(?:^|[\s/"'[])uwsgi(?![\w.-])/;

/** The command line that starts uwsgi and where it is: the process's command, else a line of the start script it runs (`exec uwsgi --ini uwsgi.ini`). */
function uwsgiStart(stage: DockerStage, draft: Draft, deps: DescribeDeps, imageFile: (imagePath: string) => string | null): { command: string; at: { file: string; line: number }; movedDirectory?: boolean } | null {
  const command = processCommand(stage, draft.compose);
  if (RUNS_UWSGI.test(command)) {
    const byCompose = draft.compose && (draft.compose.command !== undefined || draft.compose.entrypoint !== undefined);
    const cmd = stage.instructions.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').at(-1);
    return { command, at: byCompose && draft.compose ? (draft.compose.processAt ?? { file: draft.compose.file, line: draft.compose.line }) : { file: draft.dockerfile ?? '', line: cmd?.line ?? stage.from.line } };
  }
  const script = startScriptPath(draft.context, command, deps.files, imageFile);
  const lines = (script === null ? null : deps.read(script))?.split('\n') ?? [];
  // A line that runs it (`exec uwsgi ...`, `VAR=x /usr/local/bin/uwsgi ...`), not one that tests for it (`[ "$1" = "uwsgi" ]`).
  const at = lines.findIndex((l) => /^\s*(?:exec\s+)?(?:\w+=\S*\s+)*(?:\S*\/)?uwsgi(?:\s|$)/.test(l));
  if (script === null || at < 0) return null;
  let line = lines[at] ?? '';
  for (let i = at + 1; /\\\s*$/.test(line) && i < lines.length; i++) line = line.replace(/\\\s*$/, ' ') + lines[i];
  return { command: line, at: { file: script, line: at + 1 }, movedDirectory: lines.slice(0, at).some((l) => /(?:^|[;&|]\s*)cd\s/.test(l.trim())) || /(?:^|[;&|]\s*)cd\s/.test(line) };
}

/** A literal `--bind`/`-b` in GUNICORN_CMD_ARGS (compose's value, else the image's ENV) of a gunicorn started without one on its command line: it wins over the config file. */
function gunicornArgsBind(stage: DockerStage, draft: Draft, image: ImageEnvironment): Service['configBind'] | null {
  const command = processCommand(stage, draft.compose).replace(/[[\]",]/g, ' ');
  const at = /(?:^|[\s/])gunicorn\s/.exec(command);
  if (!at || /\s(?:-b|--bind)[\s=]/.test(command.slice(at.index))) return null;
  const settings = serviceEnvironment(draft, image).GUNICORN_CMD_ARGS ?? [];
  const s = settings.find((x) => x.from === 'compose') ?? settings.at(-1);
  const port = s && /(?:^|\s)(?:-b|--bind)[\s=]+[\w.[\]]*:(\d{2,5})\b/.exec(s.value)?.[1];
  return s && port ? { port: Number(port), file: s.file, line: s.line } : null;
}

/**
 * The gunicorn config file the service's process reads (src/repo/gunicornBind.ts), its bind marked
 * overridden when the command line or GUNICORN_CMD_ARGS (the image's ENV, compose) binds.
 */
function gunicornConfigOf(parsed: ParsedDockerfile, stage: DockerStage, draft: Draft, deps: DescribeDeps, image: ImageEnvironment) {
  const config = gunicornConfigRead(processCommand(stage, draft.compose), repoFileAt(parsed, stage, draft.context, deps, draft.args, draft.dockerfile), deps.read);
  const cmdArgs = serviceEnvironment(draft, image).GUNICORN_CMD_ARGS ?? [];
  return config && { ...config, cliBind: config.cliBind || cmdArgs.some((s) => /(?:^|\s)(?:-b|--bind)(?:[\s=]|$)/.test(s.value)) };
}

/**
 * The server start calls read by pattern (Python/Go/Rust, start scripts) and gunicorn's bind from a
 * variable in the config file it reads; and the source facts that are port evidence: not the
 * gunicorn config files the process does not read (one left beside a `fastapi run` CMD, or not copied).
 */
function serverStartFacts(language: ServiceLanguage, draft: Draft, dir: string, parsed: ParsedDockerfile | null, stage: DockerStage | undefined, cmdText: string, entryFile: string | null, facts: Map<string, SourceFacts>, deps: DescribeDeps, image: ImageEnvironment) {
  const imageFile = parsed && stage ? repoFileAt(parsed, stage, draft.context, deps, draft.args, draft.dockerfile) : undefined;
  const byPattern = listensByPattern(language, dir, deps, entryFile, [cmdText, draft.compose?.command ?? '', draft.compose?.entrypoint ?? ''].join(' '), imageFile);
  const config = parsed && stage ? gunicornConfigOf(parsed, stage, draft, deps, image) : null;
  const variableBind = gunicornVariableBind(config);
  if (variableBind) byPattern.unshift(variableBind);
  const uwsgi = parsed && stage ? uwsgiServerOf(parsed, stage, draft, deps, image) : null;
  byPattern.push(...uwsgiPatternListens(uwsgi));
  const unread = [...facts.keys()].filter((f) => f !== config?.file && f.endsWith('.py') && isGunicornConfig(f, deps.read(f) ?? ''));
  const read = unread.length ? new Map([...facts].filter(([f]) => !unread.includes(f))) : facts;
  const portFacts = runsServerCli([cmdText, draft.compose?.command ?? '', draft.compose?.entrypoint ?? ''].join(' ')) ? withoutMainBlocks(read, deps.read) : read;
  return { byPattern, portFacts, uwsgi };
}

/** The port reads of Python files outside their `if __name__ == "__main__":` block: a server CLI imports the module, that block never runs. */
function withoutMainBlocks(facts: Map<string, SourceFacts>, read: (rel: string) => string | null): Map<string, SourceFacts> {
  return new Map(
    [...facts].map(([file, f]) => {
      const main = file.endsWith('.py') && f.ports.length ? mainBlockLines(read(file) ?? '') : null;
      return [file, main ? { ...f, ports: f.ports.filter((h) => h.line < main.from || h.line > main.to) } : f];
    }),
  );
}

/** Python, Go and Rust are read by pattern (no parse): where the server starts and what its port argument reads. */
function listensByPattern(language: ServiceLanguage, dir: string, { files, read }: DescribeDeps, entryFile: string | null, startCommand: string, imageFile?: ImageFileAt) {
  if (language !== 'python' && language !== 'go' && language !== 'rust') return [];
  return [...serviceListensByPattern(dir, files, read, entryFile, startCommand), ...(language === 'python' ? scriptListens(dir, files, read, startCommand, imageFile) : [])];
}

/** What the container runs: compose `entrypoint` replaces the image's ENTRYPOINT and drops its CMD; compose `command` replaces the CMD. */
function processCommand(stage: DockerStage | undefined, compose: ComposeService | null): string {
  const image = (keyword: string) => stage?.instructions.filter((i) => i.keyword === keyword).at(-1)?.args ?? '';
  if (compose?.entrypoint !== undefined) return `${compose.entrypoint} ${compose.command ?? ''}`;
  return `${image('ENTRYPOINT')} ${compose?.command ?? image('CMD')}`;
}

/**
 * The variables the container gets: the deployed stage's ENV as the build expands it (a value the
 * build does not establish is kept as written: `/srv/$NAME`), and the service's compose `environment`
 * in every project that runs it, `${VAR:-default}` taken as compose does with VAR unset. A value
 * that still names a variable (`${LOG_DIR}` from the caller's shell) is kept as written: its path is
 * not established.
 */
function serviceEnvironment(draft: Draft, image: ImageEnvironment): ServiceEnvironment {
  const env: Record<string, EnvSetting[]> = {};
  for (const [name, v] of image) env[name] = [{ value: v.value ?? v.written ?? '', from: 'image', file: draft.dockerfile ?? '', line: v.line }];
  for (const compose of [draft.compose, ...draft.alsoComposedBy]) {
    if (!compose) continue;
    for (const [name, raw] of Object.entries(compose.environment)) {
      // A bare key passes the caller's variable through: its value is not in the repo.
      const value = raw === null ? `\${${name}}` : expandVariables(raw, () => null).text;
      const at = variableSetAt(compose, name) ?? { file: compose.file, line: compose.line };
      if (!(env[name] ?? []).some((s) => s.from === 'compose' && s.value === value)) env[name] = [...(env[name] ?? []), { value, from: 'compose', ...at }];
    }
  }
  return env;
}

/**
 * What the container runs at start (the image's CMD/ENTRYPOINT, compose `command`/`entrypoint`,
 * and the package.json scripts those run through npm/pnpm/yarn) and the code it runs: the
 * service's own sources and those of the workspace packages it depends on (a shared logger).
 */
function startupFacts(draft: Draft, pkg: WorkspacePackage | null, stage: DockerStage | undefined, sourceFiles: string[], packages: WorkspacePackage[], files: string[], read: (rel: string) => string | null, imageFile?: ImageFileAt): StartupFacts {
  const startup: StartupFacts['startup'] = [];
  for (const ins of stage?.instructions ?? []) if (ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') startup.push({ text: ins.args, file: draft.dockerfile ?? '', line: ins.line });
  for (const text of [draft.compose?.entrypoint, draft.compose?.command]) if (text && draft.compose) startup.push({ text, file: draft.compose.file, line: draft.compose.line });
  // The scripts those run (the image's entrypoint script, found through the COPY that put it there).
  const scriptFiles = new Set(startup.map((s) => startScriptPath(draft.context, s.text, files, imageFile)).filter((f): f is string => f !== null));
  const scripts = [...scriptFiles].map((file) => ({ file, text: read(file) ?? '' }));
  const commands = startup.map((s) => s.text.replace(/[[\]",]/g, ' ')).join('\n');
  for (const m of commands.matchAll(/\b(?:npm|pnpm|yarn)\s+(?:run(?:-script)?\s+)?([\w:.-]+)/g)) {
    const script = pkg?.scripts[m[1] ?? ''];
    if (script && pkg) startup.push({ text: script, file: pkg.dir ? `${pkg.dir}/package.json` : 'package.json', line: 1 });
  }
  const deps = pkg ? workspaceClosure(pkg.name, packages).filter((p) => p.name !== pkg.name && p.dir) : [];
  return { startup, sourceFiles: [...sourceFiles, ...importedPackageSources(sourceFiles, deps, files, read)], scripts, ...(imageFile ? { imageFile } : {}) };
}

/**
 * The sources of the workspace packages the code imports, directly or through another of them: a
 * package the manifest lists but no file imports (`@acme/logger` left in package.json) runs nothing.
 */
function importedPackageSources(sourceFiles: string[], deps: WorkspacePackage[], files: string[], read: (rel: string) => string | null): string[] {
  const sourcesOf = (p: WorkspacePackage) => filesUnder(files, p.dir + '/').filter((f) => SOURCE_EXT.test(f) && !TEST_PATH.test(f));
  const imports = (file: string, name: string) => {
    const text = read(file);
    return text !== null && text.includes(name) && new RegExp(`(?:from\\s*|require\\(\\s*|import\\(\\s*|import\\s+)['"]${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:/[^'"]*)?['"]`).test(text);
  };
  const scanned = [...sourceFiles];
  const found: string[] = [];
  const taken = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of deps) {
      if (taken.has(p.name) || !scanned.some((f) => imports(f, p.name))) continue;
      taken.add(p.name);
      const own = sourcesOf(p);
      scanned.push(...own);
      found.push(...own);
      grew = true;
    }
  }
  return [...new Set(found)].sort();
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
