/**
 * The repo model: everything a transform may know beyond the text of the file it edits. Built once
 * per run by {@link buildRepoModel} (the only place that reads the disk); transforms are pure
 * functions of (text, file, model).
 */
import type { ContextIgnore } from '../dockerfile/dockerignore.js';
import type { Finding } from '../findings/finding.js';
import type { ComposeModel, ComposeService } from './compose.js';
import type { DockerStage, ParsedDockerfile } from './dockerfile.js';
import type { PackageManagerInfo, RootPackage, WorkspacePackage } from './workspace.js';
import type { RuntimeWrite } from './runtimeWrites.js';
import type { ImageEnvironment } from './startVariables.js';
import type { CompletionWaiter, SharedVolume } from './composeProject.js';
import type { StartScriptRun } from './processCwd.js';
import type { ImportedConsumer } from './importedConsumers.js';
import type { LockfileFacts } from './lockfiles.js';
import type { ServiceListen } from '../source/facts.js';
import type { ModuleApi, PackageSources } from '../source/api.js';

export type ServiceRole = 'http' | 'worker' | 'frontend' | 'unknown';
export type ServiceLanguage = 'node' | 'python' | 'go' | 'rust' | 'static' | 'unknown';

export interface Evidence<T> {
  value: T;
  /** What says so, e.g. `compose port mapping`, `HEALTHCHECK URL`. */
  source: string;
  file: string;
  line: number;
}

/** Evidence about a service's port. */
export interface PortEvidence extends Evidence<number> {
  /**
   * A code default (`process.env.PORT || 3000`) for a variable the image's ENV or the deployed
   * compose environment sets to an established value (`PORT` `8080`, here): it never applies, so it
   * disagrees with nothing, and the port is the value the variable is set to.
   */
  neverApplies?: { variable: string; value: string };
}

export interface HealthRoute {
  path: string;
  file: string;
  line: number;
  /** The handler checks a dependency (database, Redis, broker) and answers 503 when it is down, or pings a datastore (a deep check): the line of that call. */
  checksDependency?: number;
  /** With {@link checksDependency}: whether the handler answers 503 itself (false: a datastore ping that fails the route with a 500 or a timeout). */
  answers503?: boolean;
  /** The route is on a router whose mount (prefix) ecsfix cannot establish: its URL is unknown, so it is never probed. */
  unresolvedMount?: { file: string; line: number; reason: string };
  /**
   * JS: the app instance the route is registered on, through its router mounts (file, variable),
   * `'nest'` for a NestJS controller route, null when the mounts do not establish it; absent for
   * code whose routes are not read per app (Python, Go, Next.js).
   */
  app?: { file: string; name: string; line?: number } | 'nest' | null;
  /**
   * Served by another server than the one on the service's port, which listens on this literal
   * port (the listen's file and line): the probe goes there.
   */
  sidePort?: { port: number; file: string; line: number };
  /** Established not to answer 200 to a probe (ECS183: on another server whose port is not established; ECS184: behind authentication), and why. */
  notProbed?: { code: 'ECS183' | 'ECS184'; reason: string };
}

/** A compose `command`/`entrypoint` that runs something other than the image's web server. */
export interface ReplacedServer {
  /** What compose runs (`celery -A config flower --port=5555`). */
  command: string;
  /** The image's ENTRYPOINT and CMD it replaces. */
  server: string;
  /** Where compose sets it. */
  file: string;
  line: number;
  /** The repo files it runs (`node src/jobs.js` -> api/src/jobs.js), as far as they are established. */
  runs?: string[];
}

