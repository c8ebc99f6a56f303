/**
 * Where NestJS serves a controller route, as its RoutePathFactory builds it: the global prefix
 * (unless `exclude` names the route), then the URI version (`enableVersioning` with type URI: the
 * route's `@Version`, else its controller's `version`, else `defaultVersion`, after the `prefix`
 * option, `v` by default; VERSION_NEUTRAL adds none), then the `RouterModule.register` path of the
 * module whose `controllers` list the controller, then the controller and method paths. With header,
 * media-type or custom versioning a versioned route only answers requests that carry the version,
 * which an ALB health check does not send. Whatever of this is not a literal leaves the URL
 * unestablished: the route is kept with the reason and never probed.
 */
import type { NestRouterPath, NestVersioning, RouteHint } from '../source/index.js';
import { joinRoute, routeSegments } from '../urlPath.js';
import type { UnresolvedMount } from './pythonRouting.js';
import type { SourceFacts } from './sourceScan.js';

/** What the service's files say about its Nest application as a whole. */
export interface NestApp {
  prefix: { prefix: string; exclude: string[] } | null;
  versioning: (NestVersioning & { file: string }) | null;
  /** RouterModule module paths, and where a register call could not be read. */
  routerPaths: (NestRouterPath & { file: string })[];
  routerOpaque: { file: string; line: number } | null;
  /** Controller class -> the module classes that list it. */
  modulesOf: Map<string, string[]>;
}

export function nestApp(facts: Map<string, SourceFacts>): NestApp {
  const app: NestApp = { prefix: null, versioning: null, routerPaths: [], routerOpaque: null, modulesOf: new Map() };
  for (const [file, f] of facts) {
    if (!app.prefix && f.globalPrefix) app.prefix = { prefix: f.globalPrefix, exclude: f.globalPrefixExclude };
    const js = f.js;
    if (!js) continue;
    if (!app.versioning && js.nestVersioning) app.versioning = { ...js.nestVersioning, file };
    app.routerPaths.push(...js.nestRouter.paths.map((p) => ({ ...p, file })));
    if (!app.routerOpaque && js.nestRouter.opaqueAt !== null) app.routerOpaque = { file, line: js.nestRouter.opaqueAt };
    for (const [module, controllers] of Object.entries(js.nestModules)) for (const c of controllers) app.modulesOf.set(c, [...(app.modulesOf.get(c) ?? []), module]);
  }
  return app;
}

/** The RouterModule path of the controller's module: '' when RouterModule is not used or does not name it. */
function modulePath(route: RouteHint, app: NestApp): { path: string } | { unresolved: UnresolvedMount } {
  if (app.routerPaths.length === 0 && !app.routerOpaque) return { path: '' };
  if (app.routerOpaque) return { unresolved: { ...app.routerOpaque, reason: `RouterModule.register at ${app.routerOpaque.file}:${app.routerOpaque.line} gives module paths ecsfix cannot read (not a literal routes array)` } };
  const modules = route.nestController ? (app.modulesOf.get(route.nestController) ?? []) : [];
  const first = app.routerPaths[0] as NestRouterPath & { file: string };
  if (modules.length !== 1) {
    const why = modules.length ? `is listed by several modules (${modules.join(', ')})` : 'is listed by no @Module ecsfix found';
    return { unresolved: { file: first.file, line: first.line, reason: `RouterModule.register (${first.file}:${first.line}) prefixes module paths, and controller ${route.nestController ?? '(anonymous)'} ${why}, so its module path is not established` } };
  }
  const registered = app.routerPaths.filter((p) => p.module === modules[0]);
  const hit = registered[0];
  if (!hit) return { path: '' };
  if (hit.path === null || registered.some((p) => p.path !== hit.path))
    return { unresolved: { file: hit.file, line: hit.line, reason: `RouterModule.register (${hit.file}:${hit.line}) gives ${modules[0]} a path that is not ${hit.path === null ? 'a string literal' : 'unique'}` } };
  return { path: hit.path };
}

/** The URI version segment (`v1`, '' for none). */
function versionSegment(route: RouteHint, app: NestApp): { segment: string } | { unresolved: UnresolvedMount } {
  const v = app.versioning;
  if (!v) return { segment: '' };
  const at = `${v.file}:${v.line}`;
  const unresolved = (reason: string) => ({ unresolved: { file: v.file, line: v.line, reason } });
  if (v.type === null) return unresolved(`enableVersioning (${at}) takes options ecsfix cannot read, so the route's version segment is not established`);
  const versions = route.nestVersion !== undefined ? route.nestVersion : v.defaultVersion;
  if (versions === undefined || (versions !== null && versions.includes(''))) return { segment: '' };
  if (versions === null) return unresolved(`the route's version (${route.nestVersion === null ? '@Version or the controller version' : `defaultVersion at ${at}`}) is not a string literal`);
  if (v.type !== 'URI') return unresolved(`enableVersioning (${at}) versions by ${v.type.toLowerCase().replace('_', ' ')}: the route answers only requests that carry version ${versions[0]}, which an ALB health check does not send`);
  if (v.prefix === null) return unresolved(`enableVersioning (${at}) sets a version prefix that is not a string literal`);
  return { segment: `${v.prefix}${versions[0]}` };
}

/** Whether a NestJS `exclude` entry (`health`, `/health`, `health/(.*)`, `health/*`) covers a route path. */
function nestExcluded(path: string, exclude: string[]): boolean {
  const norm = routeSegments;
  return exclude.some((e) => {
    const wild = /^(.*?)\/?(?:\(\.\*\)|\*)$/.exec(norm(e));
    return wild ? norm(path).startsWith(norm(wild[1] ?? '')) : norm(e) === norm(path);
  });
}

/** The full path of a Nest controller route, or why it is not established. */
export function nestRoutePath(route: RouteHint, app: NestApp): { path: string } | { unresolved: UnresolvedMount } {
  const module = modulePath(route, app);
  if ('unresolved' in module) return module;
  const version = versionSegment(route, app);
  if ('unresolved' in version) return version;
  // The exclude list is matched against the path without the global prefix and the version.
  const path = joinRoute(module.path, route.path);
  const prefix = app.prefix && !nestExcluded(path, app.prefix.exclude) ? app.prefix.prefix : '';
  return { path: joinRoute(prefix, version.segment, path) };
}
