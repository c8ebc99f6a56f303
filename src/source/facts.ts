/**
 * What the repo model knows about a JS/TS file, read from its syntax tree (oxc-parser, ESTree):
 * the HTTP server it starts and the port expression `listen` uses, the routes it serves (and the
 * routers and mounts that put them under a prefix), the env variables it reads, the queue consumers
 * and datastore clients it creates, and the order of the awaits that run before it listens.
 *
 * Read-only: the codemods rewrite through jscodeshift (recast), which keeps untouched bytes; this
 * extractor is for facts only, so it uses the fastest parser and never keeps the tree.
 */
import type { OxcError } from 'oxc-parser';
import { oxcErrors, oxcHasDiagnostics, oxcParse } from './oxc.ts';
import { calleeName, propName, stringValue } from './ast-names.ts';
import { authGateOfCall, nestGlobalGuard, nestUseGuards, NEST_PUBLIC, type AuthGate } from './authGates.ts';
import { lineIndex } from '../text.ts';
import { joinRoute, routeSegments } from '../urlPath.ts';
import { CONSUMER_CLASS, DATASTORE_CONSTRUCTORS, KAFKA_WRAPPER_FACTORY, MONGO_CONNECT_CALL, QUEUE_CONSUMER_STARTER, QUEUE_WORKER_FACTORY, mayMatter, type DatastoreKind } from './patterns.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- ESTree nodes are walked generically */
type Node = any;

export { calleeName };

export interface PortHint {
  port: number;
  line: number;
  what: string;
  /** The env var the default belongs to (`PORT`, `COURSE_SERVICE_PORT`): another service's port is no evidence. */
  envVar: string | null;
}

export interface RouteHint {
  path: string;
  line: number;
  /** A NestJS controller route: the global prefix applies to it. */
  nest?: boolean;
  /** NestJS: the controller class the route is declared in (RouterModule paths are per module). */
  nestController?: string;
  /** NestJS: the route's `@Version(...)`, else its controller's `version`; absent when neither sets one. */
  nestVersion?: NestVersion;
  /** The object the route is registered on (`router` in `router.get(...)`), when written. */
  receiver?: string | null;
  /** Matched against the request's full path in a middleware (`ctx.path === '/health'`): no router prefix applies. */
  absolute?: boolean;
  /** See {@link Encapsulation.scope}; `receiver` is then the outermost context's receiver. */
  scope?: string;
  /** See {@link Encapsulation.skipsPrefix}. */
  skipsPrefix?: boolean;
  /** See {@link Encapsulation.opaqueAt}. */
  opaqueAt?: number;
  /** NestJS: the handler or its controller has a decorator that exempts it from a global guard (`@Public()`). */
  nestPublic?: boolean;
  /** NestJS: `@UseGuards(...)` of an authenticating guard on the handler or its controller. */
  nestGuard?: { line: number; what: string };
}

/**
 * Fastify encapsulation inside one file: a route or register call whose receiver is the parameter of
 * a plugin function this file registers (`app.register(async (api) => { ... }, { prefix: '/api' })`,
 * `app.register(health, { prefix })` of a local `health`) is served under that register's prefix, and
 * so on outwards; a plugin wrapped in fastify-plugin gets no prefix of its own (its routes go to the
 * parent context).
 */
export interface Encapsulation {
  /** The prefixes the file's own enclosing register calls add ('' for none). */
  scope: string;
  /** The receiver of the outermost context: the app, or the parameter of a plugin registered elsewhere. */
  receiver: string;
  /** That outermost plugin is wrapped in fastify-plugin: the prefix of the register call that loads it does not apply. */
  skipsPrefix: boolean;
  /** The line of an enclosing register call whose prefix is not a string literal: the scope is not established. */
  opaqueAt?: number;
}

/** `app.use('/api', healthRouter)`, `fastify.register(health, { prefix: '/api' })`: a router mounted at a prefix. */
export interface MountHint {
  prefix: string;
  ident: string;
  /** The object it is mounted on (`app`, or another router; for a register inside plugins of the same file, the outermost receiver). */
  on: string | null;
  line: number;
  /** See {@link Encapsulation.scope}. */
  scope?: string;
  /** See {@link Encapsulation.skipsPrefix}. */
  skipsPrefix?: boolean;
  /** The line of this register call, or of an enclosing one, whose prefix is not a string literal. */
  opaqueAt?: number;
  /** The mounted plugin is wrapped in fastify-plugin here (`register(fp(plugin), { prefix })`, a local `const p = fp(...)`): the prefix does not apply. */
  targetSkipsPrefix?: boolean;
}

/** The call that starts the HTTP server and the port it listens on, as far as the file says. */
export interface ListenFact {
  line: number;
  /** `app`, `server`, `fastify`, `NestFactory` ... */
  receiver: string | null;
  /** The default port, when the expression has one (`process.env.SERVICE_PORT || 4004` -> 4004). */
  port: number | null;
  /** The env variable the port comes from (`SERVICE_PORT`), null when none is read. */
  envVar: string | null;
  /** Every env variable the port expression reads itself (`process.env.X || process.env.PORT` -> X, PORT). */
  envVars?: string[];
  /** The variable name is an argument of a port helper (`getServicePortSync('svc', 'X', 4004)`) whose body was not read. */
  viaHelper?: boolean;
  /** Source text of the port expression as written at the call. */
  expression: string | null;
  /**
   * The port comes from a value ecsfix does not follow: a config module's property or getter
   * (`config.port`, `config.get('server.port')`, `nconf.get('http:port')`), directly or through a
   * variable. Whether the server reads PORT is then not established.
   */
  fromConfig?: boolean;
  /**
   * The address the server binds, when the call says (`listen(port, 'localhost')`, `{ host }`,
   * `process.env.HOST || '127.0.0.1'`) or the framework's default is a loopback one (Fastify binds
   * localhost unless told otherwise): `value` the literal or fallback, `envVar` the variable read.
   */
  host?: { value: string | null; envVar: string | null; implicit?: boolean };
  /**
   * The app instance this call starts (`admin` in `admin.listen(9091)`, `app` of
   * `http.createServer(app).listen(...)` or `serve({ fetch: app.fetch })`), as named in this file; null
   * when not established. `nest`: made by NestFactory.create, whose controllers it serves.
   */
  app?: string | null;
  nest?: boolean;
  /** A NestJS TCP/gRPC microservice's listen: no HTTP server. */
  rpc?: boolean;
}

/** A service's `listen` call: the port expression's default, the env var it reads, and where. */
export interface ServiceListen extends ListenFact {
  file: string;
}

export interface EnvRead {
  name: string;
  line: number;
  /** The read has a fallback of its own (`process.env.X || 'y'`, `?? 'y'`, `const { X = 'y' } = process.env`): unset, the code still has a value. */
  fallback?: boolean;
}

/** `nats` and `redis-pubsub`: at-most-once subscribers (core NATS `nc.subscribe`, Redis SUBSCRIBE) that ecsfix reports but does not stop. */
export type ConsumerKind = 'kafkajs' | 'kafka-wrapper' | 'bullmq' | 'bull' | 'amqplib' | 'redis-stream' | 'sqs' | 'nats' | 'redis-pubsub';

export interface ConsumerFact {
  kind: ConsumerKind;
  line: number;
  /** The variable it is assigned to, when it is. */
  variable: string | null;
  /** The call that creates it (`kafka.consumer`, `createKafkaConsumer`, `new Worker`). */
  factory: string;
}

export interface DatastoreFact {
  kind: DatastoreKind;
  line: number;
  call: string;
}

/** An await that runs in the function that calls `listen`, before or after it. */
export interface StartupAwait {
  call: string;
  line: number;
  /** The Mongo (or other datastore) connection this await opens, when it is one. */
  datastore: DatastoreKind | null;
  beforeListen: boolean;
}

/** NestJS versions as written (`'1'`, `['1', '2']`; VERSION_NEUTRAL is ''), or null when they are not literals. */
export type NestVersion = string[] | null;

/** NestJS `app.enableVersioning({ type, defaultVersion, prefix })`. */
export interface NestVersioning {
  /** VersioningType member; null when the options are not an object literal ecsfix can read. */
  type: 'URI' | 'HEADER' | 'MEDIA_TYPE' | 'CUSTOM' | null;
  /** Absent when the options set none. */
  defaultVersion?: NestVersion;
  /** The URI version prefix (`v` by default, '' for `prefix: false`); null when not a literal. */
  prefix: string | null;
  line: number;
}

/** A module path `RouterModule.register([{ path, module, children }])` gives a module (children joined under their parent); null path: not a literal. */
export interface NestRouterPath {
  module: string;
  path: string | null;
  line: number;
}

export interface JsSourceFacts {
  listens: boolean;
  consumesQueue: boolean;
  ports: PortHint[];
  routes: RouteHint[];
  /** NestJS `app.setGlobalPrefix('api')`. */
  globalPrefix: string | null;
  /** NestJS `setGlobalPrefix('api', { exclude: ['health', { path: 'ping', ... }] })`: paths the prefix skips. */
  globalPrefixExclude: string[];
  /** NestJS `app.enableVersioning(...)`. */
  nestVersioning: NestVersioning | null;
  /** NestJS `RouterModule.register([...])` module paths; `opaqueAt`: the line of a register call whose routes ecsfix cannot read. */
  nestRouter: { paths: NestRouterPath[]; opaqueAt: number | null };
  /** NestJS `@Module({ controllers: [...] })`: module class -> its controller classes. */
  nestModules: Record<string, string[]>;
  /** Router objects created in the file (`express.Router()`, `new Router({ prefix })`, a shared factory) with their own prefix. */
  routers: Record<string, string>;
  mounts: MountHint[];
  /**
   * Receivers whose router prefix is not established, with the line and why: a `this.router` member
   * assigned in more than one place or conditionally, a `new Router({ prefix })` whose prefix is not a
   * string literal, a Koa `router.prefix()` called conditionally or more than once. No probe path from them.
   */
  unsettled: Record<string, { line: number; reason: string }>;
  /** Local name -> module specifier, from import/require. */
  imports: Record<string, string>;
  /** Application objects created in the file (`const app = express()`): their routes are absolute. */
  apps: string[];
  /** The file exports a router (`export default router`, `module.exports = router`, `export const r = Router()`). */
  exportedRouters: string[];
  listen: ListenFact[];
  /** Authentication registered in front of routes (src/source/authGates.ts). */
  authGates: AuthGate[];
  /** A NestJS global guard that authenticates (`useGlobalGuards(new JwtAuthGuard())`, an APP_GUARD provider). */
  nestGlobalGuard: { line: number; what: string } | null;
  envReads: EnvRead[];
  consumers: ConsumerFact[];
  datastores: DatastoreFact[];
  startup: StartupAwait[];
  /** NestJS lifecycle hooks (`onModuleDestroy`, `beforeApplicationShutdown`) that stop or close something. */
  lifecycleClosers: { line: number; method: string }[];
  /** Every module the file loads (import, `export ... from`, require, a bare `require('./x')` for its side effects). */
  loads: string[];
  /** `process.on/once('SIGTERM'|'SIGINT', fn)` registrations; `exits`: an inline handler that calls process.exit. */
  signalHandlers: { signal: 'SIGTERM' | 'SIGINT'; line: number; exits: boolean }[];
  /** The file does not parse: line and message of the first error (facts are then empty). */
  syntaxError: { line: number; message: string } | null;
  /**
   * A NestJS microservice on the TCP or gRPC transport (`NestFactory.createMicroservice` then
   * `listen()`) and no HTTP app in the file: it listens on a port, but not for HTTP.
   */
  rpcServer: { transport: 'TCP' | 'GRPC'; line: number } | null;
}

