/**
 * The compose model: which services are built from which Dockerfile (context, dockerfile, target),
 * the container ports they publish and their environment, per compose project (a file with its
 * `include:`s, `extends:` and the overrides Compose merges into it; see {@link buildComposeModel}).
 * YAML merge keys (`<<: *anchor`) are honoured.
 */
import { posix } from 'node:path';
import { Composer, isScalar, Lexer, LineCounter, Parser, visit, YAMLParseError, type Document } from 'yaml';
import { DEV_STAGE } from './dockerfile.js';
import { envFileEntries } from './envFiles.js';
import { substitute } from '../dockerfile/expand.js';
import { composeEntries } from './composeEntries.js';

export interface ComposeBuild {
  /** Build context, relative to the repo root. */
  context: string;
  /** Dockerfile path relative to the repo root. */
  dockerfile: string;
  target: string | null;
  /**
   * Set when which stage is deployed is not established (`target` is Compose's merge): the base file
   * and a `docker-compose.override.yml` that shows no development name different targets and neither
   * is a dev stage (`base.target` null: the base file names none), or the
   * base file builds a dev stage and a deploy layer merged on top (`docker-compose.prod.yml`) that
   * adjusts the service names no target (`override.target` null).
   */
  targetDispute?: { base: LayerTarget; override: LayerTarget };
  /** Where `target` was set. */
  targetFrom?: TargetSource;
  /** `build.args` (map or list form); one Dockerfile often builds several services this way. */
  args: Record<string, string>;
}

export interface ComposeService {
  name: string;
  /** Compose file that defines it (the first one), relative to the repo root. */
  file: string;
  line: number;
  build: ComposeBuild | null;
  image: string | null;
  /** Container-side ports. */
  containerPorts: number[];
  /** What the container gets: the variables of its env files with `environment:` over them, as compose merges them. */
  environment: Record<string, string | null>;
  /** `env_file:` entries in force, in compose's order (a later file wins); absent when the service has none. */
  envFiles?: ComposeEnvFile[];
  /** `environment:` alone (what wins over the env files); set only beside `envFiles`, else it is `environment`. */
  declaredEnvironment?: Record<string, string | null>;
  /**
   * Where each `environment:` variable in force is set: the file and line of its key, in the base
   * file for one an `extends:` brings, at the `<<` line for one an anchor merges into `environment:`.
   * A variable only an env file sets is not here (see {@link variableSetAt}).
   */
  environmentAt?: Record<string, SetAt>;
  dependsOn: string[];
  /** The services it waits for to exit successfully (`depends_on: {x: {condition: service_completed_successfully}}`), with where that is said. */
  awaitsCompletion?: { service: string; file: string; line: number }[];
  hasHealthcheck: boolean;
  /** Volumes and bind mounts (`volumes:`), by container path; absent when the model predates it. */
  volumes?: ComposeVolume[];
  /** `command:` / `entrypoint:` as one line (list form joined), when the service sets them. */
  command?: string;
  entrypoint?: string;
  /** `profiles:`; a service with profiles starts only when one of them is enabled. */
  profiles?: string[];
  /** The same as argv, as the container gets them (a string is split like a shell would, as compose does). */
  commandArgs?: string[];
  entrypointArgs?: string[];
  /** Where the `command`/`entrypoint` in force is set (in the base file for one `extends:` brings; the service's line when an anchor brings it). */
  processAt?: { file: string; line: number };
  /** `working_dir:` (the process's working directory over the image's WORKDIR), as written, with where it is set. */
  workingDir?: { value: string; file: string; line: number };
  /** The `extends:` bases merged under it (file and service name), the deepest first; absent when it extends none. */
  extendsFrom?: { file: string; service: string }[];
  /**
   * The environment, command, entrypoint and volumes without what the local-development layer set
   * over an earlier file (see {@link isDevLayer}): what a deployment runs. Absent when no such layer
   * merges into the service.
   */
  deployed?: ServiceProcess & {
    devLayer: string;
    /** The volumes without the dev layer's ({@link deployedVolumes}). */
    volumes?: ComposeVolume[];
    /** The `build.target` the dev layer names, which does not decide the deployed stage (`build.target` keeps the earlier files'). */
    devTarget?: string;
  };
}

/** The part of a service's definition that decides how its process runs: what the dev layer must not hand to a deployment. */
export type ServiceProcess = Pick<ComposeService, 'environment' | 'envFiles' | 'declaredEnvironment' | 'environmentAt' | 'command' | 'commandArgs' | 'entrypoint' | 'entrypointArgs' | 'processAt' | 'workingDir'>;

/** One `env_file:` entry of a service (string, list, or the long `{ path, required }` form). */
export interface ComposeEnvFile {
  /** The env file, relative to the repo root (the entry is relative to the compose file that writes it). */
  path: string;
  /** False for `required: false`: compose starts without the file. */
  required: boolean;
  /** The compose file and line of the entry. */
  file: string;
  line: number;
  /** Its variables when the repo has the file (listed by git: tracked, or untracked and not ignored); null when git ignores it or it does not exist. */
  variables: Record<string, string> | null;
  /** The line of the env file that sets each of its variables. */
  lines?: Record<string, number>;
  /** Whether the file exists in the work tree (a file git ignores does; it is still not the repo's). */
  onDisk: boolean;
  /** The .gitignore line that ignores it, when the repo does not have it because git ignores it (`cp .env.example .env`). */
  ignoredBy?: string;
}

/** A file and line of the repo. */
export interface SetAt {
  file: string;
  line: number;
}

/**
 * Where the variable `name` the process gets is set: its `environment:` key ({@link
 * ComposeService.environmentAt}), else the line of the last env file that sets it. Null when
 * neither sets it.
 */
export function variableSetAt(process: ServiceProcess, name: string): SetAt | null {
  const declared = process.environmentAt?.[name];
  if (declared) return declared;
  const envFile = (process.envFiles ?? []).filter((f) => f.variables && name in f.variables).at(-1);
  return envFile ? { file: envFile.path, line: envFile.lines?.[name] ?? 1 } : null;
}

