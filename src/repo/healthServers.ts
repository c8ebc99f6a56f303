/**
 * Which server serves a health route (review10 R29). A service may start a second HTTP server (a
 * management or metrics app: `const admin = express(); admin.get('/health', ...); admin.listen(9091)`)
 * beside the one on its port. A probe of the route on the main port then answers 404 and ECS
 * replaces every task. When the service's JS code starts more than one app, each health route is
 * attributed to the app it is registered on (through its router mounts) and that app to its listen
 * call: a route of the main server is probed as before; a route of a server on a literal port is
 * probed on that port; any other (the server's port is not literal, or which server serves the
 * route is not established) is never probed (ECS183).
 */
import type { ServiceListen } from '../source/facts.js';
import type { HealthRoute } from './model.js';
import { importResolvesTo } from './routes.js';
import type { SourceFacts } from './sourceScan.js';

type Listen = ServiceListen & { id: string | null };

/** The routes with the server that serves each: unchanged when the code starts one HTTP app. */
export function attributeHealthServers(routes: HealthRoute[], facts: Map<string, SourceFacts>, main: { port: number | null; variable: string | null }): HealthRoute[] {
  const listens: Listen[] = [...facts.entries()].flatMap(([file, f]) => (f.js?.listen ?? []).filter((l) => !l.rpc).map((l) => ({ ...l, file, id: listenIdentity(file, l.app ?? null, facts) })));
  const servers = new Set(listens.map((l, i) => l.id ?? `?${i}`));
  if (servers.size < 2) return routes;
  const onMain = listens.filter((l) => servesMainPort(l, main));
  const mainIds = new Set(onMain.map((l) => l.id));
  const mainId = mainIds.size === 1 ? [...mainIds][0] : null;
  const nest = new Set(listens.filter((l) => l.nest).map((l) => l.id));
  return routes.map((r) => {
    if (r.app === undefined || r.notProbed) return r;
    const id = r.app === 'nest' ? (nest.size === 1 ? ([...nest][0] ?? null) : null) : r.app && facts.get(r.app.file)?.apps.includes(r.app.name) ? `${r.app.file}#${r.app.name}` : null;
    if (id !== null && id === mainId) return r;
    const own = id === null ? [] : listens.filter((l) => l.id === id);
    const fixed = own.find((l) => literalPort(l) !== null && !onMain.includes(l));
    const where = `${r.file}:${r.line}`;
    const others = listens.map((l) => `${l.file}:${l.line}`).join(', ');
    if (fixed) return { ...r, sidePort: { port: literalPort(fixed) as number, file: fixed.file, line: fixed.line } };
    const reason =
      id === null
        ? `the service starts ${servers.size} HTTP servers (${others}) and which one serves ${r.path} (${where}) is not established`
        : own.length === 0
          ? `${r.path} (${where}) is registered on ${appName(id)}, which no listen call of the service starts (its servers listen at ${others})`
          : mainId === null
            ? `the service starts ${servers.size} HTTP servers (${others}) and which one listens on its port${main.port ? ` ${main.port}` : ''} is not established, so whether ${r.path} (${where}, on ${appName(id)}) is served there is not either`
            : `${r.path} (${where}) is registered on ${appName(id)}, a second server that listens at ${own.map((l) => `${l.file}:${l.line}`).join(', ')} on a port that is not a literal (${own[0]?.expression ?? 'not read'}), not on the service's port`;
    return { ...r, notProbed: { code: 'ECS183', reason } };
  });
}

/** `file#name` of the app a listen starts, following a relative import to the file that makes it; null when not established. */
function listenIdentity(file: string, app: string | null, facts: Map<string, SourceFacts>): string | null {
  if (!app) return null;
  const f = facts.get(file);
  if (f?.apps.includes(app)) return `${file}#${app}`;
  const spec = f?.imports[app];
  if (!spec) return null;
  for (const [other, of] of facts) {
    if (!importResolvesTo(file, spec, other)) continue;
    // The module's one app, or the one it names as imported.
    const name = of.apps.length === 1 ? of.apps[0] : of.apps.includes(app) ? app : undefined;
    return name ? `${other}#${name}` : null;
  }
  return null;
}

function appName(id: string): string {
  return `\`${id.slice(id.indexOf('#') + 1)}\` (${id.slice(0, id.indexOf('#'))})`;
}

/** The port a listen call is established to use whatever the environment: a literal, with no variable read. */
function literalPort(l: ServiceListen): number | null {
  return l.port !== null && !l.envVar && !l.envVars?.length && !l.fromConfig && !l.viaHelper ? l.port : null;
}

/** Whether the listen serves the service's port: it reads the port variable, or its literal port is the service's. */
function servesMainPort(l: ServiceListen, main: { port: number | null; variable: string | null }): boolean {
  const reads = l.envVars ?? (l.envVar ? [l.envVar] : []);
  if (reads.length) return reads.includes(main.variable ?? 'PORT');
  return literalPort(l) !== null && literalPort(l) === main.port;
}
