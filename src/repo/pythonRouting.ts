/**
 * Where a Python web framework serves a route registered on a router: Flask blueprints
 * (`Blueprint(..., url_prefix=)`, `app.register_blueprint(bp, url_prefix=)`, nested blueprints) and
 * FastAPI routers (`APIRouter(prefix=)`, `app.include_router(r, prefix=)`, routers included in
 * routers), following the router across the service's modules through its imports.
 *
 * Read by pattern over comment-blanked code (like the rest of the Python model). A route on a router
 * whose mount is not found, or whose prefix is not a string literal, is unresolved: its URL is not
 * established, so nothing may probe it.
 */
import { posix } from 'node:path';
import { lineOfOffset } from '../text.js';
import { routeSegments } from '../urlPath.js';

export interface PythonRouter {
  /** `app`: a FastAPI/Starlette application, served at the root unless another app mounts it (`app.mount('/api/v1', api)`). */
  kind: 'blueprint' | 'apirouter' | 'app';
  /** The constructor's prefix: '' when none, null when it is not a string literal. */
  prefix: string | null;
  line: number;
}

export interface PythonMount {
  /** What is mounted as written: `ops`, `health.router`. */
  ident: string;
  /** What it is mounted on: `app`, or a parent blueprint/router. */
  on: string;
  /** The call's prefix: undefined when it passes none, null when it is not a string literal. */
  prefix: string | null | undefined;
  line: number;
  /** The call: `register_blueprint`, `include_router` or an ASGI sub-application `mount`. */
  call: 'register_blueprint' | 'include_router' | 'mount';
}

/** A name a module imports: `from .routers import health` is `health` -> {module: <dir>/routers, relative, name: health}. */
export interface PythonImport {
  module: string;
  relative: boolean;
  /** The imported attribute or submodule; null for `import a.b as c`. */
  name: string | null;
}

export interface PythonRouting {
  routers: Record<string, PythonRouter>;
  mounts: PythonMount[];
  imports: Record<string, PythonImport>;
}

/** Why a route's URL is not established: the line that says so and the reason. */
export interface UnresolvedMount {
  file: string;
  line: number;
  reason: string;
}

const ROUTER = /\b(\w+)\s*(?::\s*[\w.]+\s*)?=\s*(?:\w+\s*\.\s*)?(Blueprint|APIRouter|FastAPI|Starlette)\s*\(/g;
const MOUNT = /\b(\w+(?:\s*\.\s*\w+)*?)\s*\.\s*(register_blueprint|include_router|mount)\s*\(/g;
/** Starlette's `Mount('/api', app=api)` in a `routes=[...]` list: the application that lists it is not read, so it counts as the root. */
const MOUNT_ROUTE = /\bMount\s*\(/g;
const FROM_IMPORT = /^[ \t]*from\s+(\.*)([\w.]*)\s+import\s+(\([^)]*\)|[^\n]+)/gm;
const IMPORT = /^[ \t]*import\s+([\w.]+)(?:\s+as\s+(\w+))?/gm;

/** The arguments of the call whose parenthesis is at `open`, split at its top-level commas (comments already blanked). */
function callArguments(code: string, open: number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = open + 1;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ',' && depth === 1) {
      parts.push(code.slice(start, i).trim());
      start = i + 1;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        parts.push(code.slice(start, i).trim());
        break;
      }
    }
  }
  return parts.filter(Boolean);
}