/** An env file's text when the repo has it, whether it exists in the work tree, and the .gitignore line that ignores it. */
export type EnvFileReader = (rel: string) => { text: string | null; onDisk: boolean; ignoredBy?: string | null };

const DEV_PROFILE = /^(?:dev|develop|development|local|test|tests|testing|debug)$/i;

/**
 * A service Compose starts only under development profiles (`profiles: [dev]`), or under some
 * profile while building a dev stage: a local-development container, not something ECS runs.
 * A non-default profile alone is not enough (`profiles: [workers]` is an opt-in deployable group).
 */
export function developmentOnly(svc: ComposeService): boolean {
  const profiles = svc.profiles ?? [];
  if (profiles.length === 0) return false;
  return profiles.every((p) => DEV_PROFILE.test(p)) || (svc.build?.target != null && DEV_STAGE.test(svc.build.target));
}

/** A `build.target` and the file and line that set it. */
export interface TargetSource {
  target: string;
  file: string;
  line: number;
}

/** The target a layer merged on top of the base file sets for a service (null: it sets none; the line is the service's). */
export interface LayerTarget {
  target: string | null;
  file: string;
  line: number;
}

export interface ComposeVolume {
  /** Host path or named volume; null for an anonymous volume. */
  source: string | null;
  /** Container path. */
  target: string;
  readOnly: boolean;
  /** The compose file that declares it (an override file's own mounts name the override). */
  file?: string;
}

export interface ComposeModel {
  files: string[];
  /** The services of every project, in project order (a name may appear in several projects). */
  services: ComposeService[];
  projects: ComposeProject[];
}

export class ComposeSyntaxError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const COMPOSE_FILE = /^(docker-)?compose(\.[\w-]+)*\.ya?ml$/i;

export function isComposeFileName(name: string): boolean {
  return COMPOSE_FILE.test(name);
}

/** The last compose texts parsed, with their documents: the model, compose-secret-defaults and the plan's output check read the same texts. */
const composeDocuments = new Map<string, ComposeDocument>();

/**
 * A compose text's YAML document (merge keys honoured, duplicate keys kept; see
 * {@link hasDuplicateKey}), parsed once for all its readers. Read-only. `tokens` are yaml's lexer's,
 * kept for {@link composeTokens}.
 */
export function composeDocument(text: string): ComposeDocument {
  const hit = composeDocuments.get(text);
  if (hit) return hit;
  const lineCounter = new LineCounter();
  const tokens = [...new Lexer().lex(text)];
  const parsed = { doc: documentOf(text, tokens, lineCounter), lineCounter, tokens };
  composeDocuments.set(text, parsed);
  if (composeDocuments.size > 4) composeDocuments.delete(composeDocuments.keys().next().value as string);
  return parsed;
}

export interface ComposeDocument {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  tokens: readonly string[];
}

const DOCUMENT_OPTIONS = { merge: true, prettyErrors: false, uniqueKeys: false } as const;

/**
 * What yaml's `parseDocument(text, { ...DOCUMENT_OPTIONS, lineCounter })` returns, from the text's
 * lexer tokens (its parser reading a token list is yaml's documented way to bring one's own lexer).
 */
function documentOf(text: string, tokens: readonly string[], lineCounter: LineCounter): Document.Parsed {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0); // Parser.parse's first call, made before it lexes
  function* cst() {
    for (const token of tokens) yield* parser.next(token);
    yield* parser.end();
  }
  let doc: Document.Parsed | null = null;
  for (const next of new Composer(DOCUMENT_OPTIONS).compose(cst(), true, text.length)) {
    if (!doc) doc = next;
    else {
      // parseDocument's error for a second document
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return doc as Document.Parsed; // compose(…, true) always ends with a document
}

/** yaml's lexer tokens of a compose text: those of its parse when it is the one cached, else lexed now. */
export function composeTokens(text: string): readonly string[] {
  return composeDocuments.get(text)?.tokens ?? [...new Lexer().lex(text)];
}

const cleanDocuments = new WeakMap<Document, boolean>();

/** A document without parse errors or a repeated key (remembered per document: several readers ask). */
export function parsesClean(doc: Document): boolean {
  let clean = cleanDocuments.get(doc);
  if (clean === undefined) cleanDocuments.set(doc, (clean = doc.errors.length === 0 && !hasDuplicateKey(doc)));
  return clean;
}

/**
 * Whether a map of the document has a key twice: what yaml's `uniqueKeys` reports as an error
 * (equal scalar values). Each `<<` merge key is its own symbol in the shared parse, so repeated
 * merge keys are allowed, as yaml allows them with `merge`.
 */
export function hasDuplicateKey(doc: Document): boolean {
  let found = false;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        const id = isScalar(key) ? key.value : key;
        if (seen.has(id)) {
          found = true;
          return visit.BREAK;
        }
        seen.add(id);
      }
      return undefined;
    },
  });
  return found;
}