export interface Service {
  name: string;
  /** Service directory relative to the root ('' for the root itself). */
  dir: string;
  /** Dockerfile relative to the root, null when the service has none. */
  dockerfile: string | null;
  /** Compose build context relative to the root (the Dockerfile's directory when not in compose). */
  buildContext: string;
  /** The stage that is deployed when named: compose `build.target`, else the `--target` the repo's build scripts/CI use. */
  target: string | null;
  compose: ComposeService | null;
  role: ServiceRole;
  roleReasons: string[];
  /** A queue worker or scheduler its command runs that handles SIGTERM itself (`celery worker`: warm shutdown). */
  workerProcess?: string;
  language: ServiceLanguage;
  port: number | null;
  portEvidence: PortEvidence[];
  /** Set when the compose projects that build this service disagree about its port (naming both): no port change. */
  portDispute?: string;
  /**
   * Set when the compose projects that build this service define its process differently (command,
   * entrypoint, env_file; naming both definitions and what differs): the task definition follows
   * `compose` (the first project's) and says so (ECS218).
   */
  definitionDispute?: { message: string; file: string; line: number };
  /**
   * Set when the base compose file and its docker-compose.override.yml name different non-dev
   * targets (naming both, file:line): the deployed stage is not established, so no Dockerfile change.
   */
  stageDispute?: string;
  /**
   * The deployed stage's ENV (its parents' included), each value as the build expands it with the
   * ARGs (their defaults, compose `build.args` over them) and ENVs before it; a value the build does
   * not establish (an ARG with no value) is null. Empty without a Dockerfile.
   */
  imageEnv: ImageEnvironment;
  entryFile: string | null;
  packageName: string | null;
  /** Workspace packages this service depends on, transitively, in build order. */
  workspaceDeps: string[];
  /**
   * Set when compose runs a command in place of the image's web server that starts none
   * (`celery -A config flower`): the server's health routes and fixed port are not this process's,
   * so it has no health route and nothing probes it.
   */
  serverReplacedBy?: ReplacedServer;
  /** The liveness route to probe: a health-named route whose handler does not depend on a database or cache. */
  healthRoute: HealthRoute | null;
  /** Health-named routes that check a dependency and answer 503 when it is down: readiness, never a liveness probe. */
  readinessRoutes?: HealthRoute[];
  /** Health-named routes a probe would not get a 200 from (another server whose port is not established, authentication): never probed. */
  blockedHealthRoutes?: HealthRoute[];
  /** Health-named routes on a router whose mount prefix is not established (each with the reason): not probed. */
  unresolvedHealthRoutes?: HealthRoute[];
  /**
   * The service's only server is a NestJS microservice on TCP or gRPC (file and line of its
   * `listen()`): it listens on its port, but not for HTTP, so neither an HTTP probe nor an ALB can reach it.
   */
  rpcServer?: { transport: 'TCP' | 'GRPC'; file: string; line: number };
  /** Source files read for the facts above. */
  sourceFiles: string[];
  /**
   * The service consumes a queue and its HTTP servers are only a side server of that worker: every
   * route of the service is a health or metrics one (/metrics, /health*, /ready*, /live*). Its role
   * stays `http` (the servers listen), but the worker shutdown applies to its consumer files.
   */
  sideServer?: { file: string; line: number; routes: string[] };
  /**
   * The server's `listen` calls (port default, the env var the port expression reads, file and
   * line), the entry file's first: JS/TS from the syntax tree, Python/Go/Rust by pattern
   * (`address`: the variable holds a whole listen address like `:8082`). Empty when no file listens.
   */
  listen?: (ServiceListen & { address?: boolean })[];
  /**
   * The env variable the server's port comes from, where the code says so: the JS/TS listen call's
   * (`process.env.SERVICE_PORT || 4004`), else a Python `os.getenv('ML_PORT', '9000')` /
   * `os.environ.get(...)` whose default is the service port. Absent when no code read was found.
   */
  portVariable?: Evidence<string> & { address?: boolean };
  /**
   * A config file the start command reads binds a literal port: gunicorn's `bind = "0.0.0.0:8000"`,
   * uWSGI's `http-socket = :8000` (`server` names it when it is not gunicorn). PORT is then ignored.
   */
  configBind?: { port: number; file: string; line: number; server?: string };
  /**
   * uWSGI serves the service and its port is not HTTP: a `socket`/`uwsgi-socket` speaks the uwsgi
   * binary protocol (what nginx's `uwsgi_pass` sends; an HTTP request there never gets a 200), where
   * the option says (`port` null: a unix socket). Or which protocol it speaks is not established
   * (`option` null, `because` says why). No HTTP probe, no ALB target group, no ENV PORT.
   */
  uwsgiSocket?: { port: number | null; option: string | null; protocol: string | null; file: string; line: number; because?: string };
  /**
   * A config the server reads puts it in the background (gunicorn.conf.py `daemon = True`, uWSGI's
   * `daemonize`/`daemonize2` in its ini or UWSGI_* variables): what check's ECS422 reads when that
   * server is the last command the container runs.
   */
  daemonConfig?: { server: 'gunicorn' | 'uwsgi'; option: string; file: string; line: number };
  /** NestJS providers that close a consumer or client in a lifecycle hook (run on SIGTERM only with enableShutdownHooks). */
  shutdownHooks?: { file: string; line: number }[];
  /**
   * The service's image holds several workspace packages (one Dockerfile that copies every app and
   * picks one at run time: `npm start --workspace=$WORKER`) and its start command does not establish
   * which one runs (why, and the start command's line). Nothing that depends on the code it runs
   * (its writes, its port, its role) is established: no change that needs it is made.
   */
  startPackageUnknown?: { because: string; file: string; line: number };
  /**
   * Deployed services of its compose project wait for it to exit successfully (`depends_on:
   * {migrate: {condition: service_completed_successfully}}`), each with where it says so: a job that
   * runs to completion, run once per deploy as a one-off task. It serves no traffic: no port mapping,
   * no probe, no target group, and it does not count among the processes an image's HEALTHCHECK probes.
   */
  runsToCompletion?: CompletionWaiter[];
  /** Named compose volumes it mounts that other deployed services of its project mount too (ECS418). */
  sharedVolumes?: SharedVolume[];
  /** Directories the service writes at runtime (e.g. Django STATIC_ROOT when start-up runs collectstatic). */
  runtimeWrites?: RuntimeWrite[];
  /** The package.json scripts its start command runs through npm/pnpm/yarn, hooks included (src/repo/processCwd.ts). */
  startScripts?: StartScriptRun[];
  /** Its source files that consume a queue themselves (a consumer class's module): the shutdown codemod handles each in its own run. */
  consumerFiles?: string[];
  /** Consumer classes of its consumer files that one other file makes and keeps (src/repo/importedConsumers.ts): stopped there. */
  importedConsumers?: ImportedConsumer[];
  /**
   * Its entry's process loads several consumer modules, or one and a SIGTERM handler in another of
   * its modules (src/repo/processShutdown.ts): a shutdown per module would race, so none is added.
   */
  processShutdown?: ProcessShutdown;
}

