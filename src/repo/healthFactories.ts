/**
 * Health routes a service serves without defining them itself, and which health routes are really
 * readiness checks.
 *
 * - A shared factory: `app.use('/api', createHealthRouter({ db }))` with the factory in a workspace
 *   package or a relative module, `app.include_router(create_health_router(), prefix="/ops")` with
 *   the factory in a Python module of the repo. The routes registered inside the factory's body are
 *   served under the mount prefix.
 * - A readiness route: a handler that touches a database, Redis or a broker and answers 503 when it
 *   is down, or that pings a datastore at all (a "deep" check). Probing it for liveness restarts
 *   healthy containers whenever a dependency is slow, every task at once.
 */
import { posix } from 'node:path';
import { joinRoute } from '../urlPath.js';
import { lineOfOffset } from '../text.js';
import type { HealthRoute } from './model.js';
import { blankComments, scanSource, type SourceLanguage } from './sourceScan.js';
import type { WorkspacePackage } from './workspace.js';
import { filesUnder } from './files.js';

/** `app.use('/p', createX(...))`, `fastify.register(createX(...), { prefix: '/p' })` (JS). */
const JS_FACTORY_MOUNT = /\b\w+\s*\.\s*(?:use|register)\s*\(\s*(?:(['"`])(\/[^'"`]*)\1\s*,\s*)?(\w+)\s*\(/g;
/** `app.include_router(create_x(...), prefix="/p")`, `app.mount("/p", create_x())` (Python). */
const PY_FACTORY_MOUNT = /\b\w+\s*\.\s*(?:include_router|mount|add_subapp)\s*\(\s*(?:(['"])(\/[^'"]*)\1\s*,\s*)?(\w+)\s*\(/g;
const PY_FROM_IMPORT = /^\s*from\s+([\w.]+)\s+import\s+\(?([^)\n]+)\)?/gm;
const JS_SOURCE = /\.(?:[cm]?[jt]sx?)$/;
const NOT_LIBRARY_SOURCE = /(?:^|\/)(?:node_modules|dist|build|__tests__|tests?)\/|\.(?:test|spec|d)\.[cm]?[jt]sx?$/;

export interface FactoryInput {
  sourceFiles: string[];
  files: string[];
  read: (rel: string) => string | null;
  workspacePackages: WorkspacePackage[];
}

/** Routes registered inside shared factories the service's own files mount. */
export function factoryRoutes(input: FactoryInput): HealthRoute[] {
  const routes: HealthRoute[] = [];
  for (const file of input.sourceFiles) {
    const text = input.read(file);
    if (text === null) continue;
    const python = file.endsWith('.py');
    const code = blankComments(text, python ? 'python' : 'js');
    for (const m of code.matchAll(python ? PY_FACTORY_MOUNT : JS_FACTORY_MOUNT)) {
      const factory = m[3] ?? '';
      const defined = python ? pythonFactoryFile(code, factory, input.files) : jsFactoryFile(code, file, factory, input);
      if (!defined) continue;
      const body = input.read(defined);
      if (body === null) continue;
      const prefix = m[2] ?? (python ? (/\bprefix\s*=\s*(['"])([^'"]*)\1/.exec(code.slice(m.index, code.indexOf('\n', m.index) + 1 || undefined))?.[2] ?? '') : fastifyPrefix(code, m.index));
      // JS: the object the factory is mounted on (`admin.use(createHealthRouter())`) serves its routes.
      const on = /^\w+/.exec(m[0])?.[0] ?? '';
      const app = python ? {} : { app: { file, name: code.slice(Math.max(0, m.index - 5), m.index) === 'this.' ? `this.${on}` : on, line: lineOfOffset(code, m.index) } };
      for (const r of routesInFunction(defined, body, factory, python ? 'python' : 'js')) routes.push({ path: joinRoute(prefix, r.path), file: defined, line: r.line, ...app });
    }
  }
  return routes;
}

function fastifyPrefix(code: string, at: number): string {
  const line = code.slice(at, code.indexOf('\n', at) < 0 ? undefined : code.indexOf('\n', at));
  return /\bprefix\s*:\s*(['"`])(\/[^'"`]*)\1/.exec(line)?.[2] ?? '';
}

/** The file defining JS factory `name`, imported from a workspace package or a relative module. */
function jsFactoryFile(code: string, file: string, name: string, input: FactoryInput): string | null {
  const spec = new RegExp(`\\bimport\\s*(?:\\w+\\s*,\\s*)?\\{[^}]*\\b${name}\\b[^}]*\\}\\s*from\\s*(['"])([^'"]+)\\1|\\b${name}\\b[^=\\n]*=\\s*require\\s*\\(\\s*(['"])([^'"]+)\\3`).exec(code);
  const from = spec?.[2] ?? spec?.[4];
  if (!from) return null;
  const defines = new RegExp(`\\bfunction\\s+${name}\\b|\\b(?:const|let)\\s+${name}\\s*=`);
  let candidates: string[];
  if (from.startsWith('.')) {
    const base = posix.normalize(posix.join(posix.dirname(file), from)).replace(/\.[cm]?js$/, '');
    candidates = filesUnder(input.files, base).filter((f) => JS_SOURCE.test(f) && (f.replace(/\.[cm]?[jt]sx?$/, '') === base || f.replace(/\.[cm]?[jt]sx?$/, '') === base + '/index'));
  } else {
    const pkg = input.workspacePackages.find((p) => from === p.name || from.startsWith(p.name + '/'));
    if (!pkg) return null;
    const dir = pkg.dir ? pkg.dir + '/' : '';
    candidates = filesUnder(input.files, dir).filter((f) => JS_SOURCE.test(f) && !NOT_LIBRARY_SOURCE.test(f.slice(dir.length)));
  }
  return candidates.find((f) => defines.test(input.read(f) ?? '')) ?? null;
}

/** The .py file defining factory `name`, from the service's `from pkg.mod import name`. */
function pythonFactoryFile(code: string, name: string, files: string[]): string | null {
  for (const m of code.matchAll(PY_FROM_IMPORT)) {
    const names = (m[2] ?? '').split(',').map((n) => n.trim().split(/\s+as\s+/)[0]);
    if (!names.includes(name)) continue;
    const modulePath = (m[1] ?? '').replace(/^\.+/, '').replace(/\./g, '/');
    return files.find((f) => f.endsWith(`/${modulePath}.py`) || f === `${modulePath}.py` || f.endsWith(`/${modulePath}/__init__.py`) || f === `${modulePath}/__init__.py`) ?? null;
  }
  return null;
}

/** Routes registered between the start and the end of function `name` in `text`. */
function routesInFunction(file: string, text: string, name: string, language: SourceLanguage): { path: string; line: number }[] {
  const code = blankComments(text, language);
  const range = functionLines(code, name, language);
  if (!range) return [];
  return scanSource(text, language, file).routes.filter((r) => r.line >= range.from && r.line <= range.to);
}

function functionLines(code: string, name: string, language: SourceLanguage): { from: number; to: number } | null {
  if (language === 'python') {
    const def = new RegExp(`^([ \\t]*)(?:async\\s+)?def\\s+${name}\\s*\\(`, 'm').exec(code);
    if (!def) return null;
    const indent = (def[1] ?? '').length;
    const from = lineOfOffset(code, def.index);
    const lines = code.split('\n');
    let to = lines.length;
    for (let i = from; i < lines.length; i++) {
      const l = lines[i] ?? '';
      if (l.trim() && (/^[ \t]*/.exec(l)?.[0].length ?? 0) <= indent && !/^\s*[)\]]/.test(l)) {
        to = i;
        break;
      }
    }
    return { from, to };
  }
  const def = new RegExp(`\\bfunction\\s+${name}\\b|\\b(?:const|let)\\s+${name}\\s*=`).exec(code);
  if (!def) return null;
  // The body's brace comes after the parameter list (which may hold a `= {}` default).
  const params = code.indexOf('(', def.index);
  const paramsEnd = params < 0 ? -1 : matchingClose(code, params);
  const open = paramsEnd < 0 ? -1 : code.indexOf('{', paramsEnd);
  const close = open < 0 ? -1 : matchingClose(code, open);
  return close < 0 ? null : { from: lineOfOffset(code, def.index), to: lineOfOffset(code, close) };
}

/** The offset of the bracket that closes the one at `open` (`{` or `(`), skipping quoted strings; -1 when none. */
function matchingClose(code: string, open: number): number {
  const opener = code[open];
  const closer = opener === '{' ? '}' : ')';
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = code.indexOf(c, i + 1);
      if (end > 0) i = end;
    } else if (c === opener) depth++;
    else if (c === closer && --depth === 0) return i;
  }
  return -1;
}

/** A call that reaches a database, cache or broker: the thing a readiness check waits for. */
const DEPENDENCY_CALL =
  /\b(?:\w+\.)?(?:ping|pingCheck|PingContext|QueryRowContext|QueryContext|ExecContext|query|execute|\$queryRaw|\$executeRaw|raw|authenticate|command|acquire|connect|isReady|healthCheck|checkConnection)\s*\(|\bSELECT\s+1\b|\bdb\.admin\(\)|\bredis\w*\.\w+\s*\(|\bmongoose\.connection\.readyState\b/i;
/**
 * A call that pings a datastore whatever the handler answers when it fails (a "deep" health check,
 * review10 R35): `redis.ping()`, `mongoose.connection.db.admin().ping()`, `prisma.$queryRaw`,
 * `pool.query('SELECT 1')`, `sequelize.authenticate()`, Terminus's `pingCheck`. A rejected ping
 * makes the route answer 500, a hung one times the probe out: either way the route fails with the datastore.
 */
const DEEP_CALL =
  /\.ping\s*\(|\.pingCheck\s*\(|\$queryRaw|\$executeRaw|\bdb\.admin\s*\(\s*\)|\bSELECT\s+1\b|\b(?:pool|db|client|knex|connection|conn|sequelize|pg|mysql|dataSource|prisma|redis\w*|cache|mongo\w*)\.(?:query|execute|raw|authenticate|command|ping)\s*\(/i;
/** 503 in the handler, or NestJS Terminus's HealthCheckService, which answers 503 when an indicator fails. */
const ANSWERS_503 = /\b503\b|SERVICE_UNAVAILABLE|ServiceUnavailable|\.check\s*\(\s*\[/;

/**
 * Whether the handler of the route registered at `line` checks a dependency and answers 503 when it
 * is down: the dependency call's line, or null. The handler is the route call's arguments (JS) or
 * the decorated function's body (Python, NestJS).
 */
export function readinessCheck(text: string, line: number, language: SourceLanguage): { line: number; answers503: boolean } | null {
  const code = blankComments(text, language);
  const lines = code.split('\n');
  const start = lines.slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0);
  const body = handlerBody(code, start, language);
  if (!body) return null;
  const answers503 = ANSWERS_503.test(body.text);
  // A dependency call with a 503 for its failure, or a datastore ping whatever the handler answers.
  const dep = (answers503 ? DEPENDENCY_CALL.exec(body.text) : null) ?? DEEP_CALL.exec(body.text);
  return dep ? { line: lineOfOffset(code, body.offset + dep.index), answers503 } : null;
}

/** What makes a readiness route one, for a message: its dependency call's line and what it does when the dependency is down. */
export function dependencyPhrase(r: HealthRoute): string {
  return r.answers503 === false
    ? `pings a datastore (line ${r.checksDependency}) and fails with it (a 500, or a probe timeout, while the datastore is down or slow)`
    : `checks a dependency (line ${r.checksDependency}) and answers 503 when it is down`;
}

function handlerBody(code: string, start: number, language: SourceLanguage): { text: string; offset: number } | null {
  if (language === 'python') {
    const def = /^([ \t]*)(?:async\s+)?def\s+\w+/m.exec(code.slice(start));
    if (!def) return null;
    const from = start + def.index;
    const indent = (def[1] ?? '').length;
    const rest = code.slice(from).split('\n');
    let end = rest.length;
    for (let i = 1; i < rest.length; i++) {
      const l = rest[i] ?? '';
      if (l.trim() && (/^[ \t]*/.exec(l)?.[0].length ?? 0) <= indent) {
        end = i;
        break;
      }
    }
    return { text: rest.slice(0, end).join('\n'), offset: from };
  }
  // A decorated NestJS method: the body after the decorator; otherwise the route call's arguments.
  const decorator = /^\s*@/.test(code.slice(start, code.indexOf('\n', start)));
  const open = code.indexOf(decorator ? '{' : '(', start);
  if (open < 0) return null;
  const close = matchingClose(code, open);
  return close < 0 ? null : { text: code.slice(open, close + 1), offset: open };
}