export function parseComposeText(text: string, file: string): { value: Record<string, unknown>; lineOf(key: string): number; keyLineOf(key: string, path: (string | number)[]): number } {
  const { doc, lineCounter } = composeDocument(text);
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
    throw new ComposeSyntaxError(error.message.split('\n')[0] ?? error.message, file, line);
  }
  // yaml refuses documents whose aliases expand past a count (its guard against alias bombs, which
  // grow exponentially). A large compose file that merges one `x-` anchor into each of its services
  // grows linearly, so the limit grows with the text: 1,700 services merging `<<: *node-service`
  // pass, a bomb still outgrows it within a few levels and is reported as the file's error.
  let value: Record<string, unknown>;
  try {
    value = (doc.toJS({ maxAliasCount: Math.max(1000, text.length) }) ?? {}) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new ComposeSyntaxError(`${e.message} (its aliases expand too far)`, file, 1);
  }
  const services = doc.get('services', true) as { items?: { key: { value?: unknown; range?: [number] } }[] } | undefined;
  const lines = new Map<string, number>();
  for (const item of services?.items ?? []) {
    const key = item.key;
    if (key && typeof key.value === 'string' && key.range) lines.set(key.value, lineCounter.linePos(key.range[0]).line);
  }
  const lineOf = (key: string) => lines.get(key) ?? 1;
  // A key under the service (`build.target`, `command`); the service's line when a merge key (`<<: *anchor`) brings it.
  const keyLineOf = (key: string, path: (string | number)[]) => {
    const node = doc.getIn(['services', key, ...path], true) as { range?: [number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : lineOf(key);
  };
  return { value: typeof value === 'object' && value !== null ? value : {}, lineOf, keyLineOf };
}

export function parsePortSpec(spec: unknown): number | null {
  if (typeof spec === 'number') return spec;
  if (typeof spec === 'string') {
    const noProto = spec.split('/')[0] ?? '';
    const parts = noProto.split(':');
    const container = parts[parts.length - 1] ?? '';
    const n = Number(container.split('-')[0]);
    return Number.isInteger(n) && n > 0 ? n : null;
  }
  if (spec && typeof spec === 'object' && 'target' in spec) return parsePortSpec((spec as { target: unknown }).target);
  return null;
}

/**
 * A compose value as compose interpolates it when the variable is not set in the caller's shell:
 * `${NODE_VERSION:-22}` gives its default, `${NODE_VERSION}` a value the repo does not establish
 * (null), `$$` a literal dollar.
 */
export function interpolatedUnset(raw: string): string | null {
  return raw.includes('$') ? (substitute(raw.replace(/\$\$/g, '\0'), () => null)?.replace(/\0/g, '$') ?? null) : raw;
}

function environmentOf(raw: unknown): Record<string, string | null> {
  const env: Record<string, string | null> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      if (typeof entry !== 'string') continue;
      const eq = entry.indexOf('=');
      if (eq < 0) env[entry] = null;
      else env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else if (raw && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) env[key] = value === null || value === undefined ? null : String(value);
  }
  return env;
}

function buildOf(raw: unknown, composeDir: string): ComposeBuild | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') {
    const context = posix.normalize(posix.join(composeDir, raw));
    return { context, dockerfile: posix.join(context, 'Dockerfile'), target: null, args: {} };
  }
  if (typeof raw === 'object') {
    const b = raw as { context?: unknown; dockerfile?: unknown; target?: unknown; args?: unknown };
    const context = posix.normalize(posix.join(composeDir, typeof b.context === 'string' ? b.context : '.'));
    const dockerfile = typeof b.dockerfile === 'string' ? b.dockerfile : 'Dockerfile';
    return {
      context,
      dockerfile: posix.normalize(posix.join(context, dockerfile)),
      target: typeof b.target === 'string' ? b.target : null,
      args: Object.fromEntries(Object.entries(environmentOf(b.args)).filter((e): e is [string, string] => e[1] !== null)),
    };
  }
  return null;
}

function volumesOf(raw: unknown, file?: string): ComposeVolume[] {
  if (!Array.isArray(raw)) return [];
  const out: ComposeVolume[] = [];
  for (const v of raw) {
    if (typeof v === 'string') {
      const parts = v.split(':');
      const mode = parts.length === 3 ? (parts[2] ?? '') : parts.length === 2 && !parts[1]?.startsWith('/') ? (parts[1] ?? '') : '';
      const paths = mode ? parts.slice(0, -1) : parts;
      const target = paths[paths.length - 1] ?? '';
      if (target) out.push({ source: paths.length > 1 ? (paths[0] ?? null) : null, target, readOnly: /(^|,)ro(,|$)/.test(mode), ...(file ? { file } : {}) });
    } else if (v && typeof v === 'object') {
      const o = v as { source?: unknown; target?: unknown; read_only?: unknown };
      if (typeof o.target === 'string') out.push({ source: typeof o.source === 'string' ? o.source : null, target: o.target, readOnly: o.read_only === true, ...(file ? { file } : {}) });
    }
  }
  return out;
}

/**
 * An override file (docker-compose.prod.yml) that sets only `build.args` or `build.target` keeps
 * the base file's context and dockerfile, as `docker compose -f base -f override` does.
 */
function mergeBuild(existing: ComposeBuild | null, raw: unknown, dir: string): ComposeBuild | null {
  const own = buildOf(raw, dir);
  if (!own || !existing || typeof raw !== 'object' || raw === null) return own ?? existing;
  const b = raw as { context?: unknown; dockerfile?: unknown; target?: unknown };
  if (b.context !== undefined || b.dockerfile !== undefined) return own;
  return { ...existing, target: typeof b.target === 'string' ? b.target : existing.target, args: { ...existing.args, ...own.args } };
}

/**
 * A `build.target` set by a layer merged on top of the base file. The local-development layer
 * ({@link isDevLayer}: docker-compose.dev.yml, or a docker-compose.override.yml showing development)
 * never says what is deployed, whatever stage it names (the Turborepo `installer`, a `build` stage):
 * the target stays the base file's (or none: the build scripts' `--target`, the production-named
 * stage, the last one). Neither does a dev stage (`dev`, `development`, `debug`, `test`, `local`),
 * whichever layer sets it. A `docker-compose.override.yml` that shows no development and names
 * another non-dev stage than the base file's (or one where the base file names none) wins as in
 * Compose, and the build records the dispute: Compose merges it by default, yet by convention it is
 * the local layer. Any other layer (`docker-compose.prod.yml` with `build: { target: prod }`) is how
 * the deployed image is built: its target decides.
 */