/** The consumers one process runs and the SIGTERM handlers it already has (src/repo/processShutdown.ts, review9 R33). */
export interface ProcessShutdown {
  entry: string;
  /** The consumer modules the process loads that would each get a handler of their own, and the consumer's line. */
  consumers: { file: string; line: number }[];
  /** SIGTERM handlers in the process's other modules (not a consumer module); `exits`: it calls process.exit. */
  handlers: { file: string; line: number; exits: boolean }[];
}

export interface UserConvention {
  user: string;
  group: string;
  uid: number | null;
  gid: number | null;
  /** Dockerfiles that follow it. */
  seenIn: string[];
}

export interface DockerfileEntry {
  path: string;
  parsed: ParsedDockerfile | null;
  /** Why it could not be read or parsed (ECS001/ECS003). */
  error: Finding | null;
  /** Services built from this Dockerfile. */
  services: string[];
}

export interface RepoModel {
  /** Absolute path of the directory the tool was given. */
  root: string;
  files: string[];
  services: Service[];
  dockerfiles: Map<string, DockerfileEntry>;
  composeFiles: string[];
  compose: ComposeModel;
  workspacePackages: WorkspacePackage[];
  /** The root package.json's `workspaces` globs and dependency names (what an npm or yarn install there covers), when it parses. */
  rootPackage?: RootPackage | null;
  packageManager: PackageManagerInfo;
  /** Every lockfile of the repo: committed or not, and (package-lock.json) in sync with its package.json. */
  lockfiles?: Map<string, LockfileFacts>;
  /** The files a clean clone has with the exec bit (src/repo/files.ts); absent when not known (a model of files given in memory). */
  executables?: Set<string>;
  /** The `.dockerignore` of each directory that has one ('' = the root), by directory: what a build from there leaves out. */
  dockerignores?: Map<string, ContextIgnore>;
  /** BuildKit's Dockerfile-specific ignore files (`<Dockerfile>.dockerignore`), by the Dockerfile's path: they replace the context's for builds of that Dockerfile (read them through contextIgnore in src/dockerfile/dockerignore.ts). */
  dockerfileIgnores?: Map<string, ContextIgnore>;
  /** The non-root user the repo's HTTP images already use (e.g. nodejs:1001). */
  userConvention: UserConvention | null;
  /**
   * What the model found wrong: conflicts, files it could not read or parse (those have an
   * {@link isFileError} code and make the run fail), reported by every command and in `--json`.
   */
  problems: Finding[];
  /** Files that do not parse and the directories whose changes may depend on them (see `unparsable.ts`). */
  unparsable: UnparsableReach[];
  /**
   * JS/TS workspace libraries the services depend on, by package name: what they export and what
   * their factories return (a consumer wrapper's stop method, a publisher's disconnect).
   */
  moduleApis?: Record<string, ModuleApi>;
  /** The same packages' source files, for the TypeScript checker where the declarations alone do not say (codemods/lib/type-api.ts). */
  moduleSources?: Record<string, PackageSources>;
}