export function emptyFacts(): JsSourceFacts {
  return {
    listens: false,
    consumesQueue: false,
    rpcServer: null,
    ports: [],
    routes: [],
    globalPrefix: null,
    globalPrefixExclude: [],
    nestVersioning: null,
    nestRouter: { paths: [], opaqueAt: null },
    nestModules: {},
    routers: {},
    mounts: [],
    unsettled: {},
    imports: {},
    apps: [],
    exportedRouters: [],
    listen: [],
    authGates: [],
    nestGlobalGuard: null,
    envReads: [],
    consumers: [],
    datastores: [],
    startup: [],
    lifecycleClosers: [],
    loads: [],
    signalHandlers: [],
    syntaxError: null,
  };
}

/** The language oxc parses a path as (`.ts` with generics must not be read as TSX). */
export function langOf(path: string): 'js' | 'jsx' | 'ts' | 'tsx' {
  if (/\.tsx$/.test(path)) return 'tsx';
  if (/\.[cm]?ts$/.test(path)) return 'ts';
  if (/\.jsx$/.test(path)) return 'jsx';
  return 'js';
}

/** Parses once and returns the program, or the first syntax error with its line. */
export function parseProgram(path: string, text: string): { program: Node; error: { line: number; message: string } | null } {
  const result = oxcParse(path, text, langOf(path) === 'js' ? 'jsx' : langOf(path));
  return { program: result.program, error: firstError(text, result.errors) };
}

/** The first syntax error {@link parseProgram} would report, without building the AST's JS objects. */
export function syntaxErrorOf(path: string, text: string): { line: number; message: string } | null {
  const lang = langOf(path) === 'js' ? 'jsx' : langOf(path);
  // Most texts have none: asking whether there is any is much cheaper than taking them.
  return oxcHasDiagnostics(path, text, lang) ? firstError(text, oxcErrors(path, text, lang)) : null;
}