function layerTargetBuild(before: ComposeBuild | null, merged: ComposeBuild | null, layer: TargetSource, devLayer: boolean, service: { file: string; line: number } | null): ComposeBuild | null {
  if (!merged || merged.target !== layer.target || before?.target === layer.target) return merged;
  if (DEV_STAGE.test(layer.target) || (devLayer && before)) return { ...merged, target: before?.target ?? null };
  if (!DEFAULT_OVERRIDE.test(posix.basename(layer.file)) || !before || !service) return merged;
  const base = before.targetFrom ?? null;
  if (base && DEV_STAGE.test(base.target)) return merged;
  return { ...merged, targetDispute: { base: base ?? { target: null, file: service.file, line: service.line }, override: layer } };
}

/** Environment values that say a layer runs the service for development (`NODE_ENV: development`). */
const DEV_ENV_NAME = /^(?:NODE_ENV|APP_ENV|ENV|ENVIRONMENT|RAILS_ENV|RACK_ENV|FLASK_ENV|DJANGO_ENV|PYTHON_ENV|GO_ENV|MIX_ENV|ASPNETCORE_ENVIRONMENT)$/;
const DEV_ENV_VALUE = /^(?:dev|develop|development|local)$/i;
/** Command words of a development server: a `dev`/`start:dev` script, watch mode, auto-reload, Django's runserver. */
const DEV_COMMAND_WORD = /^(?:dev|start:dev|develop|watch|--watch|--reload|nodemon|ts-node-dev|runserver)$/;

/** A service definition that runs for development: a dev stage, a development environment, or a dev-server command. */
function developmentDefinition(def: Record<string, unknown>): boolean {
  const build = def.build;
  const target = build && typeof build === 'object' ? (build as { target?: unknown }).target : undefined;
  if (typeof target === 'string' && DEV_STAGE.test(target)) return true;
  if (Object.entries(environmentOf(def.environment)).some(([name, value]) => DEV_ENV_NAME.test(name) && value !== null && DEV_ENV_VALUE.test(value))) return true;
  return ['command', 'entrypoint'].some((key) => (typeof def[key] === 'string' || Array.isArray(def[key])) && commandArgs(def[key]).some((w) => DEV_COMMAND_WORD.test(w)));
}

/**
 * The local-development layer merged over the project's file: a file named for development or tests
 * (`docker-compose.dev.yml`), or a `docker-compose.override.yml` that shows development for one of
 * its services: it builds a dev stage, sets `NODE_ENV: development` (or the like), or runs a dev
 * server (`pnpm --filter api dev`, `--watch`, `--reload`). Its build target ({@link layerTargetBuild}),
 * environment, command, working directory and volumes are the developer's, not the deployment's.
 */
function isDevLayer(file: string, services: Record<string, Record<string, unknown>>): boolean {
  if (DEV_LAYER.test(posix.basename(file))) return true;
  if (!DEFAULT_OVERRIDE.test(posix.basename(file))) return false;
  return Object.values(services).some(developmentDefinition);
}

/**
 * A deploy layer (an override that is neither `docker-compose.override.yml` nor named for
 * development, like `docker-compose.prod.yml` tagging every image) adjusts a service the base file
 * builds from a dev stage, and names no target of its own: Compose would push the dev stage, which
 * is not what a production layer means to deploy. Which stage is deployed is not established.
 */
function deployLayerWithoutTarget(build: ComposeBuild | null, layer: ParsedComposeFile, name: string): ComposeBuild | null {
  const from = build?.targetFrom;
  if (!build || !from || build.targetDispute || !DEV_STAGE.test(from.target) || from.file === layer.file) return build;
  if (DEFAULT_OVERRIDE.test(posix.basename(layer.file)) || DEV_LAYER.test(posix.basename(layer.file))) return build;
  return { ...build, targetDispute: { base: from, override: { target: null, file: layer.file, line: layer.lineOf(name) } } };
}

/** The `depends_on` entries with `condition: service_completed_successfully`: one-off jobs this service starts after. */
function completionsOf(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  return Object.entries(raw as Record<string, unknown>)
    .filter(([, v]) => !!v && typeof v === 'object' && (v as { condition?: unknown }).condition === 'service_completed_successfully')
    .map(([k]) => k);
}

function dependsOnOf(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((x): x is string => typeof x === 'string');
  if (raw && typeof raw === 'object') return Object.keys(raw);
  return [];
}

interface ParsedComposeFile {
  file: string;
  dir: string;
  services: Record<string, Record<string, unknown>>;
  includes: string[];
  /** The local-development layer ({@link isDevLayer}). */
  devLayer: boolean;
  lineOf(key: string): number;
  keyLineOf(key: string, path: (string | number)[]): number;
  /** The line of a service's `environment:` variable ({@link composeEntries}); null when the service sets none by that name. */
  envLineOf(service: string, key: string): number | null;
}

/** A compose file's services, includes and lines ({@link parseComposeText}); throws {@link ComposeSyntaxError}. */
function parseComposeFile(file: string, text: string): ParsedComposeFile {
  const { value, lineOf, keyLineOf } = parseComposeText(text, file);
  let envLines: Map<string, number> | null = null;
  const envLineOf = (service: string, key: string) => {
    envLines ??= new Map(composeEntries(file, text, composeDocument(text)).environment.map((e) => [`${e.service}\0${e.key}`, e.line]));
    return envLines.get(`${service}\0${key}`) ?? null;
  };
  const dir = posix.dirname(file);
  const includes: string[] = [];
  for (const inc of Array.isArray(value.include) ? value.include : []) {
    const paths = typeof inc === 'string' ? [inc] : inc && typeof inc === 'object' ? [(inc as { path?: unknown }).path].flat() : [];
    for (const p of paths) if (typeof p === 'string') includes.push(posix.normalize(posix.join(dir, p)));
  }
  const rawServices = value.services && typeof value.services === 'object' ? (value.services as Record<string, unknown>) : {};
  const services: Record<string, Record<string, unknown>> = {};
  for (const [name, def] of Object.entries(rawServices)) services[name] = (def && typeof def === 'object' ? def : {}) as Record<string, unknown>;
  return { file, dir, services, includes, devLayer: isDevLayer(file, services), lineOf, keyLineOf, envLineOf };
}

