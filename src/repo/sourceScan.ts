/**
 * What the repo model reads from a service's source files: does it listen for HTTP, does it consume
 * a queue, which port does it default to, which health route does it define.
 *
 * JS/TS comes from the syntax tree (src/source, oxc-parser): served routes only on apps, routers
 * and plugins, never on an HTTP client; the listen call's port expression; consumers; datastores.
 * Python keeps a light lexer (comments blanked, offsets kept) plus patterns over the framework APIs,
 * and so does a JS/TS file the parser rejects (its facts are still evidence; the codemods that would
 * rewrite it report the syntax error instead).
 */
import { lineOfOffset } from '../text.js';
import { joinRoute, joinRouteAsDeclared } from '../urlPath.js';
import { sourceFacts, type JsSourceFacts, type MountHint, type PortHint, type RouteHint } from '../source/index.js';
import { pythonRouting, type PythonRouting } from './pythonRouting.js';

export type { MountHint, PortHint, RouteHint };
export type SourceLanguage = 'js' | 'python';

/** What the model reads from any source file; Python fills the same fields from its patterns. */
export interface SourceFacts
  extends Pick<JsSourceFacts, 'listens' | 'consumesQueue' | 'ports' | 'routes' | 'globalPrefix' | 'globalPrefixExclude' | 'routers' | 'mounts' | 'imports' | 'apps' | 'exportedRouters'> {
  /** Django: `path('<prefix>', include('<module>'))` pairs, to resolve app-level urls.py prefixes. */
  djangoIncludes: { prefix: string; module: string }[];
  /** JS/TS: everything the syntax tree says (listen port expression, env reads, consumers, start-up order); null for Python. */
  js: JsSourceFacts | null;
  /** Python: the Flask blueprints / FastAPI routers, their mounts and the module's imports; null for JS/TS. */
  python?: PythonRouting | null;
}

/** Replaces comments with spaces, keeping offsets and line breaks; string contents are kept. */
export function blankComments(text: string, language: SourceLanguage): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (language === 'js' && c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (language === 'js' && c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (language === 'python' && c === '#') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      const triple = language === 'python' && text.startsWith(c.repeat(3), i);
      const closer = triple ? c.repeat(3) : c;
      let k = i + closer.length;
      while (k < text.length && !text.startsWith(closer, k)) {
        if (text[k] === '\\') k++;
        else if (text[k] === '\n' && !triple && c !== '`') break;
        k++;
      }
      i = Math.min(text.length, k + closer.length);
    } else i++;
  }
  return out.join('');
}