/** A keyword argument's value: the string literal, null for any other expression, undefined when absent. */
function keywordString(parts: string[], names: string[]): string | null | undefined {
  for (const part of parts) {
    const m = /^(\w+)\s*=\s*([\s\S]*)$/.exec(part);
    if (!m || !names.includes(m[1] ?? '')) continue;
    const literal = /^[rbu]?(['"])([^'"{}]*)\1$/i.exec((m[2] ?? '').trim());
    return literal ? (literal[2] ?? '') : null;
  }
  return undefined;
}

/**
 * Starlette's `app.mount(path, app, name=None)` (FastAPI's "Sub Applications - Mounts"): the path
 * and the mounted application, positional or by keyword. What is mounted is an identifier or, for
 * `StaticFiles(...)` and the like, the expression in angle brackets (it serves no routes).
 */
function asgiMount(parts: string[]): Pick<PythonMount, 'ident' | 'prefix'> {
  const positional = parts.filter((p) => !/^\w+\s*=(?!=)/.test(p));
  const path = keywordString(parts, ['path']);
  const literal = /^[rbu]?(['"])([^'"{}]*)\1$/i.exec((positional[0] ?? '').trim());
  const prefix = path !== undefined ? path : literal ? (literal[2] ?? '') : null;
  const keyword = parts.map((p) => /^app\s*=\s*([\s\S]*)$/.exec(p)?.[1]?.trim()).find((v) => v !== undefined);
  const app = keyword ?? (path !== undefined ? positional[0] : positional[1]) ?? '';
  return { ident: /^[\w.]+$/.test(app) ? app : `<${app}>`, prefix };
}

/** The routers, mounts and imports of one comment-blanked Python module at `file`. */
export function pythonRouting(code: string, file: string): PythonRouting {
  const routing: PythonRouting = { routers: {}, mounts: [], imports: {} };
  const line = (offset: number) => lineOfOffset(code, offset);
  for (const m of code.matchAll(ROUTER)) {
    if (m[2] === 'FastAPI' || m[2] === 'Starlette') {
      routing.routers[m[1] ?? ''] = { kind: 'app', prefix: '', line: line(m.index) };
      continue;
    }
    const parts = callArguments(code, m.index + m[0].length - 1);
    const blueprint = m[2] === 'Blueprint';
    // Flask: Blueprint(name, import_name, static_folder, static_url_path, template_folder, url_prefix, ...).
    const prefix = keywordString(parts, [blueprint ? 'url_prefix' : 'prefix']);
    routing.routers[m[1] ?? ''] = { kind: blueprint ? 'blueprint' : 'apirouter', prefix: prefix === undefined ? '' : prefix, line: line(m.index) };
  }
  for (const m of code.matchAll(MOUNT)) {
    const parts = callArguments(code, m.index + m[0].length - 1);
    const call = m[2] as PythonMount['call'];
    const on = (m[1] ?? '').replace(/\s+/g, '');
    if (call === 'mount') {
      routing.mounts.push({ ...asgiMount(parts), on, line: line(m.index), call });
      continue;
    }
    const ident = parts[0] && /^[\w.]+$/.test(parts[0]) ? parts[0] : `<${parts[0] ?? ''}>`;
    const prefix = keywordString(parts, [call === 'register_blueprint' ? 'url_prefix' : 'prefix']);
    routing.mounts.push({ ident, on, prefix, line: line(m.index), call });
  }
  for (const m of code.matchAll(MOUNT_ROUTE)) routing.mounts.push({ ...asgiMount(callArguments(code, m.index + m[0].length - 1)), on: '', line: line(m.index), call: 'mount' });
  const dir = posix.dirname(file);
  for (const m of code.matchAll(FROM_IMPORT)) {
    const dots = (m[1] ?? '').length;
    const dotted = (m[2] ?? '').replace(/\./g, '/');
    const module = dots ? posix.join(dir, ...Array<string>(dots - 1).fill('..'), dotted) : dotted;
    for (const part of (m[3] ?? '').replace(/[()\\]/g, ' ').split(',')) {
      const [name, local] = part.trim().split(/\s+as\s+/);
      if (name && /^\w+$/.test(name)) routing.imports[(local ?? name).trim()] = { module, relative: dots > 0, name };
    }
  }
  for (const m of code.matchAll(IMPORT)) {
    const dotted = m[1] ?? '';
    routing.imports[m[2] ?? dotted] = { module: dotted.replace(/\./g, '/'), relative: false, name: null };
  }
  return routing;
}

/** Whether the module path (a relative import's resolved path, or an absolute import's dotted path) is `file`. */
function moduleIs(module: string, relative: boolean, file: string): boolean {
  const path = file.replace(/\/__init__\.py$/, '').replace(/\.py$/, '');
  return relative ? path === posix.normalize(module) : path === module || path.endsWith('/' + module);
}

/** Whether `ident`, as written in `from`, names the variable `name` of module `file`. */
function namesRouter(ident: string, from: string, routing: PythonRouting, file: string, name: string): boolean {
  if (from === file) return ident === name;
  const [head, ...rest] = ident.split('.');
  const imported = routing.imports[head ?? ''];
  if (!imported) return false;
  if (rest.length === 0) return imported.name === name && moduleIs(imported.module, imported.relative, file);
  if (rest.length !== 1 || rest[0] !== name) return false;
  const module = imported.name === null ? imported.module : posix.join(imported.module, imported.name);
  return moduleIs(module, imported.relative, file);
}

/** The router an identifier written in `from` names, following imports into the service's other modules. */
function routerNamed(ident: string, from: string, routing: Map<string, PythonRouting>): { file: string; name: string } | null {
  const written = routing.get(from);
  if (!written) return null;
  for (const [file, r] of routing) for (const name of Object.keys(r.routers)) if (namesRouter(ident, from, written, file, name)) return { file, name };
  return null;
}

/**
 * The prefix the route registered on `receiver` in `file` is served under: '' when the receiver is
 * not a router (the app itself), the joined prefixes of every level when each mount on the way is
 * found and literal, else the reason it is not established. A receiver that is a router imported
 * from another module is followed there. `pathHasOwn`: the route path already carries the
 * receiver's own prefix (a FastAPI route decorated on a router of the same file); a router that
 * other routers are included into adds its own prefix to theirs.
 */
export function pythonMountPrefix(file: string, receiver: string | null, routing: Map<string, PythonRouting>, depth = 0, pathHasOwn = true): { prefix: string } | { unresolved: UnresolvedMount } {
  const router = receiver ? routing.get(file)?.routers[receiver] : undefined;
  if (!receiver) return { prefix: '' };
  if (!router) {
    const imported = routerNamed(receiver, file, routing);
    return imported && imported.file !== file ? pythonMountPrefix(imported.file, imported.name, routing, depth + 1, false) : { prefix: '' };
  }
  const call: PythonMount['call'] = router.kind === 'blueprint' ? 'register_blueprint' : router.kind === 'apirouter' ? 'include_router' : 'mount';
  const what = `${router.kind === 'blueprint' ? 'Blueprint' : router.kind === 'apirouter' ? 'APIRouter' : 'application'} ${receiver} (${file}:${router.line})`;
  if (depth > 6) return { unresolved: { file, line: router.line, reason: `${what} is nested deeper than ecsfix follows` } };
  let hit: { file: string; mount: PythonMount } | null = null;
  for (const [other, r] of routing) {
    const mount = r.mounts.find((m) => m.call === call && namesRouter(m.ident, other, r, file, receiver));
    if (mount) {
      hit = { file: other, mount };
      break;
    }
  }
  // An application no other one mounts is the one the server runs: its routes are at the root.
  if (!hit && router.kind === 'app') return { prefix: '' };
  if (!hit) {
    const opaque = [...routing].flatMap(([f, r]) => r.mounts.filter((m) => m.call === call && !resolvesToRouter(m, f, routing)).map((m) => ({ file: f, mount: m })))[0];
    return {
      unresolved: opaque
        ? { file: opaque.file, line: opaque.mount.line, reason: `${what} is registered by no call ecsfix can follow; ${opaque.file}:${opaque.mount.line} mounts ${opaque.mount.ident}, which it cannot trace` }
        : { file, line: router.line, reason: `${what} is registered by no ${call} call ecsfix found` },
    };
  }
  const at = `${hit.file}:${hit.mount.line}`;
  if (hit.mount.prefix === null) return { unresolved: { file: hit.file, line: hit.mount.line, reason: `${what} is mounted at ${at} with a ${call === 'mount' ? 'path' : 'prefix'} that is not a string literal` } };
  // Flask: the register_blueprint url_prefix replaces the blueprint's own. FastAPI: a route included
  // into a router is added under that router's prefix, after the include prefix and the child's own.
  const replaces = router.kind === 'blueprint' && hit.mount.prefix !== undefined;
  if (!replaces && router.prefix === null) return { unresolved: { file, line: router.line, reason: `${what} sets a prefix that is not a string literal` } };
  const ownPrefix = replaces ? (hit.mount.prefix ?? '') : router.kind === 'apirouter' && pathHasOwn ? '' : (router.prefix ?? '');
  const outer = pythonMountPrefix(hit.file, hit.mount.on, routing, depth + 1, false);
  if ('unresolved' in outer) return outer;
  // Starlette's Mount strips its path before the sub-application routes: its routes are under it.
  const mountPrefix = router.kind === 'blueprint' ? '' : (hit.mount.prefix ?? '');
  return { prefix: routeSegments(outer.prefix, mountPrefix, ownPrefix) };
}

/** Whether a mount call names some router the service defines. */
function resolvesToRouter(mount: PythonMount, from: string, routing: Map<string, PythonRouting>): boolean {
  return routerNamed(mount.ident, from, routing) !== null;
}