/** One compose project: a file, what it includes, and the overrides Compose itself would merge into it. */
export interface ComposeProject {
  /** The project's own file (what `docker compose` run in its directory, or `-f` first, reads). */
  file: string;
  /** Override files merged on top, in order (`docker-compose.override.yml`, `-f a -f b` pairs). */
  overrides: string[];
  services: ComposeService[];
}

const DEFAULT_FILE = /^(?:docker-)?compose\.ya?ml$/i;
const DEFAULT_OVERRIDE = /^(?:docker-)?compose\.override\.ya?ml$/i;
/** A layer named for local development or tests (docker-compose.dev.yml, compose.debug.yaml). */
const DEV_LAYER = /(?:^|[.-])(?:dev|develop|development|debug|test|tests|testing|local)(?:[.-]|\.ya?ml$)/i;

/**
 * `-f a -f b` pairs the repo's own scripts, Makefile and CI use (`docker compose -f docker-compose.yml
 * -f docker-compose.prod.yml up`), and `COMPOSE_FILE=a.yml:b.yml` in a `.env`, as lists of compose
 * files relative to the root. A path is resolved against the script's directory, then the root; only
 * lists of compose files that exist count. A single `-f a.yml` is a list of one: the file is run by
 * itself (so it is no `extends:` template, see {@link extendsTemplates}).
 */