/**
 * A file that does not parse (compose, package.json, pnpm-workspace.yaml) and its reach: the
 * directory, root-relative ('' = the whole repo), whose files' changes are withheld because they
 * may depend on what it would say.
 */
export interface UnparsableReach {
  file: string;
  affects: string;
}

/** The services built from a Dockerfile. */
export function servicesForFile(model: RepoModel, path: string): Service[] {
  return fileOwners(model).byDockerfile.get(path) ?? [];
}

/** The services whose sources include a file, in the model's order. */
export function servicesReading(model: RepoModel, path: string): Service[] {
  return fileOwners(model).bySource.get(path) ?? [];
}

/** The services built from a file or reading it, in the model's order. */
export function servicesOfFile(model: RepoModel, path: string): Service[] {
  const built = servicesForFile(model, path);
  const reading = servicesReading(model, path);
  if (!reading.length) return built;
  if (!built.length) return reading;
  return model.services.filter((s) => built.includes(s) || reading.includes(s));
}

interface FileOwners {
  byDockerfile: Map<string, Service[]>;
  bySource: Map<string, Service[]>;
}

const owners = new WeakMap<Service[], FileOwners>();

/** Which services each Dockerfile and source file belongs to: indexed once per model, not searched per file. */
function fileOwners(model: RepoModel): FileOwners {
  const hit = owners.get(model.services);
  if (hit) return hit;
  const index: FileOwners = { byDockerfile: new Map(), bySource: new Map() };
  const add = (map: Map<string, Service[]>, key: string, s: Service) => {
    const list = map.get(key);
    if (!list) map.set(key, [s]);
    else if (list[list.length - 1] !== s) list.push(s);
  };
  for (const s of model.services) {
    if (s.dockerfile !== null) add(index.byDockerfile, s.dockerfile, s);
    for (const f of s.sourceFiles) add(index.bySource, f, s);
  }
  owners.set(model.services, index);
  return index;
}

export type { DockerStage, RuntimeWrite };
