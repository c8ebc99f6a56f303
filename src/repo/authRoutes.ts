/**
 * Health routes behind authentication (review10 R30): a probe carries no credentials, so a route
 * registered after an app-wide (or prefix-wide) authenticating middleware, in a Fastify context
 * with an authenticating hook, or under a NestJS global or `@UseGuards` auth guard answers 401 and
 * the container is marked unhealthy. Such a route is never probed (ECS184). Exemptions count: a
 * route registered before the middleware, a prefix that does not cover it, an `.unless()` list or
 * inline check naming it, a NestJS `@Public()`-style decorator.
 */
import { exempted, type AuthGate } from '../source/authGates.js';
import type { RouteHint } from '../source/facts.js';
import type { HealthRoute } from './model.js';
import type { SourceFacts } from './sourceScan.js';

/** The first authenticating gate of `receiver` in `file` that covers `paths` and runs before line `before` (a hook: always). */
export function gateBefore(facts: Map<string, SourceFacts>, file: string, receiver: string | null, before: number, paths: string[], scope?: string): { file: string; gate: AuthGate } | null {
  if (receiver === null) return null;
  for (const gate of facts.get(file)?.js?.authGates ?? []) {
    if (gate.receiver !== receiver) continue;
    if (gate.hook ? !(scope ?? '').startsWith(gate.scope ?? '') : gate.line >= before) continue;
    const prefix = gate.prefix.replace(/\/$/, '');
    if (prefix && !paths.some((p) => p === prefix || p.startsWith(prefix + '/'))) continue;
    if (gate.unless && paths.some((p) => exempted(gate.unless ?? [], p))) continue;
    return { file, gate };
  }
  return null;
}

/** Why the route at `file` (as `r` declares it, served at `path`) is behind authentication on its own router or plugin; null when it is not established to be. */
export function ownGate(facts: Map<string, SourceFacts>, file: string, r: RouteHint, path: string): HealthRoute['notProbed'] | null {
  if (r.nest) return nestGate(facts, r, path, file);
  const hit = gateBefore(facts, file, r.receiver ?? null, r.line, [path, r.path], r.scope);
  return hit ? { code: 'ECS184', reason: gateReason(path, file, r.line, hit) } : null;
}

/** The routes with those behind an authenticating middleware of the app that serves them marked (ECS184). */
export function markAppGates(routes: HealthRoute[], facts: Map<string, SourceFacts>): HealthRoute[] {
  return routes.map((r) => {
    if (r.notProbed || !r.app || r.app === 'nest') return r;
    const hit = gateBefore(facts, r.app.file, r.app.name, r.app.line ?? r.line, [r.path]);
    return hit ? { ...r, notProbed: { code: 'ECS184', reason: gateReason(r.path, r.file, r.line, hit) } } : r;
  });
}

function nestGate(facts: Map<string, SourceFacts>, r: RouteHint, path: string, file: string): HealthRoute['notProbed'] | null {
  if (r.nestPublic) return null;
  if (r.nestGuard) return { code: 'ECS184', reason: `${path} (${file}:${r.line}) is guarded by @UseGuards(${r.nestGuard.what}) (${file}:${r.nestGuard.line}), which by its name authenticates: a probe without credentials gets 401 or 403` };
  for (const [other, f] of facts) {
    const global = f.js?.nestGlobalGuard;
    if (global) return { code: 'ECS184', reason: `${path} (${file}:${r.line}) is behind the NestJS global guard ${global.what} (${other}:${global.line}), which by its name authenticates, and its handler has no @Public()-style exemption: a probe without credentials gets 401 or 403` };
  }
  return null;
}

function gateReason(path: string, file: string, line: number, { file: at, gate }: { file: string; gate: AuthGate }): string {
  const where = `${gate.what} (${at}:${gate.line})`;
  const covers = gate.hook ? `behind the hook ${where} of its Fastify context` : `registered after ${where}${gate.prefix ? ` (mounted on ${gate.prefix})` : ' (for every path)'}`;
  const unread = gate.unless === null ? '; its .unless() exemptions are not string literals ecsfix can read' : '';
  return `${path} (${file}:${line}) is ${covers}, which by its name or package authenticates${unread}: a probe without credentials gets 401`;
}