export function composeFilePairs(files: string[], read: (rel: string) => string | null): string[][] {
  const fileSet = new Set(files);
  const scripts = files.filter(
    (f) =>
      /(?:^|\/)(?:Makefile|makefile|GNUmakefile|[\w.-]+\.mk|[\w.-]+\.sh|package\.json|Justfile|justfile|Taskfile\.ya?ml|\.gitlab-ci\.ya?ml|\.env)$/.test(f) ||
      /^\.github\/workflows\/[^/]+\.ya?ml$/.test(f),
  );
  const pairs: string[][] = [];
  for (const script of scripts) {
    if (script.includes('node_modules/')) continue;
    const text = read(script);
    if (!text || !/compose|COMPOSE_FILE/.test(text)) continue;
    const dir = posix.dirname(script);
    const lists = [...text.matchAll(/docker[- ]compose((?:\s+(?:-f|--file)(?:\s+|=)["']?[\w./${}-]+["']?)+)/g)].map((m) =>
      [...(m[1] ?? '').matchAll(/(?:-f|--file)(?:\s+|=)["']?([\w./${}-]+)["']?/g)].map((f) => f[1] ?? ''),
    );
    if (posix.basename(script) === '.env') for (const m of text.matchAll(/^COMPOSE_FILE=["']?([^"'\s#]+)/gm)) lists.push((m[1] ?? '').split(':'));
    for (const paths of lists) {
      const resolved = paths.map((p) => [posix.normalize(posix.join(dir, p)), posix.normalize(p)].find((c) => fileSet.has(c)) ?? null);
      if (resolved.length > 0 && resolved.every((r): r is string => r !== null) && !pairs.some((q) => q.join('\0') === resolved.join('\0'))) pairs.push(resolved);
    }
  }
  return pairs;
}

/**
 * Builds the compose model from compose files (paths relative to the root), as Docker Compose does:
 * every file is its own project (with the files it `include:`s and the services it `extends:`),
 * except the overrides Compose itself merges into another file: `docker-compose.override.yml`
 * beside `docker-compose.yml`, the later files of a `-f a -f b` pair the repo's scripts use, and a
 * partial file beside a default one (`docker-compose.prod.yml` whose services all exist in
 * `docker-compose.yml` and cannot run alone). Files in different directories are never merged by
 * service name. `read` returns a file's text or null when it does not exist; `readEnv` reads the
 * env files services name (`env_file:`), by default with `read`; syntax errors propagate as
 * {@link ComposeSyntaxError}.
 */
export function buildComposeModel(
  files: string[],
  read: (rel: string) => string | null,
  pairs: string[][] = [],
  readEnv: EnvFileReader = (rel) => {
    const text = read(rel);
    return { text, onDisk: text !== null };
  },
): ComposeModel {
  const parsedFiles = new Map<string, ParsedComposeFile | null>();
  const order: string[] = [];
  const parse = (file: string): ParsedComposeFile | null => {
    if (parsedFiles.has(file)) return parsedFiles.get(file) ?? null;
    parsedFiles.set(file, null);
    const text = read(file);
    if (text === null) return null;
    order.push(file);
    const parsed = parseComposeFile(file, text);
    parsedFiles.set(file, parsed);
    for (const inc of parsed.includes) parse(inc);
    return parsed;
  };
  for (const file of files) parse(file);

  /** Merges one file (its includes first) into a project's services; `layer`: an override merged on top of the project's file. */
  const mergeFile = (file: string, into: Map<string, ComposeService>, seen: Set<string>, layer: boolean) => {
    if (seen.has(file)) return;
    seen.add(file);
    const parsed = parse(file);
    if (!parsed) return;
    for (const inc of parsed.includes) mergeFile(inc, into, seen, layer);
    for (const name of Object.keys(parsed.services)) {
      const merged = mergeService(into.get(name) ?? null, name, parsed, resolveExtends(parsed, name, parse, 0), layer, readEnv);
      into.set(name, merged);
    }
  };
  const projectOf = (file: string, overrides: string[]): ComposeProject => {
    const services = new Map<string, ComposeService>();
    const seen = new Set<string>();
    for (const f of [file, ...overrides]) mergeFile(f, services, seen, f !== file);
    return { file, overrides, services: [...services.values()] };
  };

  // Which files are overrides of which project file.
  const overridesOf = new Map<string, string[]>();
  const isOverride = new Set<string>();
  const addOverride = (base: string, override: string) => {
    if (base === override) return;
    const list = overridesOf.get(base) ?? [];
    if (!list.includes(override)) list.push(override);
    overridesOf.set(base, list);
    isOverride.add(override);
  };
  for (const pair of pairs) {
    const [base, ...rest] = pair;
    if (base && parse(base)) for (const o of rest) if (parse(o)) addOverride(base, o);
  }
  for (const file of files) {
    const name = posix.basename(file);
    const dir = posix.dirname(file);
    const base = files.find((f) => f !== file && posix.dirname(f) === dir && DEFAULT_FILE.test(posix.basename(f)));
    if (!base || DEFAULT_FILE.test(name) || isOverride.has(file)) continue;
    if (DEFAULT_OVERRIDE.test(name)) addOverride(base, file);
    else if (isOverrideLayer(parse(file), projectOf(base, []))) addOverride(base, file);
  }

  const templates = extendsTemplates(files, parse, pairs);
  const projects = files.filter((f) => !isOverride.has(f) && !templates.has(f) && parse(f)).map((f) => projectOf(f, overridesOf.get(f) ?? []));
  return { files: order, services: projects.flatMap((p) => p.services), projects };
}

/**
 * Compose files that are only `extends:` templates (the Docker docs' `common-services.yml`,
 * `deploy/compose.base.yml` with `api-base: {build: …}`): every service of the file is the base of
 * another service's `extends:` from a compose file that is not a development layer, and nothing runs
 * the file by itself: it is not a default file (`docker-compose.yml`, which `docker compose` reads in
 * its directory), no other file `include:`s it, and no script, Makefile, CI job or `.env`
 * COMPOSE_FILE names it ({@link composeFilePairs}). Its services are deployed only through the ones
 * that extend them (review6 R14).
 */
function extendsTemplates(files: string[], parse: (file: string) => ParsedComposeFile | null, pairs: string[][]): Set<string> {
  const named = new Set(pairs.flat());
  const included = new Set<string>();
  const bases = new Map<string, Set<string>>();
  for (const file of files) {
    const parsed = parse(file);
    if (!parsed) continue;
    for (const inc of parsed.includes) included.add(inc);
    if (DEV_LAYER.test(posix.basename(file))) continue;
    for (const def of Object.values(parsed.services)) {
      const ext = def.extends;
      if (!ext || typeof ext !== 'object' || typeof (ext as { file?: unknown }).file !== 'string' || typeof (ext as { service?: unknown }).service !== 'string') continue;
      const target = posix.normalize(posix.join(parsed.dir, (ext as { file: string }).file));
      if (target === file) continue;
      const set = bases.get(target) ?? new Set<string>();
      set.add((ext as { service: string }).service);
      bases.set(target, set);
    }
  }
  const templates = new Set<string>();
  for (const file of files) {
    const extended = bases.get(file);
    const parsed = extended && parse(file);
    if (!parsed || DEFAULT_FILE.test(posix.basename(file)) || named.has(file) || included.has(file)) continue;
    const names = Object.keys(parsed.services);
    if (names.length > 0 && names.every((n) => extended.has(n))) templates.add(file);
  }
  return templates;
}

/**
 * A file that only adjusts services of the default file beside it: every service it names exists
 * there, and either none of them has a build context or Dockerfile of its own (it retags images,
 * picks a `build.target`, adds replicas: `docker-compose.prod.yml` setting `image:` for every service
 * is the usual production layer) or at least one of them has neither an image, a build of its own
 * nor `extends:` (so the file cannot run alone). A file that defines its own builds for the same
 * names, or services the default file lacks, is a project of its own.
 */
function isOverrideLayer(parsed: ParsedComposeFile | null, base: ComposeProject): boolean {
  if (!parsed) return false;
  const names = Object.keys(parsed.services);
  if (names.length === 0 || !names.every((n) => base.services.some((s) => s.name === n))) return false;
  const ownBuild = (def: Record<string, unknown>) => {
    const build = def.build;
    return typeof build === 'string' || (build !== null && typeof build === 'object' && ('context' in build || 'dockerfile' in build));
  };
  const defs = names.map((n) => parsed.services[n] ?? {});
  return defs.every((def) => !ownBuild(def)) || defs.some((def) => def.image === undefined && !ownBuild(def) && def.extends === undefined);
}

/**
 * A service definition with its `extends:` base merged under it: each layer with the file and
 * service that define it (the base's paths stay relative to its own file, its lines are its file's).
 */
interface ResolvedDef {
  layers: { def: Record<string, unknown>; dir: string; from: ParsedComposeFile; name: string }[];
}

function resolveExtends(parsed: ParsedComposeFile, name: string, parse: (file: string) => ParsedComposeFile | null, depth: number): ResolvedDef {
  const def = parsed.services[name] ?? {};
  const ext = def.extends;
  const own = { def, dir: parsed.dir, from: parsed, name };
  if (depth > 8 || ext === undefined) return { layers: [own] };
  const spec = typeof ext === 'string' ? { service: ext } : ext && typeof ext === 'object' ? (ext as { service?: unknown; file?: unknown }) : {};
  if (typeof spec.service !== 'string') return { layers: [own] };
  const from = typeof spec.file === 'string' ? parse(posix.normalize(posix.join(parsed.dir, spec.file))) : parsed;
  if (!from || !(spec.service in from.services) || (from === parsed && spec.service === name)) return { layers: [own] };
  return { layers: [...resolveExtends(from, spec.service, parse, depth + 1).layers, own] };
}

function mergeService(existing: ComposeService | null, name: string, parsed: ParsedComposeFile, resolved: ResolvedDef, layer: boolean, readEnv: EnvFileReader): ComposeService {
  let merged = existing;
  for (const { def, dir, from, name: fromName } of resolved.layers) {
    // Lines are those of the file that writes the layer (an `extends:` base's are its own file's).
    const envFiles = envFilesOf(def.env_file, dir, (path) => ({ file: from.file, line: from.keyLineOf(fromName, ['env_file', ...path]) }), readEnv);
    const ports = (Array.isArray(def.ports) ? def.ports : []).map(parsePortSpec).filter((p): p is number => p !== null);
    const expose = (Array.isArray(def.expose) ? def.expose : []).map(parsePortSpec).filter((p): p is number => p !== null);
    const before = merged?.build ?? null;
    let build = mergeBuild(before, def.build, dir);
    const ownTarget = def.build && typeof def.build === 'object' ? (def.build as { target?: unknown }).target : undefined;
    if (typeof ownTarget === 'string') {
      const source = { target: ownTarget, file: parsed.file, line: parsed.keyLineOf(name, ['build', 'target']) };
      if (layer) build = layerTargetBuild(before, build, source, parsed.devLayer, merged);
      // The file that first set the target keeps the credit (a dev layer repeating the base's `dev`).
      if (build?.target === ownTarget && !(before?.target === ownTarget && before.targetFrom)) build = { ...build, targetFrom: source };
    } else if (layer) build = deployLayerWithoutTarget(build, parsed, name);
    // A deployment runs the service as the files before the dev layer (and any layer after it) define it.
    const at: LayerPlaces = {
      key: (key) => ({ file: from.file, line: from.keyLineOf(fromName, [key]) }),
      variable: (key) => ({ file: from.file, line: from.envLineOf(fromName, key) ?? from.lineOf(fromName) }),
    };
    const devTarget = layer && parsed.devLayer && typeof ownTarget === 'string' && build?.target !== ownTarget ? { devTarget: ownTarget } : {};
    const deployed =
      merged && layer && parsed.devLayer
        ? { ...(merged.deployed ?? { ...processOf(merged), volumes: merged.volumes ?? [], devLayer: parsed.file }), ...devTarget }
        : merged?.deployed
          ? { ...mergeProcess(merged.deployed, def, at, envFiles), devLayer: merged.deployed.devLayer, volumes: mergeVolumes(merged.deployed.volumes ?? [], def.volumes, parsed.file), ...(merged.deployed.devTarget ? { devTarget: merged.deployed.devTarget } : {}) }
          : undefined;
    merged = {
      name,
      file: merged?.file ?? parsed.file,
      line: merged?.line ?? parsed.lineOf(name),
      build,
      image: typeof def.image === 'string' ? def.image : (merged?.image ?? null),
      containerPorts: [...new Set([...(merged?.containerPorts ?? []), ...ports, ...expose])],
      dependsOn: [...new Set([...(merged?.dependsOn ?? []), ...dependsOnOf(def.depends_on)])],
      ...awaitsCompletion(merged, completionsOf(def.depends_on).map((service) => ({ service, ...at.key('depends_on') })), (key) => from.keyLineOf(fromName, ['depends_on', key])),
      hasHealthcheck: Boolean(def.healthcheck) || (merged?.hasHealthcheck ?? false),
      volumes: mergeVolumes(merged?.volumes ?? [], def.volumes, parsed.file),
      ...mergeProcess(merged, def, at, envFiles),
      ...(Array.isArray(def.profiles) ? { profiles: def.profiles.map(String) } : merged?.profiles !== undefined ? { profiles: merged.profiles } : {}),
      ...(deployed ? { deployed } : {}),
    };
  }
  return { ...(merged as ComposeService), ...extendsOf(existing, resolved) };
}

/** The `extends:` bases of the earlier files' definitions and of this one (every layer but its own, the last). */
function extendsOf(before: ComposeService | null, resolved: ResolvedDef): Pick<ComposeService, 'extendsFrom'> {
  const bases = [...(before?.extendsFrom ?? [])];
  for (const l of resolved.layers.slice(0, -1)) if (!bases.some((b) => b.file === l.from.file && b.service === l.name)) bases.push({ file: l.from.file, service: l.name });
  return bases.length ? { extendsFrom: bases } : {};
}

/** Where a layer sets a key of the service (`command`, `working_dir`) and each of its `environment:` variables. */
interface LayerPlaces {
  key(key: string): SetAt;
  variable(name: string): SetAt;
}

/** A layer's `volumes:` over the earlier ones: a mount at the same container path replaces the earlier one. */
function mergeVolumes(before: ComposeVolume[], raw: unknown, file: string): ComposeVolume[] {
  const own = volumesOf(raw, file);
  return [...before.filter((v) => !own.some((n) => n.target === v.target)), ...own];
}

/**
 * The volumes a deployment mounts into the service's container: without the ones the
 * local-development layer adds or replaces (its source bind mounts, the anonymous `node_modules`
 * volumes of a hot-reload setup), see {@link ComposeService.deployed}.
 */
export function deployedVolumes(compose: ComposeService | null | undefined): ComposeVolume[] {
  return compose?.deployed?.volumes ?? compose?.volumes ?? [];
}

/** The completions a service waits for, a later layer's entries over an earlier one's; each at its own `depends_on` key when this file defines it. */
function awaitsCompletion(before: ComposeService | null, own: { service: string; file: string; line: number }[], keyLine: ((key: string) => number) | null): Pick<ComposeService, 'awaitsCompletion'> {
  const placed = own.map((c) => (keyLine ? { ...c, line: keyLine(c.service) } : c));
  const all = [...(before?.awaitsCompletion ?? []).filter((c) => !placed.some((p) => p.service === c.service)), ...placed];
  return all.length ? { awaitsCompletion: all } : {};
}

/**
 * A layer's `environment`, `env_file`, `command` and `entrypoint` merged over what the earlier layers
 * set, as Compose merges them: env files append (one path once), and the container's environment is
 * their variables (a later file over an earlier one) with every layer's `environment:` over them.
 */
function mergeProcess(before: ServiceProcess | null, def: Record<string, unknown>, at?: LayerPlaces, ownEnvFiles: ComposeEnvFile[] = []): ServiceProcess {
  const sets = (key: string) => typeof def[key] === 'string' || Array.isArray(def[key]);
  const setter = sets('entrypoint') ? 'entrypoint' : sets('command') ? 'command' : null;
  const processAt = setter && at ? at.key(setter) : before?.processAt;
  const own = environmentOf(def.environment);
  const declared = { ...(before?.declaredEnvironment ?? before?.environment ?? {}), ...own };
  const environmentAt = { ...before?.environmentAt, ...(at ? Object.fromEntries(Object.keys(own).map((k) => [k, at.variable(k)])) : {}) };
  const envFiles = [...(before?.envFiles ?? [])];
  for (const f of ownEnvFiles) if (!envFiles.some((e) => e.path === f.path)) envFiles.push(f);
  const workingDir = typeof def.working_dir === 'string' ? { value: def.working_dir, ...(at?.key('working_dir') ?? { file: '', line: 1 }) } : before?.workingDir;
  return {
    ...(processAt ? { processAt } : {}),
    ...(workingDir ? { workingDir } : {}),
    environment: envFiles.length ? { ...Object.assign({}, ...envFiles.map((f) => f.variables ?? {})), ...declared } : declared,
    ...(envFiles.length ? { envFiles, declaredEnvironment: declared } : {}),
    ...(Object.keys(environmentAt).length ? { environmentAt } : {}),
    ...(typeof def.command === 'string' || Array.isArray(def.command)
      ? { command: commandText(def.command), commandArgs: commandArgs(def.command) }
      : before?.command !== undefined
        ? { command: before.command, ...(before.commandArgs ? { commandArgs: before.commandArgs } : {}) }
        : {}),
    ...(typeof def.entrypoint === 'string' || Array.isArray(def.entrypoint)
      ? { entrypoint: commandText(def.entrypoint), entrypointArgs: commandArgs(def.entrypoint) }
      : before?.entrypoint !== undefined
        ? { entrypoint: before.entrypoint, ...(before.entrypointArgs ? { entrypointArgs: before.entrypointArgs } : {}) }
        : {}),
  };
}

/**
 * The process a deployment runs for a service: its command, entrypoint and environment without what
 * the local-development layer sets ({@link ComposeService.deployed}), with the file and line where
 * the command or entrypoint in force is set (the service's own line when none is).
 */
export function deployedProcess(compose: ComposeService | null): (ServiceProcess & { file: string; line: number }) | null {
  if (!compose) return null;
  const process = compose.deployed ?? compose;
  const at = process.processAt ?? { file: compose.file, line: compose.line };
  return { ...processOf(process), file: at.file, line: at.line };
}

/**
 * What two definitions of one service (compose projects that build the same image under the same
 * name) set differently for the process a deployment runs: the command, the entrypoint and the env
 * files, each with both values. Empty when they agree.
 */
export function processDifferences(a: ComposeService, b: ComposeService): string[] {
  const pa = deployedProcess(a);
  const pb = deployedProcess(b);
  if (!pa || !pb) return [];
  const argv = (args: string[] | undefined) => (args ? `\`${args.join(' ')}\`` : "none (the image's)");
  const files = (p: ServiceProcess) => (p.envFiles ?? []).map((f) => f.path).join(', ') || 'none';
  const out: string[] = [];
  if (JSON.stringify(pa.commandArgs ?? null) !== JSON.stringify(pb.commandArgs ?? null)) out.push(`command (${argv(pa.commandArgs)} vs ${argv(pb.commandArgs)})`);
  if (JSON.stringify(pa.entrypointArgs ?? null) !== JSON.stringify(pb.entrypointArgs ?? null)) out.push(`entrypoint (${argv(pa.entrypointArgs)} vs ${argv(pb.entrypointArgs)})`);
  if (files(pa) !== files(pb)) out.push(`env_file (${files(pa)} vs ${files(pb)})`);
  return out;
}

function processOf(svc: ServiceProcess): ServiceProcess {
  return mergeProcess(svc, {});
}

/** `command:`/`entrypoint:` as argv: the list as written, a string split into words like a shell (quotes, backslashes). */
function commandArgs(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  const words: string[] = [];
  let word: string | null = null;
  let quote = '';
  const text = String(raw);
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i] as string;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < text.length) word = (word ?? '') + text[++i];
    else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/**
 * A layer's `env_file:` (a path, a list of paths, or `{ path, required }` entries), each resolved
 * against the layer's directory and read: its variables when the repo has it. A path compose would
 * interpolate (`${ENV}.env`) or an absolute one names no file of the repo, and is skipped.
 */
function envFilesOf(raw: unknown, dir: string, at: (path: (string | number)[]) => { file: string; line: number }, readEnv: EnvFileReader): ComposeEnvFile[] {
  if (raw === undefined || raw === null) return [];
  const entries = Array.isArray(raw) ? raw : [raw];
  const out: ComposeEnvFile[] = [];
  entries.forEach((entry, i) => {
    const spec = typeof entry === 'string' ? { path: entry, required: true } : entry && typeof entry === 'object' ? (entry as { path?: unknown; required?: unknown }) : {};
    if (typeof spec.path !== 'string' || spec.path.includes('$') || posix.isAbsolute(spec.path)) return;
    const path = posix.normalize(posix.join(dir, spec.path));
    if (path.startsWith('../')) return;
    const { text, onDisk, ignoredBy } = readEnv(path);
    const where = at(Array.isArray(raw) ? (typeof entry === 'string' ? [i] : [i, 'path']) : typeof entry === 'string' ? [] : ['path']);
    const entries = text === null ? null : envFileEntries(text);
    const variables = entries && Object.fromEntries([...entries].map(([k, v]) => [k, v.value]));
    const lines = entries && Object.fromEntries([...entries].map(([k, v]) => [k, v.line]));
    out.push({ path, required: spec.required !== false, ...where, variables, ...(lines ? { lines } : {}), onDisk: onDisk || text !== null, ...(text === null && ignoredBy ? { ignoredBy } : {}) });
  });
  return out;
}

function commandText(raw: unknown): string {
  return Array.isArray(raw) ? raw.map(String).join(' ') : String(raw);
}
