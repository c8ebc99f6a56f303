/**
 * The health routes a service serves: the routes its source files register, under the prefix a
 * router is mounted at (Express/Koa/Fastify routers and plugins, following mounts across files),
 * NestJS's global prefix, Django's include() prefixes and Flask/FastAPI blueprint and router mounts;
 * liveness routes first. A route whose mount is not established is kept with the reason, never probed.
 */
import { posix } from 'node:path';
import { joinRoute, joinRouteAsDeclared, routeSegments } from '../urlPath.js';
import type { HealthRoute } from './model.js';
import { nestApp, nestRoutePath } from './nestRouting.js';
import { pythonMountPrefix, type PythonRouting } from './pythonRouting.js';
import { ownGate } from './authRoutes.js';
import { isLivenessRoute, preferHealthRoute, type MountHint, type SourceFacts } from './sourceScan.js';

/** The liveness routes among a service's routes (`servicePrefix`: its directory with a slash), best first. */
export function healthRoutes(facts: Map<string, SourceFacts>, servicePrefix: string): HealthRoute[] {
  const routes: HealthRoute[] = [];
  const djangoIncludes = [...facts.values()].flatMap((f) => f.djangoIncludes);
  const nest = nestApp(facts);
  const python = new Map([...facts].flatMap(([file, f]): [string, PythonRouting][] => (f.python ? [[file, f.python]] : [])));
  for (const [file, f] of facts) {
    for (const r of f.routes) {
      let path = r.path;
      if (f.python) {
        // Flask blueprints and FastAPI routers: the URL is established only when every mount on the way is.
        const mount = pythonMountPrefix(file, r.receiver ?? null, python);
        if ('unresolved' in mount) {
          if (isLivenessRoute(path)) routes.push({ path, file, line: r.line, unresolvedMount: mount.unresolved });
          continue;
        }
        if (mount.prefix) path = joinRouteAsDeclared(mount.prefix, path);
      }
      const onApp = r.receiver && f.apps.includes(r.receiver) ? { app: { file, name: r.receiver } } : {};
      const outer: MountedAt = r.absolute || f.python ? { prefix: '', ...onApp } : mountPrefix(file, r.receiver ?? null, facts, 0, r.skipsPrefix ?? false);
      const opaque = r.absolute || f.python ? undefined : r.opaqueAt ? { file, line: r.opaqueAt } : outer.opaque;
      if (opaque) {
        // A Fastify register prefix that is not a string literal: the URL is not established.
        const reason = opaque.reason ? `${opaque.file}:${opaque.line}: ${opaque.reason}` : `${opaque.file}:${opaque.line} registers the plugin with a prefix that is not a string literal`;
        if (isLivenessRoute(path)) routes.push({ path, file, line: r.line, unresolvedMount: { file: opaque.file, line: opaque.line, reason } });
        continue;
      }
      const mounted = routeSegments(outer.prefix, r.scope ?? '');
      // A declared trailing slash stays (Fastify and Hono serve only that form); a `/` route under a prefix is the prefix.
      if (mounted) path = path === '/' ? joinRoute(mounted) : joinRouteAsDeclared(mounted, path);
      if (file.endsWith('urls.py')) path = djangoPath(file, servicePrefix, r.path, djangoIncludes);
      // NestJS: the global prefix, the URI version and the RouterModule path apply to controller routes.
      if (r.nest) {
        const served = nestRoutePath({ ...r, path }, nest);
        if ('unresolved' in served) {
          if (isLivenessRoute(path)) routes.push({ path, file, line: r.line, unresolvedMount: served.unresolved });
          continue;
        }
        path = served.path;
      }
      if (!isLivenessRoute(path)) continue;
      const js = !f.python && !file.endsWith('urls.py');
      // Behind authentication on its own router, plugin context or NestJS guard (the app's own: markAppGates).
      const gate = js ? ownGate(facts, file, r, path) : null;
      routes.push({ path, file, line: r.line, ...(js ? { app: r.nest ? 'nest' : (outer.app ?? null) } : {}), ...(gate ? { notProbed: gate } : {}) });
    }
  }
  return routes.sort((a, b) => preferHealthRoute(a.path, b.path));
}