function firstError(text: string, errors: OxcError[]): { line: number; message: string } | null {
  const first = errors.find((e) => e.severity === 'Error');
  if (!first) return null;
  const offset = first.labels[0]?.start ?? 0;
  return { line: lineAt(text, offset), message: first.message };
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const HTTP_APP_FACTORIES = new Set(['express', 'Fastify', 'fastify', 'Koa', 'Hono', 'polka', 'restify']);

/** `process.env.X` or `process.env['X']` -> X. */
/** `process.env.X || fallback` / `?? fallback` (through parentheses and `Number(…)`-like wrappers left alone): the read is the left operand. */
function hasFallback(node: Node, parents: Node[]): boolean {
  let child = node;
  for (let i = parents.length - 1; i >= 0; i--) {
    const parent = parents[i];
    if (parent?.type === 'ParenthesizedExpression' || parent?.type === 'TSAsExpression' || parent?.type === 'TSNonNullExpression') {
      child = parent;
      continue;
    }
    return parent?.type === 'LogicalExpression' && (parent.operator === '||' || parent.operator === '??') && parent.left === child;
  }
  return false;
}

export function envName(node: Node): string | null {
  if (node?.type !== 'MemberExpression') return null;
  const obj = node.object;
  if (obj?.type !== 'MemberExpression' || obj.object?.type !== 'Identifier' || obj.object.name !== 'process' || propName(obj) !== 'env') return null;
  return propName(node);
}



function numberValue(node: Node): number | null {
  if (node?.type === 'Literal' && typeof node.value === 'number') return node.value;
  if (node?.type === 'Literal' && typeof node.value === 'string' && /^\d{2,5}$/.test(node.value)) return Number(node.value);
  return null;
}

/** The request path a middleware or a plain `http` handler compares: Koa `ctx.path`/`ctx.url`/`ctx.request.path`, Node/Express `req.url`/`req.path`. */
const REQUEST_PATH = /^(?:ctx|context)(?:\.request)?\.(?:path|url)$|^(?:req|request)\.(?:path|url)$/;
/** A branch that answers the request itself: Koa `ctx.body =`/`ctx.status =`, `res.end()`/`res.writeHead()`/`res.send()`. */
const ANSWERS = /\b(?:ctx|context)\.(?:body|status)\s*=[^=]|\b(?:res|response)\.(?:end|writeHead|send|json|sendStatus|status)\s*\(|\b(?:res|response)\.statusCode\s*=[^=]/;

/**
 * The paths a middleware answers itself, a router-less health route: `if (ctx.path === '/health') { ctx.body = 'ok'; return; }`
 * (also under `&&` with a method test), `switch (req.url) { case '/healthz': res.end('ok') }`. A branch that
 * only passes the path on (`if (ctx.path === '/health') return next()`) answers nothing.
 */
function answeredPaths(node: Node, src: (n: Node) => string): { path: string; at: Node }[] {
  if (node.type === 'SwitchStatement') {
    if (!REQUEST_PATH.test(calleeName(node.discriminant))) return [];
    return (node.cases ?? []).flatMap((c: Node) => {
      const path = stringValue(c.test);
      return path?.startsWith('/') && ANSWERS.test((c.consequent ?? []).map(src).join('\n')) ? [{ path, at: c }] : [];
    });
  }
  const comparisons: Node[] = [];
  const collect = (n: Node): void => {
    if (n?.type === 'LogicalExpression' && n.operator === '&&') {
      collect(n.left);
      collect(n.right);
    } else comparisons.push(n);
  };
  collect(node.test);
  for (const c of comparisons) {
    if (c?.type !== 'BinaryExpression' || (c.operator !== '===' && c.operator !== '==')) continue;
    const [subject, value] = stringValue(c.right) !== null ? [c.left, c.right] : [c.right, c.left];
    const path = stringValue(value);
    if (path?.startsWith('/') && REQUEST_PATH.test(calleeName(subject)) && ANSWERS.test(src(node.consequent))) return [{ path, at: c }];
  }
  return [];
}


function lastName(dotted: string): string {
  return dotted.split('.').pop() ?? '';
}

function validPort(n: number | null): n is number {
  return n !== null && Number.isInteger(n) && n > 0 && n < 65536;
}

/** Strips wrappers that do not change a port's value: `Number(x)`, `parseInt(x, 10)`, `+x`, `String(x)`, `x as number`, `x!`, parens. */
function unwrapPort(node: Node): Node {
  let n = node;
  for (;;) {
    if (!n) return n;
    if (n.type === 'ParenthesizedExpression' || n.type === 'TSAsExpression' || n.type === 'TSNonNullExpression' || n.type === 'TSSatisfiesExpression') n = n.expression;
    else if (n.type === 'CallExpression' && n.callee?.type === 'Identifier' && /^(?:Number|parseInt|String)$/.test(n.callee.name) && n.arguments.length >= 1) n = n.arguments[0];
    else if (n.type === 'CallExpression' && calleeName(n.callee) === 'Number.parseInt' && n.arguments.length >= 1) n = n.arguments[0];
    else if (n.type === 'UnaryExpression' && n.operator === '+') n = n.argument;
    else return n;
  }
}

/**
 * The (env var, default port) of a port expression: `process.env.X || 4004`, `Number(process.env.X) ?? 4004`,
 * `process.env.X ? Number(process.env.X) : 4004`, `getServicePortSync('svc', 'X', 4004)`, a literal, or an
 * identifier/`config.port` whose declaration in the file says so.
 */
interface ResolvedPort {
  port: number | null;
  envVar: string | null;
  /** Every env var read directly on the way (see {@link ListenFact.envVars}). */
  envVars?: string[];
  viaHelper?: boolean;
  /** See {@link ListenFact.fromConfig}. */
  fromConfig?: boolean;
}

interface ScopedDeclaration {
  name: string;
  init: Node;
  /** The function the declaration is in (the whole program for a top-level one). */
  start: number;
  end: number;
}
/** The declarations of a file with their scopes, by the file's `decls` map (which keeps the last declaration of a name). */
const SCOPES = new WeakMap<Map<string, Node>, ScopedDeclaration[]>();

/**
 * The declaration an identifier refers to: the one in the innermost function around it, so that
 * `listen(port)` at the top level is not read as the `port` local to `function normalizePort()`.
 */
function declarationAt(decls: Map<string, Node>, id: Node): Node {
  const visible = (SCOPES.get(decls) ?? []).filter((d) => d.name === id.name && d.start <= id.start && id.end <= d.end);
  return visible.reduce<ScopedDeclaration | null>((best, d) => (!best || d.start >= best.start ? d : best), null)?.init ?? decls.get(id.name);
}

function resolvePort(node: Node, decls: Map<string, Node>, depth = 0): ResolvedPort {
  const n = unwrapPort(node);
  if (!n || depth > 4) return { port: null, envVar: null };
  const literal = numberValue(n);
  if (literal !== null) return { port: validPort(literal) ? literal : null, envVar: null };
  const env = envName(n);
  if (env) return { port: null, envVar: env, envVars: [env] };
  const joined = (...parts: ResolvedPort[]) => ({
    envVars: [...new Set(parts.flatMap((p) => p.envVars ?? []))],
    viaHelper: parts.some((p) => p.viaHelper),
  });
  if (n.type === 'LogicalExpression' && (n.operator === '||' || n.operator === '??')) {
    const left = resolvePort(n.left, decls, depth + 1);
    const right = resolvePort(n.right, decls, depth + 1);
    return { port: left.port ?? right.port, envVar: left.envVar ?? right.envVar, ...joined(left, right) };
  }
  if (n.type === 'ConditionalExpression') {
    const test = resolvePort(n.test, decls, depth + 1);
    const alt = resolvePort(n.alternate, decls, depth + 1);
    const cons = resolvePort(n.consequent, decls, depth + 1);
    return { port: alt.port ?? cons.port, envVar: test.envVar ?? cons.envVar ?? alt.envVar, ...joined(test, cons, alt) };
  }
  const envVarRead = envVarLibraryRead(n);
  if (envVarRead) return envVarRead;
  const setting = expressPortRead(n);
  if (setting && decls.has(setting)) return resolvePort(decls.get(setting), decls, depth + 1);
  if (n.type === 'CallExpression' && /port/i.test(lastName(calleeName(n.callee)))) {
    let envVar: string | null = null;
    let port: number | null = null;
    for (const arg of n.arguments) {
      const s = stringValue(arg);
      if (s && /^[A-Z][A-Z0-9_]*$/.test(s)) envVar = s;
      const num = numberValue(arg);
      if (validPort(num)) port = num;
    }
    // `normalizePort(process.env.PORT || '3000')` (express-generator's bin/www): the argument is the port.
    if (envVar === null && port === null && n.arguments.length === 1) return resolvePort(n.arguments[0], decls, depth + 1);
    return { port, envVar, viaHelper: envVar !== null };
  }
  const configRead = configServiceRead(n);
  if (configRead) return configRead;
  if (n.type === 'Identifier' && decls.has(n.name)) return resolvePort(declarationAt(decls, n), decls, depth + 1);
  const field = n.type === 'MemberExpression' && n.object?.type === 'ThisExpression' ? `this.${propName(n)}` : null;
  if (field && decls.has(field)) {
    const assigned = resolvePort(decls.get(field), decls, depth + 1);
    if (assigned.port !== null || assigned.envVar !== null) return assigned;
  }
  // An env schema's parsed result (`env.PORT` of zod/envalid/t3-env): a property named as an env
  // variable that ends in PORT is that variable.
  const member = n.type === 'MemberExpression' ? propName(n) : null;
  if (member && /^[A-Z][A-Z0-9_]*PORT$/.test(member) && !(n.object?.type === 'Identifier' && unwrapPort(decls.get(n.object.name))?.type === 'ObjectExpression'))
    return { port: null, envVar: member, envVars: [member] };
  if (n.type === 'MemberExpression' && n.object?.type === 'Identifier') {
    const obj = unwrapPort(decls.get(n.object.name));
    const key = propName(n);
    const prop = obj?.type === 'ObjectExpression' ? obj.properties.find((p: Node) => p.type === 'Property' && (p.key?.name ?? p.key?.value) === key) : null;
    if (prop) return resolvePort(prop.shorthand ? prop.value : prop.value, decls, depth + 1);
  }
  if (n.type === 'ObjectExpression') {
    const prop = n.properties.find((p: Node) => p.type === 'Property' && (p.key?.name ?? p.key?.value) === 'port');
    if (prop) return resolvePort(prop.value, decls, depth + 1);
  }
  return { port: null, envVar: null, ...(n.type === 'MemberExpression' || n.type === 'CallExpression' ? { fromConfig: true } : {}) };
}

/**
 * env-var's chain: `env.get('CATALOG_PORT').default('4100').asPortNumber()` reads CATALOG_PORT with
 * 4100 as default (an upper-case key: the variable's name).
 */
function envVarLibraryRead(n: Node): ResolvedPort | null {
  let fallback: number | null = null;
  for (let call = n; call?.type === 'CallExpression' && call.callee?.type === 'MemberExpression'; call = call.callee.object) {
    const method = propName(call.callee);
    if (method === 'default') fallback = numberValue(call.arguments[0]);
    const key = method === 'get' ? stringValue(call.arguments[0]) : null;
    if (key && /^[A-Z][A-Z0-9_]*PORT$/.test(key) && call !== n) return { port: validPort(fallback) ? fallback : null, envVar: key, envVars: [key] };
  }
  return null;
}

/** A Fastify instance: `const app = Fastify(...)` / `fastify(...)` of the 'fastify' package. */
function isFastify(receiver: Node, decls: Map<string, Node>, imports: Record<string, string>): boolean {
  if (receiver?.type !== 'Identifier') return false;
  let init = decls.get(receiver.name);
  if (init?.type === 'AwaitExpression') init = init.argument;
  const made = init?.type === 'CallExpression' && init.callee?.type === 'Identifier' ? init.callee.name : null;
  return made !== null && imports[made] === 'fastify';
}

/** The bind address of a listen call: its host argument or `{ host }` option, else Fastify's localhost default. */
function listenHost(call: Node, decls: Map<string, Node>, fastify: boolean): JsListenHost | null {
  const [first, second] = call.arguments ?? [];
  const options = first?.type === 'ObjectExpression' ? first : null;
  // The host argument inline, or through a const (`const host = process.env.HOST ?? 'localhost'`, Nx's Express template); a callback passed by name resolves to no host.
  const hostNode = options ? options.properties.find((p: Node) => p.type === 'Property' && (p.key?.name ?? p.key?.value) === 'host')?.value : typeof stringValue(second) === 'string' || second?.type === 'LogicalExpression' || second?.type === 'Identifier' || envName(second) ? second : null;
  const host = hostNode ? resolveHost(hostNode, decls, 0) : null;
  if (host || (hostNode && hostNode.type !== 'Identifier')) return host;
  return fastify ? { value: 'localhost', envVar: null, implicit: true } : null;
}

type JsListenHost = NonNullable<ListenFact['host']>;

function resolveHost(node: Node, decls: Map<string, Node>, depth: number): JsListenHost | null {
  if (!node || depth > 3) return null;
  const literal = stringValue(node);
  if (literal !== null) return { value: literal, envVar: null };
  const env = envName(node);
  if (env) return { value: null, envVar: env };
  if (node.type === 'LogicalExpression' && (node.operator === '||' || node.operator === '??')) {
    const left = resolveHost(node.left, decls, depth + 1);
    const right = resolveHost(node.right, decls, depth + 1);
    return left?.envVar ? { value: right?.value ?? null, envVar: left.envVar } : null;
  }
  if (node.type === 'Identifier' && decls.has(node.name)) return resolveHost(declarationAt(decls, node), decls, depth + 1);
  return null;
}

/** `app.set('port', value)`: the key `resolvePort` finds the value under (not an identifier, so it cannot clash with one). */
function expressPortSetting(node: Node): { key: string; value: Node } | null {
  if (node.type !== 'CallExpression' || node.callee?.type !== 'MemberExpression' || propName(node.callee) !== 'set') return null;
  if (stringValue(node.arguments[0]) !== 'port' || !node.arguments[1]) return null;
  const receiver = calleeName(node.callee.object);
  return receiver ? { key: `${receiver}.set('port')`, value: node.arguments[1] } : null;
}

/** `app.get('port')` -> the key of its `app.set('port', ...)`. */
function expressPortRead(n: Node): string | null {
  if (n.type !== 'CallExpression' || n.callee?.type !== 'MemberExpression' || propName(n.callee) !== 'get' || stringValue(n.arguments[0]) !== 'port') return null;
  const receiver = calleeName(n.callee.object);
  return receiver ? `${receiver}.set('port')` : null;
}

/**
 * NestJS `ConfigService` reads of an env variable: `config.get<number>('PORT')`,
 * `this.configService.get('HTTP_PORT', 3000)`, `getOrThrow('PORT')`. ConfigModule answers an
 * upper-case key from process.env, so the key is the variable; the second argument is the default.
 */
function configServiceRead(n: Node): ResolvedPort | null {
  if (n.type !== 'CallExpression' || n.callee?.type !== 'MemberExpression') return null;
  const method = propName(n.callee);
  if (method !== 'get' && method !== 'getOrThrow') return null;
  if (!/config/i.test(lastName(calleeName(n.callee.object)))) return null;
  const key = stringValue(n.arguments[0]);
  if (!key || !/^[A-Z0-9_]*PORT$/.test(key)) return null;
  const fallback = numberValue(n.arguments[1]);
  return { port: validPort(fallback) ? fallback : null, envVar: key, envVars: [key] };
}

/**
 * A config schema entry that binds a port setting to an env variable with a default, as convict
 * (and node-convict-like loaders) declare it: `port: { format: 'port', default: 4000, env: 'CATALOG_PORT' }`.
 */
function schemaPortHint(node: Node, parents: Node[]): { port: number; envVar: string } | null {
  const prop = (key: string) => node.properties.find((p: Node) => p.type === 'Property' && !p.computed && (p.key?.name ?? p.key?.value) === key);
  const env = stringValue(prop('env')?.value);
  const port = numberValue(prop('default')?.value);
  if (!env || !/^[A-Z][A-Z0-9_]*$/.test(env) || !validPort(port)) return null;
  const owner = parents[parents.length - 1];
  const key = owner?.type === 'Property' ? (owner.key?.name ?? owner.key?.value ?? '') : '';
  return /port/i.test(String(key)) || /PORT$/.test(env) ? { port, envVar: env } : null;
}

/** Walks every node once, with the chain of ancestors. */
function walk(node: Node, visit: (node: Node, parents: Node[]) => void, parents: Node[] = []): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit, parents);
    return;
  }
  if (typeof node.type !== 'string') return;
  visit(node, parents);
  parents.push(node);
  for (const key in node) {
    if (key === 'start' || key === 'end' || key === 'type' || key === 'range' || key === 'loc') continue;
    const child = node[key];
    if (child && typeof child === 'object') walk(child, visit, parents);
  }
  parents.pop();
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** Reads the facts of one JS/TS file; a file without a relevant token is not parsed at all. */
export function extractJsFacts(path: string, text: string, onProgram?: (program: Node) => void): JsSourceFacts {
  const facts = emptyFacts();
  if (!mayMatter(text)) return facts;
  const { program, error } = parseProgram(path, text);
  if (error) {
    facts.syntaxError = error;
    return facts;
  }
  const lineOf = lineIndex(text);
  const line = (node: Node) => lineOf(node.start);
  const src = (node: Node) => text.slice(node.start, node.end);

  // Declarations first (`const PORT = ...`, `const config = { port }`), so listen(PORT) resolves.
  const decls = new Map<string, Node>();
  /** Variables that hold a router or an app, by how they were made. */
  const params = new Set<string>();
  const scoped: ScopedDeclaration[] = [];
  /** `x.register(...)` calls with their ancestors, and the local names of fastify-plugin. */
  const registerCalls: { call: Node; parents: Node[] }[] = [];
  const pluginWrappers = new Set<string>();
  const wrapperCalls: Node[] = [];
  /** `this.x = ...` assignments and class field initializers, by `this.x`; `settled`: in the constructor body, unconditionally, or a field initializer. */
  const memberAssigns = new Map<string, { value: Node; line: number; settled: boolean }[]>();
  /** Koa `router.prefix('/x')` calls. */
  const prefixCalls: { receiver: string; arg: Node; line: number; settled: boolean }[] = [];
  walk(program, (node, parents) => {
    const member = memberAssignment(node);
    if (member) memberAssigns.set(member.name, [...(memberAssigns.get(member.name) ?? []), { value: member.value, line: line(node), settled: member.field || inConstructorBody(parents) }]);
    if (node.type === 'CallExpression' && node.arguments?.length === 1 && node.callee?.type === 'MemberExpression' && propName(node.callee) === 'prefix') {
      const receiver = calleeName(node.callee.object);
      if (receiver) prefixCalls.push({ receiver, arg: node.arguments[0], line: line(node), settled: unconditional(parents) });
    }
    if (node.type === 'CallExpression') {
      if (node.callee?.type === 'MemberExpression' && propName(node.callee) === 'register') registerCalls.push({ call: node, parents: [...parents] });
      if (node.arguments?.[0]) wrapperCalls.push(node);
    }
    if (node.type === 'ImportDeclaration' && node.source?.value === 'fastify-plugin') for (const sp of node.specifiers ?? []) pluginWrappers.add(sp.local.name);
    if (node.type === 'VariableDeclarator' && node.id?.type === 'Identifier' && requireSpec(node.init) === 'fastify-plugin') pluginWrappers.add(node.id.name);
    if (node.type === 'VariableDeclarator' && node.id?.type === 'Identifier' && node.init) {
      decls.set(node.id.name, node.init);
      const fn = [...parents].reverse().find((p) => FUNCTION_TYPES.has(p.type));
      scoped.push({ name: node.id.name, init: node.init, start: fn?.start ?? program.start, end: fn?.end ?? program.end });
    }
    // Express's settings: `app.set('port', process.env.API_PORT || 3000)`, read back by `app.get('port')`.
    const setting = expressPortSetting(node);
    if (setting) decls.set(setting.key, setting.value);
    if (FUNCTION_TYPES.has(node.type)) for (const p of node.params ?? []) if (p.type === 'Identifier') params.add(p.name);
  });
  SCOPES.set(decls, scoped);
  resolveMembers(memberAssigns, decls, facts);
  // `this.port = Number(process.env.API_PORT) || 3000` in the constructor (or a field initializer),
  // read by `this.app.listen(this.port)`: keyed `this.port`, which no identifier can clash with.
  for (const [name, value] of settledMembers(memberAssigns)) decls.set(name, value);
  const isPluginWrap = (call: Node) =>
    call?.type === 'CallExpression' && ((call.callee?.type === 'Identifier' && pluginWrappers.has(call.callee.name)) || requireSpec(call.callee) === 'fastify-plugin');
  /** Local names passed to fastify-plugin (`module.exports = fp(plugin)`). */
  const wrappedNames = new Set(wrapperCalls.filter(isPluginWrap).flatMap((c) => (c.arguments[0]?.type === 'Identifier' ? [c.arguments[0].name] : [])));
  const encapsulation = (receiver: string, parents: Node[]) => encapsulationOf(receiver, parents, { line, registerCalls, wrappedNames, isPluginWrap });

  const listenCalls: Node[] = [];
  /** Bull (v3/v4) queues the file makes, and the receivers of its `.process(...)` calls: a queue is a consumer only when it processes. */
  const bullQueues: { node: Node; variable: string | null }[] = [];
  const processReceivers: Node[] = [];
  /** `x.subscribe('subject')`/`x.psubscribe(...)` calls, and the receivers of `x.on('message', fn)`: NATS and Redis pub/sub subscribers. */
  const subscribeCalls: { node: Node; parents: Node[] }[] = [];
  const messageListeners = new Set<string>();
  /** The listen calls of TCP/gRPC Nest microservices, with the port expression of their options. */
  const rpcListens = new Map<Node, { transport: 'TCP' | 'GRPC'; port: Node | null }>();
  /** `serve(...)` calls of @hono/node-server: the `port` option's expression, null for none (the adapter's default), or `opaque` (options ecsfix cannot read). */
  const serveListens = new Map<Node, { port: Node | null; opaque?: boolean }>();
  walk(program, (node, parents) => {
    switch (node.type) {
      case 'ImportDeclaration':
        for (const s of node.specifiers ?? []) facts.imports[s.local.name] = node.source.value;
        facts.loads.push(node.source.value);
        break;
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration':
        if (typeof node.source?.value === 'string') facts.loads.push(node.source.value);
        if (node.type === 'ExportNamedDeclaration') onExportNamed(node);
        break;
      case 'VariableDeclarator':
        onDeclarator(node);
        break;
      case 'MemberExpression': {
        const env = envName(node);
        if (env) facts.envReads.push({ name: env, line: line(node), ...(hasFallback(node, parents) ? { fallback: true } : {}) });
        break;
      }
      case 'LogicalExpression':
      case 'ConditionalExpression': {
        // `process.env.X_PORT || 3003` anywhere: the model keeps another service's port apart by its variable.
        const parent = parents[parents.length - 1];
        if (parent && (parent.type === 'LogicalExpression' || parent.type === 'ConditionalExpression')) break;
        const { port, envVar } = resolvePort(node, new Map());
        if (validPort(port) && envVar && /PORT$/.test(envVar)) facts.ports.push({ port, line: line(node), what: 'process.env fallback', envVar });
        break;
      }
      case 'ObjectExpression': {
        const guard = nestGlobalGuard(node, null);
        if (guard) facts.nestGlobalGuard ??= { line: line(node), what: guard };
        const schema = schemaPortHint(node, parents);
        if (schema) facts.ports.push({ ...schema, line: line(node), what: 'config schema env' });
        break;
      }
      case 'NewExpression':
        onNew(node, parents);
        break;
      case 'CallExpression':
        onCall(node, parents);
        break;
      case 'Property':
        if (!node.computed && (node.key?.name === 'eachMessage' || node.key?.name === 'eachBatch')) facts.consumesQueue = true;
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        onClass(node);
        break;
      case 'ExportDefaultDeclaration':
        if (node.declaration?.type === 'Identifier') exported(node.declaration.name);
        break;

      case 'AssignmentExpression': {
        const left = calleeName(node.left);
        if ((left === 'module.exports' || /^(?:module\.)?exports\.\w+$/.test(left)) && node.right?.type === 'Identifier') exported(node.right.name);
        break;
      }
      case 'IfStatement':
      case 'SwitchStatement':
        for (const r of answeredPaths(node, src)) facts.routes.push({ path: r.path, line: line(r.at), absolute: true });
        break;
      case 'WhileStatement':
      case 'ForStatement':
        // A Redis-streams consumer: a loop around XREAD/XREADGROUP.
        if (/\.xread(?:group)?\s*\(|['"]XREAD(?:GROUP)?['"]/i.test(src(node.body ?? node))) {
          facts.consumesQueue = true;
          facts.consumers.push({ kind: 'redis-stream', line: line(node), variable: null, factory: 'xreadgroup loop' });
        }
        break;
    }
  });
  for (const q of bullQueues) {
    if (!processReceivers.some((r) => r === q.node || (q.variable !== null && calleeName(r) === q.variable))) continue;
    facts.consumesQueue = true;
    facts.consumers.push({ kind: 'bull', line: line(q.node), variable: q.variable, factory: 'new Queue' });
  }
  for (const { node, parents } of subscribeCalls) {
    const kind = subscriberKind(node, decls, facts.imports, messageListeners);
    if (!kind) continue;
    facts.consumesQueue = true;
    facts.consumers.push({ kind, line: line(node), variable: assignedName(parents), factory: calleeName(node.callee) });
  }
  applyPrefixCalls(prefixCalls, facts);
  // Keep only routers that were declared (exported names can be any identifier).
  facts.exportedRouters = [...new Set(facts.exportedRouters.filter((n) => n in facts.routers))];

  for (const call of listenCalls) {
    const served = serveListens.get(call);
    // A TCP/gRPC microservice's port is in its options, not a listen() argument; so is a serve()'s.
    const arg = served ? served.port : (call.arguments[0] ?? rpcListens.get(call)?.port);
    const resolved: ResolvedPort = arg ? resolvePort(arg, decls) : served && !served.opaque ? { port: HONO_NODE_SERVER_PORT, envVar: null } : { port: null, envVar: null, ...(served ? { fromConfig: true } : {}) };
    const { port, envVar, envVars, viaHelper, fromConfig } = resolved;
    const host = rpcListens.has(call) || served ? null : listenHost(call, decls, isFastify(call.callee?.object, decls, facts.imports));
    facts.listen.push({
      line: line(call),
      receiver: served ? 'serve' : calleeName(call.callee.object) || null,
      port,
      envVar,
      ...(envVars?.length ? { envVars } : {}),
      ...(viaHelper ? { viaHelper } : {}),
      ...(fromConfig ? { fromConfig } : {}),
      ...(host ? { host } : {}),
      expression: arg ? src(arg) : served?.opaque ? src(call.arguments[0]) : null,
      ...listenApp(call, served !== undefined, decls, facts),
      ...(rpcListens.has(call) ? { rpc: true } : {}),
    });
  }
  facts.startup = startupOrder(program, listenCalls, line);
  // Only when every server the file starts is one: an HTTP app beside it (a hybrid app) serves HTTP.
  const rpc = listenCalls.map((call) => rpcListens.get(call));
  if (rpc.length && rpc.every(Boolean) && !facts.apps.length) facts.rpcServer = { transport: rpc[0]!.transport, line: line(listenCalls[0]) };
  // The facts hold no node: whoever takes the program may reshape it (src/source/keptParses.ts).
  onProgram?.(program);
  return facts;

  function exported(name: string) {
    if (name) facts.exportedRouters.push(name);
  }

  function onDeclarator(node: Node) {
    if (node.id?.type === 'ObjectPattern' && node.init) {
      // const { a, b: c } = require('x'); const { PORT } = process.env
      const spec = requireSpec(node.init);
      const fromEnv = calleeName(node.init) === 'process.env';
      for (const p of node.id.properties ?? []) {
        const local = p.value?.type === 'Identifier' ? p.value.name : p.value?.left?.name;
        if (spec && local) facts.imports[local] = spec;
        if (fromEnv && p.key?.name) facts.envReads.push({ name: p.key.name, line: line(p), ...(p.value?.type === 'AssignmentPattern' ? { fallback: true } : {}) });
      }
      return;
    }
    if (node.id?.type !== 'Identifier' || !node.init) return;
    const name = node.id.name;
    const init = node.init.type === 'AwaitExpression' ? node.init.argument : node.init;
    const spec = requireSpec(init);
    if (spec) facts.imports[name] = spec;
    const made = madeBy(init);
    if (made === 'app') facts.apps.push(name);
    else if (made) {
      facts.routers[name] = made.prefix ?? '';
      if (made.prefix === null) facts.unsettled[name] = { line: line(node), reason: NON_LITERAL_PREFIX };
    }
    const numeric = numberValue(init);
    if (name === 'PORT' && validPort(numeric)) facts.ports.push({ port: numeric, line: line(node), what: 'PORT constant', envVar: null });
  }

  /** `new Queue('email', url)` or `Queue('email', url)` (Bull makes the instance itself) of the bull package. */
  function onBullQueue(node: Node, parents: Node[]) {
    if (node.callee?.type === 'Identifier' && facts.imports[node.callee.name] === 'bull' && node.arguments.length >= 1) bullQueues.push({ node, variable: assignedName(parents) });
  }

  function onNew(node: Node, parents: Node[]) {
    onBullQueue(node, parents);
    const name = lastName(calleeName(node.callee));
    const first = node.arguments[0];
    if (name === 'Worker' && first && (first.type === 'Literal' || first.type === 'TemplateLiteral' || first.type === 'Identifier') && node.arguments.length >= 2) {
      facts.consumesQueue = true;
      facts.consumers.push({ kind: 'bullmq', line: line(node), variable: assignedName(parents), factory: 'new Worker' });
    }
    if (CONSUMER_CLASS.test(name) && node.callee.type === 'Identifier' && facts.imports[name] && !/^(?:kafkajs|bullmq|amqplib)$/.test(facts.imports[name])) {
      // A shared package's consumer class (the shutdown codemod follows it into the package).
      facts.consumesQueue = true;
      facts.consumers.push({ kind: 'kafka-wrapper', line: line(node), variable: assignedName(parents), factory: `new ${name}` });
    }
    if (name === 'ReceiveMessageCommand') {
      facts.consumesQueue = true;
      facts.consumers.push({ kind: 'sqs', line: line(node), variable: null, factory: 'ReceiveMessageCommand' });
    }
    const store = DATASTORE_CONSTRUCTORS[name];
    if (store && !(name === 'Client' && !/pg/.test(facts.imports.Client ?? ''))) facts.datastores.push({ kind: store, line: line(node), call: `new ${name}` });
  }

  function onExportNamed(node: Node) {
    for (const d of node.declaration?.declarations ?? []) if (d.id?.type === 'Identifier') exported(d.id.name);
    for (const s of node.specifiers ?? []) exported(s.local?.name ?? '');
  }

  function onCall(node: Node, parents: Node[]) {
    const callee = calleeName(node.callee);
    const method = node.callee?.type === 'MemberExpression' ? propName(node.callee) : null;
    const receiver = node.callee?.type === 'MemberExpression' ? calleeName(node.callee.object) : '';
    const args = node.arguments;
    const loaded = requireSpec(node);
    if (loaded) facts.loads.push(loaded);
    const signal = stringValue(args?.[0]);
    if (receiver === 'process' && (method === 'on' || method === 'once' || method === 'addListener') && (signal === 'SIGTERM' || signal === 'SIGINT'))
      facts.signalHandlers.push({ signal, line: line(node), exits: FUNCTION_TYPES.has(args[1]?.type) && callsExit(args[1]) });
    onBullQueue(node, parents);
    if (method === 'process' && args.length >= 1 && receiver !== 'process') processReceivers.push(node.callee.object);
    if ((method === 'subscribe' || method === 'psubscribe') && args[0] && /^(?:Literal|TemplateLiteral|Identifier)$/.test(args[0].type)) subscribeCalls.push({ node, parents: [...parents] });
    if (method === 'on' && receiver && /^p?message(?:Buffer)?$/.test(stringValue(args[0]) ?? '')) messageListeners.add(receiver);
    const microservice = method === 'listen' ? nestMicroservice(node.callee.object, decls) : null;
    const transport = microservice?.transport ?? '';
    if (BROKER_TRANSPORT.test(transport)) {
      // A Nest microservice on a message broker: `listen()` starts consuming, no HTTP server.
      facts.consumesQueue = true;
    } else if (method === 'listen') {
      facts.listens = true;
      listenCalls.push(node);
      if (RPC_TRANSPORT.test(transport)) rpcListens.set(node, { transport: transport === 'Transport.GRPC' ? 'GRPC' : 'TCP', port: microservice?.port ?? null });
      const literal = numberValue(args[0]);
      if (validPort(literal)) facts.ports.push({ port: literal, line: line(node), what: '.listen literal', envVar: null });
    }
    // hapi: `Hapi.server({ port, host })` then `server.start()`; the options carry the port.
    if (/^(?:Hapi\.)?[sS]erver$/.test(callee) && /^@?hapi(?:\/hapi)?$/.test(facts.imports[callee.split('.')[0] ?? ''] ?? '') && args[0]?.type === 'ObjectExpression') {
      facts.listens = true;
      listenCalls.push(node);
    }
    if (callee === 'NestFactory.create' || callee === 'Bun.serve' || (callee === 'serve' && args[0]?.type === 'ObjectExpression' && args[0].properties.some((p: Node) => p.key?.name === 'fetch'))) facts.listens = true;
    if (node.callee?.type === 'Identifier' && facts.imports[callee] === '@hono/node-server' && callee !== 'createAdaptorServer') onServe(node);
    if (/^getServicePort\w*$/.test(lastName(callee))) {
      const { port, envVar } = resolvePort(node, decls);
      if (validPort(port)) facts.ports.push({ port, line: line(node), what: 'getServicePort default', envVar });
    }
    // Consumers
    if (method === 'consumer' && args[0]?.type === 'ObjectExpression') {
      facts.consumesQueue = true;
      facts.consumers.push({ kind: 'kafkajs', line: line(node), variable: assignedName(parents), factory: callee });
    } else if (KAFKA_WRAPPER_FACTORY.test(lastName(callee)) && node.callee.type === 'Identifier') {
      facts.consumesQueue = true;
      facts.consumers.push({ kind: 'kafka-wrapper', line: line(node), variable: assignedName(parents), factory: callee });
    } else if (QUEUE_WORKER_FACTORY.test(callee) && node.callee.type === 'Identifier' && /^(?:\.|@)/.test(facts.imports[callee] ?? '')) {
      // A shared queue package's worker factory: the shutdown codemod follows it into the package.
      facts.consumesQueue = true;
      facts.consumers.push({ kind: 'bullmq', line: line(node), variable: assignedName(parents), factory: callee });
    } else if (QUEUE_CONSUMER_STARTER.test(callee) && node.callee.type === 'Identifier' && /^(?:\.|@)/.test(facts.imports[callee] ?? '')) {
      // A shared messaging package's consumer (amqplib inside): the shutdown codemod follows it into the package.
      facts.consumesQueue = true;
      facts.consumers.push({ kind: 'amqplib', line: line(node), variable: assignedName(parents), factory: callee });
    } else if (method === 'consume' && args.length >= 2) {
      facts.consumesQueue = true;
      facts.consumers.push({ kind: 'amqplib', line: line(node), variable: receiver || null, factory: callee });
    } else if (method === 'subscribe' && args[0]?.type === 'ObjectExpression' && args[0].properties.some((p: Node) => /^topics?$/.test(p.key?.name ?? ''))) facts.consumesQueue = true;
    // Datastores
    if (callee === 'mongoose.connect' || callee === 'mongoose.createConnection') facts.datastores.push({ kind: 'mongoose', line: line(node), call: callee });
    else if (node.callee.type === 'Identifier' && MONGO_CONNECT_CALL.test(callee) && /mongo/i.test(callee + (facts.imports[callee] ?? ''))) facts.datastores.push({ kind: 'mongo', line: line(node), call: callee });
    else if (/^(?:createClient|getRedisClient)$/.test(lastName(callee)) && (/redis/i.test(facts.imports[callee] ?? '') || /redis/i.test(callee))) facts.datastores.push({ kind: 'redis', line: line(node), call: callee });
    // Routes: only on an app, a router, a plugin's parameter, or `this.app`; never on an HTTP client.
    // Hono's `app.route('/health', health)` mounts a sub-app (a mount, below; a path that is not a string
    // literal makes it opaque); Express's `router.route('/x').get(...)` is a route.
    const mountsSubApp = method === 'route' && args.length === 2 && !FUNCTION_TYPES.has(args[1]?.type);
    if (method && /^(?:get|all|head|route)$/.test(method)) {
      const path = stringValue(args[0]);
      if (path?.startsWith('/') && servesRoutes(node.callee.object) && (args.length >= 2 || method === 'route') && !mountsSubApp) facts.routes.push({ path, line: line(node.callee.property), ...routeReceiver(chainRoot(node.callee.object), parents) });
      if (method === 'route' && args[0]?.type === 'ObjectExpression') {
        const url = args[0].properties.find((p: Node) => /^(?:url|path)$/.test(p.key?.name ?? ''));
        const p = stringValue(url?.value);
        const scoped = receiver ? routeReceiver(receiver, parents) : { receiver: null };
        if (p?.startsWith('/')) facts.routes.push({ path: p, line: line(url), ...(scoped.scope || scoped.skipsPrefix || scoped.opaqueAt ? scoped : {}) });
      }
    }
    // Mounts
    if (method === 'use' || method === 'register' || mountsSubApp) {
      const prefixArg = stringValue(args[0]);
      let target = prefixArg !== null || mountsSubApp ? args[1] : args[0];
      let prefix = prefixArg ?? '';
      // A register without a prefix still nests the plugin in the caller's context.
      const registered = method === 'register' ? registerPrefix(node) : mountsSubApp ? prefixArg : '';
      if (method === 'register') prefix = registered ?? '';
      // koa-mount: `app.use(mount('/api', router.routes()))`, `mount(subApp)` (at /).
      const koaMount = method === 'use' && isKoaMount(target) ? target : null;
      const mountedAt = koaMount ? (koaMount.arguments.length >= 2 ? stringValue(koaMount.arguments[0]) : '/') : '';
      if (koaMount) {
        target = koaMount.arguments[koaMount.arguments.length - 1];
        prefix = mountedAt === null ? prefix : joinRoute(prefix, mountedAt);
      }
      if (!prefix.startsWith('/') && prefix !== '') return;
      const context: { receiver: string | null; scope?: string; skipsPrefix?: boolean; opaqueAt?: number } = receiver ? routeReceiver(receiver, parents) : { receiver: null };
      const wrapped = method === 'register' && isPluginWrap(target);
      const opaqueAt = (registered === null && !wrapped) || mountedAt === null ? line(node) : context.opaqueAt;
      const at = { on: context.receiver, line: line(node), ...(context.scope ? { scope: context.scope } : {}), ...(context.skipsPrefix ? { skipsPrefix: true } : {}), ...(opaqueAt ? { opaqueAt } : {}) };
      const plugin = wrapped ? target.arguments[0] : target;
      const spec = requireSpec(plugin);
      const skips = wrapped || (plugin?.type === 'Identifier' && (wrappedNames.has(plugin.name) || isPluginWrap(decls.get(plugin.name)))) ? { targetSkipsPrefix: true } : {};
      if (spec) {
        const ident = `require(${spec})`;
        facts.mounts.push({ prefix, ident, ...at, ...skips });
        facts.imports[ident] = spec;
      } else {
        const t = plugin?.type === 'CallExpression' && propName(plugin.callee ?? {}) === 'routes' ? plugin.callee.object : plugin;
        // A local (`router`) or a member of this class (`this.router`, `this.router.routes()`).
        const ident = t?.type === 'Identifier' ? t.name : t?.type === 'MemberExpression' && t.object?.type === 'ThisExpression' ? calleeName(t) : '';
        if (ident && !ident.endsWith('.?')) facts.mounts.push({ prefix, ident, ...at, ...skips });
      }
    }
    // Authentication in front of the routes registered after it (a Fastify hook: all of its context's).
    const gate = authGateOfCall(node, method, facts.imports, src);
    if (gate) {
      const ctx = receiver ? routeReceiver(receiver, parents) : { receiver: null };
      facts.authGates.push({ ...gate, line: line(node), receiver: ctx.receiver, ...(ctx.scope ? { scope: ctx.scope } : {}) });
    }
    const guard = nestGlobalGuard(node, method);
    if (guard) facts.nestGlobalGuard ??= { line: line(node), what: guard };
    if (method === 'setGlobalPrefix') {
      facts.globalPrefix = stringValue(args[0]);
      const opts = args[1];
      const exclude = opts?.type === 'ObjectExpression' ? opts.properties.find((p: Node) => p.key?.name === 'exclude') : null;
      if (exclude?.value?.type === 'ArrayExpression')
        for (const el of exclude.value.elements) {
          const s = stringValue(el) ?? stringValue(el?.properties?.find((p: Node) => p.key?.name === 'path')?.value);
          if (s !== null) facts.globalPrefixExclude.push(s);
        }
    }
    if (method === 'enableVersioning') facts.nestVersioning = nestVersioning(args[0], line(node));
    if (callee === 'RouterModule.register') {
      const paths = nestRouterPaths(args[0], '', line(node));
      if (paths) facts.nestRouter.paths.push(...paths);
      else facts.nestRouter.opaqueAt ??= line(node);
    }
  }

  /** `mount(...)` of koa-mount (imported, or `require('koa-mount')(...)`). */
  function isKoaMount(call: Node): boolean {
    if (call?.type !== 'CallExpression' || !call.arguments.length) return false;
    return (call.callee?.type === 'Identifier' && facts.imports[call.callee.name] === 'koa-mount') || requireSpec(call.callee) === 'koa-mount';
  }

  /**
   * @hono/node-server's `serve(app)` / `serve({ fetch, port })`: it listens on the `port` option,
   * and on 3000 when there is none (the adapter never reads PORT). Options built elsewhere or
   * spread in (`serve({ ...opts })`) leave the port unestablished.
   */
  function onServe(call: Node) {
    const first = call.arguments[0];
    const declared = first?.type === 'Identifier' ? decls.get(first.name) : null;
    const options = first?.type === 'ObjectExpression' ? first : declared?.type === 'ObjectExpression' ? declared : null;
    const isApp = first?.type === 'Identifier' && facts.apps.includes(first.name);
    if (!options && !isApp) return;
    facts.listens = true;
    listenCalls.push(call);
    const portProp = options?.properties.find((p: Node) => p.type === 'Property' && (p.key?.name ?? p.key?.value) === 'port');
    if (portProp) {
      serveListens.set(call, { port: portProp.value });
      const literal = numberValue(portProp.value);
      if (validPort(literal)) facts.ports.push({ port: literal, line: line(call), what: '.listen literal', envVar: null });
    } else if (options?.properties.some((p: Node) => p.type !== 'Property')) serveListens.set(call, { port: null, opaque: true });
    else {
      serveListens.set(call, { port: null });
      facts.ports.push({ port: HONO_NODE_SERVER_PORT, line: line(call), what: 'serve default port', envVar: null });
    }
  }

  /** The receiver fields of a route or mount: the receiver as written, or the outermost one with the prefixes of this file's plugins around it. */
  function routeReceiver(receiver: string, parents: Node[]): { receiver: string | null; scope?: string; skipsPrefix?: boolean; opaqueAt?: number } {
    if (!receiver) return { receiver: null };
    const enc = encapsulation(receiver, parents);
    if (enc.receiver === receiver && !enc.scope && !enc.skipsPrefix && !enc.opaqueAt) return { receiver };
    return { receiver: enc.receiver, ...(enc.scope ? { scope: enc.scope } : {}), ...(enc.skipsPrefix ? { skipsPrefix: true } : {}), ...(enc.opaqueAt ? { opaqueAt: enc.opaqueAt } : {}) };
  }

  /** Whether `receiver` can serve routes: an app or router made here, a function parameter (a plugin), `this.app`, or an imported app/router. */
  function servesRoutes(receiverNode: Node): boolean {
    if (!receiverNode) return false;
    if (receiverNode.type === 'MemberExpression') {
      const member = calleeName(receiverNode);
      if (member in facts.routers || facts.apps.includes(member)) return true;
      return /^(?:app|router|server|fastify|api|instance|http)$/i.test(propName(receiverNode) ?? '');
    }
    if (receiverNode.type === 'CallExpression') return servesRoutes(receiverNode.callee?.object); // router.route('/x').get(...)
    if (receiverNode.type !== 'Identifier') return false;
    const name = receiverNode.name;
    if (name in facts.routers || facts.apps.includes(name)) return true;
    if (decls.has(name)) {
      // Declared here but neither app nor router (an axios client, a Map): not a server.
      return false;
    }
    if (params.has(name)) return true;
    if (facts.imports[name]) return /^(?:app|router|server|fastify|api|instance|\w*Router|\w*App)$/.test(name);
    return /^(?:app|router|server|fastify)$/.test(name);
  }

  function onClass(node: Node) {
    for (const member of node.body?.body ?? [])
      if (/^(?:onModuleDestroy|beforeApplicationShutdown|onApplicationShutdown)$/.test(member.key?.name ?? '') && /\.(?:disconnect|close|stop|quit)\s*\(/.test(src(member)))
        facts.lifecycleClosers.push({ line: line(member), method: member.key.name });
    const decorator = (name: string) => (node.decorators ?? []).find((d: Node) => calleeName(d.expression?.callee) === name);
    const module = decorator('Module')?.expression.arguments[0];
    const controllers = module?.type === 'ObjectExpression' ? module.properties.find((p: Node) => p.key?.name === 'controllers')?.value : null;
    if (node.id?.name && controllers?.type === 'ArrayExpression') facts.nestModules[node.id.name] = controllers.elements.filter((e: Node) => e?.type === 'Identifier').map((e: Node) => e.name);
    const controller = decorator('Controller');
    if (!controller) return;
    const arg = controller.expression.arguments[0];
    const option = (key: string) => (arg?.type === 'ObjectExpression' ? arg.properties.find((p: Node) => p.key?.name === key)?.value : undefined);
    const base = stringValue(arg) ?? stringValue(option('path')) ?? '';
    // `version: undefined` is no version.
    const written = (v: Node) => (v?.type === 'Identifier' && v.name === 'undefined' ? undefined : v);
    const controllerVersion = written(option('version'));
    const names = (ds: Node[] | undefined) => (ds ?? []).map((d: Node) => calleeName(d.expression?.callee ?? d.expression));
    const classPublic = names(node.decorators).some((n) => NEST_PUBLIC.test(n));
    const guardOf = (ds: Node[] | undefined) => (ds ?? []).flatMap((d: Node) => { const what = nestUseGuards(d); return what ? [{ line: line(d), what }] : []; })[0];
    const classGuard = guardOf(node.decorators);
    for (const member of node.body?.body ?? []) {
      const isPublic = classPublic || names(member.decorators).some((n) => NEST_PUBLIC.test(n));
      const guarded = guardOf(member.decorators) ?? classGuard;
      const auth = { ...(isPublic ? { nestPublic: true } : {}), ...(guarded ? { nestGuard: guarded } : {}) };
      const version = written((member.decorators ?? []).find((d: Node) => calleeName(d.expression?.callee) === 'Version')?.expression.arguments[0]) ?? controllerVersion;
      for (const d of member.decorators ?? []) {
        const name = calleeName(d.expression?.callee);
        if (!/^(?:Get|All|Head)$/.test(name)) continue;
        const sub = stringValue(d.expression.arguments[0]) ?? '';
        facts.routes.push({ path: joinRoute(base, sub), line: line(d), nest: true, ...(node.id?.name ? { nestController: node.id.name } : {}), ...(version ? { nestVersion: nestVersionOf(version) } : {}), ...auth });
      }
    }
  }
}

/** A NestJS version expression: `'1'`, `['1', '2']`, `VERSION_NEUTRAL` (as ''); null for anything else. */
function nestVersionOf(node: Node): NestVersion {
  if (node?.type === 'ArrayExpression') {
    const values = node.elements.map((e: Node) => nestVersionOf(e));
    return values.every((v: NestVersion) => v !== null) ? values.flat() : null;
  }
  const s = stringValue(node);
  if (s !== null) return [s];
  return lastName(calleeName(node)) === 'VERSION_NEUTRAL' ? [''] : null;
}

/** `enableVersioning(options)`: with no argument Nest versions by URI. */
function nestVersioning(options: Node, line: number): NestVersioning {
  if (!options) return { type: 'URI', prefix: 'v', line };
  if (options.type !== 'ObjectExpression' || options.properties.some((p: Node) => p.type !== 'Property')) return { type: null, prefix: null, line };
  const value = (key: string) => options.properties.find((p: Node) => (p.key?.name ?? p.key?.value) === key)?.value;
  const type = lastName(calleeName(value('type')));
  const prefix = value('prefix');
  return {
    type: type === 'URI' || type === 'HEADER' || type === 'MEDIA_TYPE' || type === 'CUSTOM' ? type : null,
    ...(value('defaultVersion') !== undefined ? { defaultVersion: nestVersionOf(value('defaultVersion')) } : {}),
    prefix: prefix === undefined ? 'v' : prefix?.type === 'Literal' && prefix.value === false ? '' : stringValue(prefix),
    line,
  };
}

/** The module paths of a `RouterModule.register([...])` routes array (children under their parent's path); null when it is not a literal array ecsfix can read. */
function nestRouterPaths(routes: Node, parent: string, line: number): NestRouterPath[] | null {
  if (routes?.type !== 'ArrayExpression') return null;
  const paths: NestRouterPath[] = [];
  for (const route of routes.elements) {
    // A module listed directly among children inherits its parent's path.
    if (route?.type === 'Identifier') {
      paths.push({ module: route.name, path: parent, line });
      continue;
    }
    if (route?.type !== 'ObjectExpression' || route.properties.some((p: Node) => p.type !== 'Property')) return null;
    const value = (key: string) => route.properties.find((p: Node) => p.key?.name === key)?.value;
    const own = value('path') === undefined ? '' : stringValue(value('path'));
    const path = own === null ? null : routeSegments(parent, own);
    const module = value('module');
    if (module && module.type !== 'Identifier') return null;
    if (module) paths.push({ module: module.name, path, line });
    if (value('children') !== undefined) {
      if (path === null) return null;
      const children = nestRouterPaths(value('children'), path, line);
      if (!children) return null;
      paths.push(...children);
    }
  }
  return paths;
}

const ROUTER_FACTORY = /^(?:Router|createRouter|make\w*Router|create\w*Router|build\w*Router)$/;
const NON_LITERAL_PREFIX = 'the router prefix is not a string literal';

/**
 * What an initializer makes: `'app'` (`express()`, `new Koa()`, `Fastify()`, `new Hono()`), a router
 * with its own prefix (`new Router({ prefix: '/api' })`, `express.Router()`; Hono's
 * `new Hono().basePath('/api')`, whose routes are all under the base path), or null (not read).
 * A prefix that is not a string literal is null.
 */
function madeBy(node: Node): 'app' | { prefix: string | null } | null {
  const init = unwrapExpression(node);
  if (init?.type !== 'CallExpression' && init?.type !== 'NewExpression') return null;
  if (init.type === 'CallExpression' && init.callee?.type === 'MemberExpression' && propName(init.callee) === 'basePath') {
    const base = madeBy(init.callee.object);
    const path = stringValue(init.arguments[0]);
    if (base === 'app') return { prefix: path };
    return base ? { prefix: base.prefix !== null && path !== null ? routeSegments(base.prefix, path) : null } : null;
  }
  const made = calleeName(init.callee);
  // `require('fastify')({ logger: true })`, `require('express')()`: the factory called straight off its require.
  const made0 = made === 'require()' ? appFactoryOfRequire(init.callee) : lastName(made);
  if (ROUTER_FACTORY.test(made0)) {
    const opts = init.arguments[0];
    const prefix = opts?.type === 'ObjectExpression' ? opts.properties.find((p: Node) => (p.key?.name ?? p.key?.value) === 'prefix') : null;
    return { prefix: prefix ? stringValue(prefix.value) : '' };
  }
  return HTTP_APP_FACTORIES.has(made0) || made === 'NestFactory.create' ? 'app' : null;
}

/**
 * The app a listen call starts: its receiver when that is an app of the file, the app a server was
 * made from (`const server = http.createServer(app)`, `https.createServer(opts, this.app)`, `new http.Server(app)`, Koa's
 * `createServer(app.callback())`), or the app `serve(app)` / `serve({ fetch: app.fetch })` serves;
 * an app imported from a relative module is named as imported (the model follows the import).
 */
function listenApp(call: Node, served: boolean, decls: Map<string, Node>, { apps, imports }: Pick<JsSourceFacts, 'apps' | 'imports'>): { app: string | null; nest?: boolean } {
  const appOf = (node: Node): string | null => {
    const n = unwrapExpression(node);
    if (!n) return null;
    const name = calleeName(n);
    // An app of this file, or one imported from a relative module (`import app from './app'`).
    if (apps.includes(name) || (n.type === 'Identifier' && imports[name]?.startsWith('.'))) return name;
    // `app.callback()` (Koa), `app.fetch` (Hono): the app's own handler.
    if (n.type === 'CallExpression' && n.callee?.type === 'MemberExpression' && propName(n.callee) === 'callback') return appOf(n.callee.object);
    if (n.type === 'MemberExpression' && propName(n) === 'fetch') return appOf(n.object);
    return null;
  };
  const nestOf = (app: string | null) => {
    const init = app ? unwrapExpression(decls.get(app)) : null;
    return init && calleeName(init.callee) === 'NestFactory.create' ? { nest: true } : {};
  };
  if (served) {
    const first = unwrapExpression(call.arguments[0]);
    const fetch = first?.type === 'ObjectExpression' ? first.properties.find((p: Node) => (p.key?.name ?? p.key?.value) === 'fetch')?.value : null;
    return { app: appOf(fetch ?? first) };
  }
  const receiver = unwrapExpression(call.callee?.object);
  const direct = appOf(receiver);
  if (direct) return { app: direct, ...nestOf(direct) };
  const init = receiver?.type === 'CallExpression' || receiver?.type === 'NewExpression' ? receiver : receiver && (receiver.type === 'Identifier' || receiver.type === 'MemberExpression') ? unwrapExpression(decls.get(calleeName(receiver))) : null;
  if ((init?.type === 'CallExpression' || init?.type === 'NewExpression') && /^(?:createServer|createSecureServer|Server)$/.test(lastName(calleeName(init.callee)))) {
    for (const a of init.arguments) {
      const app = appOf(a);
      if (app) return { app };
    }
  }
  return { app: null };
}

/** The port @hono/node-server's `serve` listens on when its options have no `port` (`options?.port ?? 3e3`). */
const HONO_NODE_SERVER_PORT = 3000;

/** The object a chain of route calls starts from: `router.get('/a', h).get('/health', h)` -> `router`. */
function chainRoot(receiver: Node): string {
  let n = receiver;
  while (n?.type === 'CallExpression' && n.callee?.type === 'MemberExpression' && /^(?:get|post|put|patch|delete|del|all|head|options|use)$/.test(propName(n.callee) ?? '')) n = n.callee.object;
  return calleeName(n);
}

function unwrapExpression(node: Node): Node {
  let n = node;
  while (n && /^(?:TSAsExpression|TSSatisfiesExpression|TSNonNullExpression|ParenthesizedExpression|AwaitExpression)$/.test(n.type)) n = n.expression ?? n.argument;
  return n;
}

function isNullish(node: Node): boolean {
  const n = unwrapExpression(node);
  return (n?.type === 'Literal' && n.value === null) || (n?.type === 'Identifier' && n.name === 'undefined') || (n?.type === 'UnaryExpression' && n.operator === 'void');
}

/** `this.x = value` (a plain assignment) or a class field `x = value`: the member `this.x` and its value. */
function memberAssignment(node: Node): { name: string; value: Node; field: boolean } | null {
  if (node.type === 'AssignmentExpression' && node.operator === '=' && node.left?.type === 'MemberExpression' && node.left.object?.type === 'ThisExpression') {
    const prop = propName(node.left);
    return prop ? { name: `this.${prop}`, value: node.right, field: false } : null;
  }
  if (node.type === 'PropertyDefinition' && !node.static && !node.computed && node.value && node.key?.type === 'Identifier') return { name: `this.${node.key.name}`, value: node.value, field: true };
  return null;
}

/** Whether an expression (its ancestors `parents`) is a statement of a class constructor's own body, run on every construction. */
function inConstructorBody(parents: Node[]): boolean {
  let i = parents.length - 1;
  if (parents[i]?.type !== 'ExpressionStatement') return false;
  while (i >= 0 && (parents[i].type === 'ExpressionStatement' || parents[i].type === 'BlockStatement')) i--;
  return parents[i]?.type === 'FunctionExpression' && parents[i - 1]?.type === 'MethodDefinition' && parents[i - 1].kind === 'constructor';
}

const BRANCHING = new Set(['IfStatement', 'ConditionalExpression', 'LogicalExpression', 'SwitchStatement', 'ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement', 'TryStatement', 'CatchClause']);

/** Whether nothing between an expression and its function (or the module) makes it conditional. */
function unconditional(parents: Node[]): boolean {
  for (let i = parents.length - 1; i >= 0 && !FUNCTION_TYPES.has(parents[i].type); i--) if (BRANCHING.has(parents[i].type)) return false;
  return true;
}

/**
 * `this.<member>` receivers of a class-based server (`this.router = new Router({ prefix: '/api' })` in
 * the constructor): a member the constructor (or a field initializer) assigns once, unconditionally,
 * is what it assigns (a router with its prefix, or an app; `this.router = router` is that local).
 * Assigned only apps (or null) anywhere, it is an app: its routes are absolute. Assigned elsewhere,
 * more than once, or conditionally, its prefix is not established ({@link JsSourceFacts.unsettled}).
 * Members of every class of the file share one name: two classes assigning one are not established.
 */
function resolveMembers(assigns: Map<string, { value: Node; line: number; settled: boolean }[]>, decls: Map<string, Node>, facts: JsSourceFacts): void {
  for (const [name, all] of assigns) {
    const values = all.filter((a) => !isNullish(a.value));
    const first = values[0];
    if (!first) continue;
    const made = values.map((a) => madeBy(a.value) ?? (a.value?.type === 'Identifier' ? madeBy(declarationAt(decls, a.value)) : null));
    if (made.every((m) => m === 'app')) {
      facts.apps.push(name);
      continue;
    }
    if (values.length === 1 && first.settled) {
      const only = made[0];
      if (only && only !== 'app') {
        facts.routers[name] = only.prefix ?? '';
        if (only.prefix === null) facts.unsettled[name] = { line: first.line, reason: NON_LITERAL_PREFIX };
      }
      continue;
    }
    const at = values.find((a) => !a.settled) ?? values[1] ?? first;
    // One of the values serves routes: its routes are read (and not probed); an HTTP client member stays no server.
    if (made.some(Boolean)) facts.routers[name] = '';
    facts.unsettled[name] = { line: at.line, reason: values.length > 1 ? `${name} is assigned in ${values.length} places` : `${name} is assigned outside the constructor or conditionally` };
  }
}

/**
 * The `this.<member>`s whose value is established: assigned once (null aside), in the constructor's
 * own body or by a field initializer. Members of every class of the file share one name, so two
 * classes assigning one leave it unestablished.
 */
function settledMembers(assigns: Map<string, { value: Node; line: number; settled: boolean }[]>): [string, Node][] {
  return [...assigns].flatMap(([name, all]) => {
    const values = all.filter((a) => !isNullish(a.value));
    return values.length === 1 && values[0]!.settled ? [[name, values[0]!.value] as [string, Node]] : [];
  });
}

/**
 * Koa's `router.prefix('/api')`: it prefixes the router's routes, those registered before it too.
 * Called once, unconditionally, on a router made without a prefix, it is the router's prefix;
 * otherwise (more than once, conditionally, not a literal, or over a constructor prefix, where the
 * result depends on the order of the calls) the prefix is not established.
 */
function applyPrefixCalls(calls: { receiver: string; arg: Node; line: number; settled: boolean }[], facts: JsSourceFacts): void {
  const byRouter = new Map<string, typeof calls>();
  for (const c of calls) if (c.receiver in facts.routers) byRouter.set(c.receiver, [...(byRouter.get(c.receiver) ?? []), c]);
  for (const [router, list] of byRouter) {
    const prefix = stringValue(list[0]!.arg);
    if (list.length === 1 && list[0]!.settled && prefix !== null && !facts.routers[router]) facts.routers[router] = prefix;
    else facts.unsettled[router] ??= { line: list[0]!.line, reason: `${router}.prefix() is called more than once, conditionally, over a constructor prefix, or with a value that is not a string literal` };
  }
}

/** `require('x')`, `require('x').Router` receivers and `await import('x')` -> 'x'. */
/** The app factory a `require('<pkg>')` call yields when called at once: `require('fastify')` -> `fastify`. */
function appFactoryOfRequire(call: Node): string {
  const spec = requireSpec(call);
  return spec && HTTP_APP_FACTORIES.has(spec) ? spec : '';
}

/** The `prefix` option of a `register(plugin, { prefix })` call: '' when none is passed, null when it is not a string literal. */
function registerPrefix(call: Node): string | null {
  const opts = call.arguments?.[1];
  if (!opts) return '';
  if (opts.type !== 'ObjectExpression') return null;
  const p = opts.properties.find((q: Node) => (q.key?.name ?? q.key?.value) === 'prefix');
  return p ? stringValue(p.value) : '';
}

/** The name a function (or the call wrapping it) is bound to: `function p() {}`, `const p = ...`. */
function bindingName(node: Node, parent: Node): string | null {
  if (node.type === 'FunctionDeclaration') return node.id?.name ?? null;
  if (parent?.type === 'VariableDeclarator' && parent.init === node && parent.id?.type === 'Identifier') return parent.id.name;
  return null;
}

interface PluginFile {
  line: (node: Node) => number;
  registerCalls: { call: Node; parents: Node[] }[];
  wrappedNames: Set<string>;
  isPluginWrap: (call: Node) => boolean;
}

/** See {@link Encapsulation}: walks out from a route's receiver through the plugin functions this file registers. */
function encapsulationOf(receiver: string, parents: Node[], file: PluginFile): Encapsulation {
  let scope = '';
  let current = receiver;
  let chain = parents;
  let opaqueAt: number | undefined;
  const done = (skipsPrefix: boolean): Encapsulation => ({ scope, receiver: current, skipsPrefix, ...(opaqueAt ? { opaqueAt } : {}) });
  for (let hop = 0; hop < 8; hop++) {
    let i = chain.length - 1;
    while (i >= 0 && !(FUNCTION_TYPES.has(chain[i].type) && chain[i].params?.[0]?.type === 'Identifier' && chain[i].params[0].name === current)) i--;
    if (i < 0) return done(false);
    const fn = chain[i];
    const inlineWrap = file.isPluginWrap(chain[i - 1]) && chain[i - 1].arguments[0] === fn;
    const at = inlineWrap ? i - 1 : i;
    const holder = chain[at];
    const name = bindingName(holder, chain[at - 1]);
    const fnName = bindingName(fn, chain[i - 1]);
    const wrapped = inlineWrap || (fnName !== null && file.wrappedNames.has(fnName));
    const up = chain[at - 1];
    const passes = (arg: Node) => arg === holder || (name !== null && (arg?.type === 'Identifier' ? arg.name === name : file.isPluginWrap(arg) && arg.arguments[0]?.name === name));
    const reg =
      up?.type === 'CallExpression' && propName(up.callee ?? {}) === 'register' && up.arguments[0] === holder
        ? { call: up, parents: chain.slice(0, at - 1) }
        : (file.registerCalls.find((r) => passes(r.call.arguments[0])) ?? null);
    if (!reg) return done(wrapped);
    const wrappedHere = wrapped || file.isPluginWrap(reg.call.arguments[0]);
    const prefix = registerPrefix(reg.call);
    if (!wrappedHere) scope = routeSegments(prefix ?? '', scope);
    if (!wrappedHere && prefix === null) opaqueAt ??= file.line(reg.call);
    const outer = calleeName(reg.call.callee.object);
    if (!outer) return done(false);
    current = outer;
    chain = reg.parents;
  }
  return done(false);
}

/**
 * The subscriber a `x.subscribe(subject, ...)` call makes: `nats` when `x` is a connection of the
 * nats package (`const nc = await connect(...)`), `redis-pubsub` when the file uses ioredis/redis and
 * `x` takes the messages (`x.on('message', fn)`, or node-redis 4's listener argument); null otherwise
 * (an RxJS or event-bus subscribe).
 */
function subscriberKind(call: Node, decls: Map<string, Node>, imports: Record<string, string>, listeners: Set<string>): 'nats' | 'redis-pubsub' | null {
  const receiver = call.callee.object;
  let init = receiver?.type === 'Identifier' ? decls.get(receiver.name) : null;
  if (init?.type === 'AwaitExpression') init = init.argument;
  const made = init?.type === 'CallExpression' ? calleeName(init.callee) : '';
  const [ns, fn] = made.includes('.') ? made.split('.') : ['', made];
  if (fn === 'connect' && (ns ? imports[ns] : imports.connect) === 'nats') return 'nats';
  const redis = Object.values(imports).some((spec) => /^(?:ioredis|redis|@redis\/client)$/.test(spec));
  const listener = call.arguments.slice(1).some((a: Node) => FUNCTION_TYPES.has(a.type));
  return redis && (listener || listeners.has(calleeName(receiver))) ? 'redis-pubsub' : null;
}

/** A function whose body calls `process.exit(...)` (outside nested functions too: a callback that exits counts). */
function callsExit(fn: Node): boolean {
  let found = false;
  walk(fn.body, (n) => {
    if (n.type === 'CallExpression' && calleeName(n.callee) === 'process.exit') found = true;
  });
  return found;
}

function requireSpec(node: Node): string | null {
  if (node?.type === 'CallExpression' && node.callee?.type === 'Identifier' && node.callee.name === 'require') return stringValue(node.arguments[0]);
  if (node?.type === 'ImportExpression') return stringValue(node.source);
  if (node?.type === 'AwaitExpression') return requireSpec(node.argument);
  return null;
}

/** The variable a value is assigned to: `const consumer = ...`, `consumer = ...`, `this.consumer = ...`. */
function assignedName(parents: Node[]): string | null {
  for (let i = parents.length - 1; i >= 0; i--) {
    const p = parents[i];
    if (p.type === 'AwaitExpression' || p.type === 'TSAsExpression' || p.type === 'ParenthesizedExpression') continue;
    if (p.type === 'VariableDeclarator' && p.id?.type === 'Identifier') return p.id.name;
    if (p.type === 'AssignmentExpression') return calleeName(p.left) || null;
    if (p.type === 'PropertyDefinition' && p.key?.name) return `this.${p.key.name}`;
    return null;
  }
  return null;
}

/**
 * The awaits of the function that calls `listen`, in order, each marked before/after the listen and
 * with the datastore it connects to (`await getMongoConnection()`, `await mongoose.connect(...)`).
 */
/** Nest transports that consume from a message broker (TCP and gRPC listen on a port of their own). */
const BROKER_TRANSPORT = /^Transport\.(?:KAFKA|RMQ|NATS|REDIS|MQTT)$/;
/** Nest transports that serve on a port of their own, but not HTTP. */
const RPC_TRANSPORT = /^Transport\.(?:TCP|GRPC)$/;

/**
 * The Nest microservice `receiver` holds, `NestFactory.createMicroservice(Module, { transport:
 * Transport.TCP, options: { port } })` (awaited or not): its transport (`Transport.TCP` when the
 * options name none, Nest's default; null when it is not a `Transport.X` member ecsfix can read) and
 * the expression of its `options.port`. Null when `receiver` holds no such microservice.
 */
function nestMicroservice(receiver: Node, decls: Map<string, Node>): { transport: string | null; port: Node | null } | null {
  if (receiver?.type !== 'Identifier') return null;
  let init = decls.get(receiver.name);
  if (init?.type === 'AwaitExpression') init = init.argument;
  if (init?.type !== 'CallExpression' || calleeName(init.callee) !== 'NestFactory.createMicroservice') return null;
  const config = init.arguments[1];
  if (config?.type !== 'ObjectExpression') return { transport: null, port: null };
  const property = (object: Node, key: string) => object?.type === 'ObjectExpression' ? object.properties.find((p: Node) => (p.key?.name ?? p.key?.value) === key)?.value ?? null : null;
  const transport = property(config, 'transport');
  const name = transport ? (calleeName(transport) ?? '') : 'Transport.TCP';
  const options = property(config, 'options');
  return { transport: BROKER_TRANSPORT.test(name) || RPC_TRANSPORT.test(name) ? name : null, port: property(options, 'port') ?? portOfUrl(property(options, 'url')) };
}

/**
 * The port part of a gRPC `url`: the expression of `` `0.0.0.0:${process.env.GRPC_PORT ?? 50051}` ``,
 * or the number of `'0.0.0.0:50051'` (as a literal node over the url's text). Null otherwise.
 */
function portOfUrl(url: Node | null): Node | null {
  if (url?.type === 'TemplateLiteral' && url.expressions.length && url.quasis.at(-1)?.value?.cooked === '' && /:$/.test(url.quasis.at(-2)?.value?.cooked ?? '')) return url.expressions.at(-1);
  const port = url?.type === 'Literal' && typeof url.value === 'string' ? /:(\d{2,5})$/.exec(url.value) : null;
  return port ? { type: 'Literal', value: Number(port[1]), start: url.start, end: url.end } : null;
}

function startupOrder(program: Node, listenCalls: Node[], line: (n: Node) => number): StartupAwait[] {
  const listen = listenCalls[0];
  if (!listen) return [];
  let owner: Node = program;
  walk(program, (node) => {
    if (FUNCTION_TYPES.has(node.type) && node.start <= listen.start && node.end >= listen.end && (owner === program || node.start >= owner.start)) owner = node;
  });
  const out: StartupAwait[] = [];
  walk(owner.body ?? owner, (node) => {
    if (node.type !== 'AwaitExpression') return;
    const arg = node.argument;
    const calls: Node[] = arg?.type === 'CallExpression' && calleeName(arg.callee) === 'Promise.all' && arg.arguments[0]?.type === 'ArrayExpression' ? arg.arguments[0].elements : [arg];
    for (const c of calls) {
      if (c?.type !== 'CallExpression') continue;
      const call = calleeName(c.callee);
      const datastore: DatastoreKind | null =
        call === 'mongoose.connect' ? 'mongoose' : MONGO_CONNECT_CALL.test(lastName(call)) ? 'mongo' : /\$connect$/.test(call) ? 'prisma' : /\.initialize$/.test(call) ? 'typeorm' : /\.authenticate$/.test(call) ? 'sequelize' : null;
      out.push({ call, line: line(c), datastore, beforeListen: c.end <= listen.start });
    }
  });
  return out;
}