const JS_LISTEN = /\.listen\s*\(|NestFactory\s*\.\s*create\s*[(<]|\bserve\s*\(\s*\{\s*fetch|Bun\.serve\s*\(/;
const JS_QUEUE =
  /\.consumer\s*\(\s*\{|\beachMessage\s*:|\beachBatch\s*:|\bchannel\.consume\s*\(|\bnew\s+Worker\s*\(\s*['"`]|\bReceiveMessageCommand\b|\.subscribe\s*\(\s*\{\s*topics?\s*:/;
const PY_LISTEN = /\bFastAPI\s*\(|\bFlask\s*\(|\bDjango\b|\buvicorn\.run\s*\(|\bsocketio\.ASGIApp\s*\(|\bweb\.run_app\s*\(|\burlpatterns\s*=/;
const PY_QUEUE = /\bKafkaConsumer\s*\(|\bAIOKafkaConsumer\s*\(|\bCelery\s*\(|\.basic_consume\s*\(/;

// Each pattern captures (envVar?, port): named groups keep the shapes readable.
const JS_PORTS: { re: RegExp; what: string }[] = [
  { re: /process\.env(?:\.(?<env>\w*PORT)|\[\s*['"](?<env2>\w*PORT)['"]\s*\])\s*(?:\|\||\?\?)\s*['"`]?(?<port>\d{2,5})\b/g, what: 'process.env fallback' },
  // Number(process.env.PORT) || 3000, parseInt(process.env.PORT, 10) ?? 3000
  { re: /\b(?:Number|parseInt)\s*\(\s*process\.env(?:\.(?<env>\w*PORT)|\[\s*['"](?<env2>\w*PORT)['"]\s*\])\s*(?:,\s*10\s*)?\)\s*(?:\|\||\?\?)\s*['"`]?(?<port>\d{2,5})\b/g, what: 'process.env fallback' },
  // process.env.PORT ? Number(process.env.PORT) : 3000
  { re: /process\.env(?:\.(?<env>\w*PORT)|\[\s*['"](?<env2>\w*PORT)['"]\s*\])\s*\?[^:;\n]{1,60}:\s*['"`]?(?<port>\d{2,5})\b/g, what: 'process.env fallback' },
  // getServicePort(name?, ENV_VAR?, default): the env var, when given, says whose port it is.
  { re: /\bgetServicePort\w*\s*\((?:\s*['"`][\w-]*['"`]\s*,)?(?:\s*['"`](?<env>\w+)['"`]\s*,)?\s*['"`]?(?<port>\d{2,5})['"`]?\s*\)/g, what: 'getServicePort default' },
  { re: /\.listen\s*\(\s*(?<port>\d{2,5})\b/g, what: '.listen literal' },
  { re: /\bconst\s+PORT\s*(?::\s*\w+\s*)?=\s*(?<port>\d{2,5})\b/g, what: 'PORT constant' },
];
const PY_PORTS: { re: RegExp; what: string }[] = [
  { re: /(?:environ\.get|getenv)\(\s*['"](?<env>\w*PORT)['"]\s*,\s*['"]?(?<port>\d{2,5})/g, what: 'env PORT default' },
  { re: /uvicorn\.run\([^)]*\bport\s*=\s*(?<port>\d{2,5})/g, what: 'uvicorn.run port' },
];

const JS_ROUTE = /(?:\b(\w+)\s*)?\.\s*(?:get|all|head|route)\s*\(\s*(['"`])(\/[^'"`\s]*)\2/g;
const JS_ROUTER = /\b(\w+)\s*=\s*(?:new\s+)?(?:express\s*\.\s*|Koa)?Router\s*\(\s*(\{[^}]*\})?/g;
const JS_MOUNT = /(?:\b(\w+)\s*)?\.\s*use\s*\(\s*(?:(['"`])(\/[^'"`]*)\2\s*,\s*)?(\w+)\s*(?:\.\s*routes\s*\(\s*\)\s*)?[,)]/g;
const JS_MOUNT_REQUIRE = /(?:\b(\w+)\s*)?\.\s*(?:use|register)\s*\(\s*(?:(['"`])(\/[^'"`]*)\2\s*,\s*)?require\s*\(\s*(['"])([^'"]+)\4\s*\)/g;
const FASTIFY_REGISTER = /(?:\b(\w+)\s*)?\.\s*register\s*\(\s*(\w+)\s*,\s*\{[^}]*\bprefix\s*:\s*(['"`])(\/[^'"`]*)\3/g;
const JS_APP = /\b(\w+)\s*=\s*(?:express|Fastify|fastify|new\s+Koa|new\s+Hono)\s*\(/g;
const JS_IMPORT_DEFAULT = /\bimport\s+(\w+)\s*(?:,\s*\{[^}]*\}\s*)?from\s*(['"])([^'"]+)\2/g;
const JS_IMPORT_NAMED = /\bimport\s*(?:\w+\s*,\s*)?\{([^}]*)\}\s*from\s*(['"])([^'"]+)\2/g;
const JS_REQUIRE = /\b(?:const|let|var)\s+(\w+|\{[^}]*\})\s*=\s*require\s*\(\s*(['"])([^'"]+)\2\s*\)/g;
const JS_EXPORT_ROUTER = /\bexport\s+default\s+(\w+)|\bmodule\.exports\s*=\s*(\w+)|\bexport\s+(?:const|let)\s+(\w+)\s*=|\bmodule\.exports\.(\w+)\s*=|\bexports\.(\w+)\s*=|\bexport\s*\{([^}]*)\}/g;
const JS_ROUTE_OBJECT = /\burl\s*:\s*(['"`])(\/[^'"`\s]*)\1/g;
const NEST_CONTROLLER = /@Controller\s*\(\s*(?:(['"`])([^'"`]*)\1)?\s*\)/g;
const NEST_GET = /@(?:Get|All|Head)\s*\(\s*(?:(['"`])([^'"`]*)\1)?\s*\)/g;
const NEST_PREFIX = /\.setGlobalPrefix\s*\(\s*(['"`])([^'"`]*)\1/;
const PY_DECORATOR = /@\s*(\w+)\s*\.\s*(?:get|head|api_route|route)\s*\(\s*[rf]?(['"])(\/[^'"]*)\2/g;
/** aiohttp: `app.router.add_get('/health', h)`, `add_route('GET', '/health', h)`, `web.get('/health', h)` in `add_routes`. */
const PY_AIOHTTP_ROUTE = /\.\s*add_(?:get|head|route\s*\(\s*['"](?:GET|\*)['"]\s*,)\s*\(?\s*[rf]?(['"])(\/[^'"]*)\1|\bweb\.(?:get|head|route\s*\(\s*['"]GET['"]\s*,)\s*\(?\s*(['"])(\/[^'"]*)\3/g;
const PY_ROUTER_PREFIX = /(\w+)\s*=\s*APIRouter\s*\([^)]*\bprefix\s*=\s*(['"])([^'"]*)\2/g;
const DJANGO_PATH = /\b(re_path|path|url)\s*\(\s*r?(['"])([^'"]*)\2\s*,\s*([^)]*)/g;

function portHints(code: string, patterns: { re: RegExp; what: string }[]): PortHint[] {
  const hints: PortHint[] = [];
  for (const { re, what } of patterns)
    for (const m of code.matchAll(re)) {
      const port = Number(m.groups?.port);
      if (port > 0 && port < 65536) hints.push({ port, line: lineOfOffset(code, m.index), what, envVar: m.groups?.env ?? m.groups?.env2 ?? null });
    }
  return hints;
}

/** String literals of the `exclude: [...]` option of the setGlobalPrefix call whose prefix ends at `from`. */
function nestPrefixExclude(code: string, from: number): string[] {
  let depth = 1;
  let end = from;
  while (end < code.length && depth > 0) {
    const c = code[end];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    end++;
  }
  const options = code.slice(from, end);
  const list = /\bexclude\s*:\s*\[([\s\S]*?)\]\s*[,}]/.exec(options)?.[1] ?? '';
  return [...list.matchAll(/(['"`])([^'"`]*)\1/g)].map((m) => m[2] ?? '');
}

/** The facts of one source file. `path` decides how a JS/TS file is parsed (`.ts`, `.tsx`, `.js`). */
export function scanSource(text: string, language: SourceLanguage, path = language === 'js' ? 'source.ts' : 'source.py'): SourceFacts {
  if (language === 'js') {
    const js = sourceFacts(path, text);
    if (!js.syntaxError) {
      const { listens, consumesQueue, ports, routes, globalPrefix, globalPrefixExclude, routers, mounts, imports, apps, exportedRouters } = js;
      return { listens, consumesQueue, ports, routes, djangoIncludes: [], globalPrefix, globalPrefixExclude, routers, mounts, imports, apps, exportedRouters, js };
    }
  }
  return scanByPatterns(text, language, path);
}

/** The lexer-and-patterns scan: Python, and JS/TS the parser rejects. */
function scanByPatterns(text: string, language: SourceLanguage, path: string): SourceFacts {
  const code = blankComments(text, language);
  const facts: SourceFacts = { listens: false, consumesQueue: false, ports: [], routes: [], djangoIncludes: [], globalPrefix: null, globalPrefixExclude: [], routers: {}, mounts: [], imports: {}, exportedRouters: [], apps: [], js: null };
  const line = (offset: number) => lineOfOffset(code, offset);
  if (language === 'js') {
    facts.listens = JS_LISTEN.test(code);
    facts.consumesQueue = JS_QUEUE.test(code);
    facts.ports.push(...portHints(code, JS_PORTS));
    for (const m of code.matchAll(JS_ROUTE)) facts.routes.push({ path: m[3] ?? '/', line: line(m.index + m[0].indexOf('.', (m[1] ?? '').length)), receiver: m[1] ?? null });
    for (const m of code.matchAll(JS_ROUTER)) facts.routers[m[1] ?? ''] = /\bprefix\s*:\s*(['"`])([^'"`]*)\1/.exec(m[2] ?? '')?.[2] ?? '';
    for (const m of code.matchAll(JS_APP)) facts.apps.push(m[1] ?? '');
    for (const m of code.matchAll(JS_MOUNT)) facts.mounts.push({ prefix: m[3] ?? '', ident: m[4] ?? '', on: m[1] ?? null, line: line(m.index) });
    // app.use('/api', require('./routes/health')): the mounted module is named inline.
    for (const m of code.matchAll(JS_MOUNT_REQUIRE)) {
      const ident = `require(${m[5] ?? ''})`;
      facts.mounts.push({ prefix: m[3] ?? '', ident, on: m[1] ?? null, line: line(m.index) });
      facts.imports[ident] = m[5] ?? '';
    }
    for (const m of code.matchAll(FASTIFY_REGISTER)) facts.mounts.push({ prefix: m[4] ?? '', ident: m[2] ?? '', on: m[1] ?? null, line: line(m.index) });
    for (const m of code.matchAll(JS_IMPORT_DEFAULT)) facts.imports[m[1] ?? ''] = m[3] ?? '';
    for (const m of code.matchAll(JS_IMPORT_NAMED))
      for (const part of (m[1] ?? '').split(',')) {
        const local = part.trim().split(/\s+as\s+/).pop()?.trim();
        if (local) facts.imports[local] = m[3] ?? '';
      }
    for (const m of code.matchAll(JS_REQUIRE))
      for (const local of (m[1] ?? '').replace(/[{}]/g, '').split(',').map((p) => p.split(':').pop()?.trim() ?? ''))
        if (local) facts.imports[local] = m[3] ?? '';
    for (const m of code.matchAll(JS_EXPORT_ROUTER)) {
      const names = m[6] ? m[6].split(',').map((p) => p.trim().split(/\s+as\s+/)[0]?.trim() ?? '') : [m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? ''];
      for (const name of names) if (name && name in facts.routers) facts.exportedRouters.push(name);
    }
    for (const m of code.matchAll(JS_ROUTE_OBJECT)) facts.routes.push({ path: m[2] ?? '/', line: line(m.index) });
    const controller = [...code.matchAll(NEST_CONTROLLER)][0];
    if (controller) {
      for (const m of code.matchAll(NEST_GET)) facts.routes.push({ path: joinRoute(controller[2] ?? '', m[2] ?? ''), line: line(m.index), nest: true });
    }
    const prefix = NEST_PREFIX.exec(code);
    facts.globalPrefix = prefix?.[2] ?? null;
    if (prefix) facts.globalPrefixExclude = nestPrefixExclude(code, prefix.index + prefix[0].length);
  } else {
    facts.listens = PY_LISTEN.test(code);
    facts.consumesQueue = PY_QUEUE.test(code);
    facts.ports.push(...portHints(code, PY_PORTS));
    const prefixes = new Map<string, string>();
    for (const m of code.matchAll(PY_ROUTER_PREFIX)) prefixes.set(m[1] ?? '', m[3] ?? '');
    for (const m of code.matchAll(PY_DECORATOR)) facts.routes.push({ path: joinRouteAsDeclared(prefixes.get(m[1] ?? '') ?? '', m[3] ?? ''), line: line(m.index), receiver: m[1] ?? null });
    facts.python = pythonRouting(code, path);
    for (const m of code.matchAll(PY_AIOHTTP_ROUTE)) facts.routes.push({ path: m[2] ?? m[4] ?? '/', line: line(m.index) });
    for (const m of code.matchAll(DJANGO_PATH)) {
      const pattern = (m[3] ?? '').replace(/^\^/, '').replace(/\$$/, '').replace(/\/\?$/, '/');
      const target = m[4] ?? '';
      const include = /include\s*\(\s*(?:\(\s*)?['"]([\w.]+)['"]/.exec(target);
      if (include) facts.djangoIncludes.push({ prefix: pattern, module: include[1] ?? '' });
      else facts.routes.push({ path: '/' + pattern, line: line(m.index) });
    }
  }
  return facts;
}

const HEALTH_PATH = /^\/(?:[\w-]+\/)*(?:health|healthz|healthcheck|health-check|live|livez|liveness|ping|status)\/?$|^\/(?:[\w-]+\/)*(?:health|healthz)\/(?:live|alive)\/?$/i;
const NOT_LIVENESS = /ready|readiness/i;

/** Whether a route path is a liveness route an ALB or HEALTHCHECK may probe (`/ready` never is). */
export function isLivenessRoute(path: string): boolean {
  return HEALTH_PATH.test(path) && !NOT_LIVENESS.test(path);
}

/** Orders liveness routes: `/health` first, then the shortest. */
export function preferHealthRoute(a: string, b: string): number {
  const score = (p: string) => (/^\/health\/?$/.test(p) ? 0 : /health/.test(p) ? 1 : 2);
  return score(a) - score(b) || a.length - b.length;
}