/** Whether `spec`, imported from `fromFile`, is the module `target` (extension and /index optional). */
export function importResolvesTo(fromFile: string, spec: string, target: string): boolean {
  if (!spec.startsWith('.')) return false;
  const strip = (p: string) => p.replace(/\.(?:[cm]?[jt]sx?)$/, '');
  const base = strip(posix.normalize(posix.join(posix.dirname(fromFile), spec)));
  const t = strip(target);
  return t === base || t === base + '/index';
}

/** Where a JS route ends up: its prefix, and the app (file, name) it is served by when the mounts establish it. */
interface MountedAt {
  prefix: string;
  opaque?: { file: string; line: number; reason?: string };
  app?: { file: string; name: string; line?: number };
}

/**
 * The prefix a JS route is served under when it is registered on a router (or in a plugin) that
 * another file mounts: `app.use('/api/v1', healthRouter)`, `fastify.register(health, { prefix })`,
 * a Koa `new Router({ prefix })`, following routers mounted on routers and plugins registered in
 * plugins. Routes on the app itself are absolute (''). `skipsPrefix`: the receiver is the instance
 * of a fastify-plugin-wrapped plugin, which the register call's prefix does not reach.
 */
function mountPrefix(file: string, receiver: string | null, facts: Map<string, SourceFacts>, depth: number, skipsPrefix = false): MountedAt {
  const f = facts.get(file);
  if (!f || depth > 4) return { prefix: '' };
  const routerNames = Object.keys(f.routers);
  // An app mounted on another (Hono `app.route('/api', api)`, Express `app.use('/api', sub)`), here or by a file that imports it under its name, is a sub-app: its routes are under the mount.
  const subApp = receiver !== null && f.apps.includes(receiver) && mountedApp(file, receiver, facts);
  const router = receiver && (receiver in f.routers || subApp) ? receiver : receiver === null && routerNames.length === 1 ? (routerNames[0] ?? null) : null;
  if (receiver && f.apps.includes(receiver) && !subApp) return { prefix: '', app: { file, name: receiver } };
  // A `this.router` assigned twice or conditionally, a prefix that is not a literal: not established.
  const unsettled = f.js?.unsettled[router ?? receiver ?? ''];
  if (unsettled) return { prefix: '', opaque: { file, line: unsettled.line, reason: unsettled.reason } };
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
  if (!hit) return { prefix: own };
  const outer: MountedAt = hit.mount.on ? mountPrefix(hit.file, hit.mount.on, facts, depth + 1, hit.mount.skipsPrefix ?? false) : { prefix: '' };
  // The line where the route reaches the app: the mount on the app itself (middleware before it applies).
  if (outer.app && outer.app.line === undefined) outer.app = { ...outer.app, line: hit.mount.line };
  const skips = skipsPrefix || hit.mount.targetSkipsPrefix;
  // The mount's own prefix is opaque only where it applies; an enclosing register's always is.
  const ownOpaque = hit.mount.opaqueAt && !(skips && hit.mount.opaqueAt === hit.mount.line) ? { file: hit.file, line: hit.mount.opaqueAt } : undefined;
  const opaque = outer.opaque ?? ownOpaque;
  return { prefix: routeSegments(outer.prefix, hit.mount.scope ?? '', skips ? '' : hit.mount.prefix, own), ...(opaque ? { opaque } : {}), ...(outer.app ? { app: outer.app } : {}) };
}

function mountedApp(file: string, app: string, facts: Map<string, SourceFacts>): boolean {
  for (const [other, of] of facts)
    for (const m of of.mounts) {
      if (m.ident !== app) continue;
      if (other === file ? m.on !== app : importResolvesTo(other, of.imports[app] ?? '', file)) return true;
    }
  return false;
}

/**
 * A Django route's full path: the app urls.py prefix comes from the include() that mounts it. Django
 * concatenates the two patterns as written (`api/` + `health/`), so this is not a router join.
 */
function djangoPath(file: string, servicePrefix: string, route: string, includes: { prefix: string; module: string }[]): string {
  const modulePath = file.slice(servicePrefix.length).replace(/\.py$/, '').replace(/\//g, '.');
  const include = includes.find((i) => modulePath === i.module || modulePath.endsWith('.' + i.module));
  return include ? '/' + [include.prefix, route].map((p) => p.replace(/^\/+/, '')).join('').replace(/^\/+/, '') : route;
}
