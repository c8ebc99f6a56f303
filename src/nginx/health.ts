/**
 * The path an ALB health check (and the task definition's healthCheck) can probe on an nginx image,
 * read from the config the image starts with: the `server` that takes the container port, then the
 * location nginx picks for a path (exact `=`, then the longest prefix, `^~` stopping the search,
 * else the first matching regex, else that prefix), and what that location does with it. A path is
 * claimed only when its answer is 200 without another service: a liveness-named location that
 * `return 200`s (`location = /healthz { return 200 "ok"; }`), else `/` served from a static root
 * the image fills (the stock /usr/share/nginx/html, or a directory the Dockerfile copies into). A
 * proxied `/` answers what the upstream answers; a root left at nginx's default (`html` under the
 * prefix, /etc/nginx/html in the official image, which does not exist) answers 404. Anything else
 * is no claim, with the reason.
 */
import { isLivenessRoute } from '../repo/sourceScan.js';
import { listenAddress, type NginxDirective } from './config.js';
import type { ConfigFile, NginxImage } from './image.js';

const OFFICIAL_HTML = '/usr/share/nginx/html';
/** Directives that hand the request to another server: its answer is that server's. */
const PASSES = /^(?:proxy_pass|fastcgi_pass|uwsgi_pass|scgi_pass|grpc_pass|memcached_pass)$/;
/** Rewrite-phase directives whose effect on a request ecsfix does not evaluate. */
const REWRITES = new Set(['if', 'rewrite', 'return', 'set', 'auth_basic', 'auth_request', 'allow', 'deny', 'limit_except']);

interface Location {
  modifier: '' | '=' | '^~' | '~' | '~*';
  path: string;
  directive: NginxDirective;
}

type Where = { file: ConfigFile; line: number };
export type NginxProbe = { path: string } | { reason: string };

const at = (w: Where) => `${w.file.stock ? "the image's own default.conf" : w.file.repoPath}:${w.line}`;

/** The `server` blocks of the http context, with their file. */
function servers(config: NginxImage): { file: ConfigFile; server: NginxDirective }[] {
  const found: { file: ConfigFile; server: NginxDirective }[] = [];
  const walk = (file: ConfigFile, list: NginxDirective[]) => {
    for (const d of list) {
      if (d.name === 'server' && d.block) found.push({ file, server: d });
      else if (d.name === 'http' && d.block) walk(file, d.block);
    }
  };
  for (const file of config.loaded) walk(file, file.directives);
  return found;
}

/** The server nginx hands a request on `port` to when the Host is an IP address (an ALB health check): the default_server, else the first. */
function serverOn(config: NginxImage, port: number): { file: ConfigFile; server: NginxDirective } | { reason: string } {
  const all = servers(config);
  if (all.length === 0) return { reason: 'the config the image loads has no server block' };
  const on = all.filter(({ server }) => {
    const listens = (server.block ?? []).filter((d) => d.name === 'listen');
    if (listens.length === 0) return port === 80;
    return listens.some((l) => {
      const a = listenAddress(l);
      return a.kind === 'port' && a.port === port;
    });
  });
  // A single server whose port is a variable (`listen ${NGINX_PORT}`) is the one the container serves.
  const candidates = on.length ? on : all.length === 1 && (all[0]?.server.block ?? []).some((d) => d.name === 'listen' && listenAddress(d).kind === 'variable') ? all : [];
  if (candidates.length === 0) return { reason: `no server block of the config listens on ${port}` };
  const byDefault = candidates.find(({ server }) => (server.block ?? []).some((d) => d.name === 'listen' && d.args.some((a) => a.value === 'default_server' || a.value === 'default')));
  return byDefault ?? (candidates[0] as { file: ConfigFile; server: NginxDirective });
}

function locationsOf(server: NginxDirective): Location[] {
  const out: Location[] = [];
  for (const d of server.block ?? []) {
    if (d.name !== 'location' || !d.block) continue;
    const [first, second] = d.args.map((a) => a.value);
    if (!first || first.startsWith('@')) continue;
    const glued = /^(=|\^~|~\*|~)(\/.*)$/.exec(first);
    if (glued) out.push({ modifier: glued[1] as Location['modifier'], path: glued[2] as string, directive: d });
    else if (['=', '^~', '~', '~*'].includes(first) && second !== undefined) out.push({ modifier: first as Location['modifier'], path: second, directive: d });
    else out.push({ modifier: '', path: first, directive: d });
  }
  return out;
}

/** The location nginx picks for `uri`; null for none; 'unknown' when a regex cannot be evaluated here. */
function locationFor(locations: Location[], uri: string): Location | null | 'unknown' {
  const exact = locations.find((l) => l.modifier === '=' && l.path === uri);
  if (exact) return exact;
  const prefix = locations.filter((l) => (l.modifier === '' || l.modifier === '^~') && uri.startsWith(l.path)).sort((a, b) => b.path.length - a.path.length)[0] ?? null;
  if (prefix?.modifier === '^~') return prefix;
  for (const l of locations.filter((x) => x.modifier === '~' || x.modifier === '~*')) {
    try {
      if (new RegExp(l.path, l.modifier === '~*' ? 'i' : '').test(uri)) return l;
    } catch {
      return 'unknown';
    }
  }
  return prefix;
}

const own = (block: NginxDirective[] | null, name: string) => (block ?? []).filter((d) => d.name === name).pop();

/** Whether the location answers 200 by itself (`return 200 …`), and nothing else in it runs first. */
function returns200(location: Location): boolean {
  const block = location.directive.block ?? [];
  const ret = block.find((d) => d.name === 'return');
  return ret?.args[0]?.value === '200' && !block.some((d) => d.name !== 'return' && REWRITES.has(d.name));
}

/** Whether `/` is served from a static root the image fills (with nginx's default `index index.html`, or the one set). */
function servesIndex(location: Location | null, server: NginxDirective, http: NginxDirective[], dirs: (dir: string) => boolean, where: Where): { ok: true } | { reason: string } {
  const block = location?.directive.block ?? [];
  const pass = block.find((d) => PASSES.test(d.name));
  if (pass) return { reason: `\`/\` is passed on by ${pass.name} (${at({ ...where, line: pass.line })}): it answers what the upstream answers` };
  const rewrite = block.find((d) => REWRITES.has(d.name));
  if (rewrite) return { reason: `the location serving \`/\` runs \`${rewrite.name}\` (${at({ ...where, line: rewrite.line })}), which ecsfix does not evaluate` };
  const alias = own(block, 'alias');
  const root = alias ?? own(block, 'root') ?? own(server.block, 'root') ?? own(http, 'root');
  const dir = root?.args[0]?.value;
  if (!dir) return { reason: `no location serves \`/\` from a root: nginx falls back to its default root \`html\` under its prefix (/etc/nginx/html in the official image, which does not exist), so \`/\` answers 404` };
  if (!dir.startsWith('/') || dir.includes('$')) return { reason: `\`/\` is served from root ${dir} (${at({ ...where, line: root.line })}), a directory ecsfix cannot place in the image` };
  if (!dirs(dir.replace(/\/+$/, '') || '/')) return { reason: `\`/\` is served from ${dir} (${at({ ...where, line: root.line })}), which nothing shows the image fills with an index file` };
  return { ok: true };
}

/**
 * The probe path of an nginx image serving on `port`. `http`: the directives of the http context
 * (for an http-level root); `dirs(dir)`: whether the image puts an index into that directory.
 */
export function nginxHealthPath(config: NginxImage, port: number, dirs: (dir: string) => boolean): NginxProbe {
  const chosen = serverOn(config, port);
  if ('reason' in chosen) return chosen;
  const { file, server } = chosen;
  const where = { file, line: server.line };
  const serverRewrite = (server.block ?? []).find((d) => REWRITES.has(d.name));
  if (serverRewrite) return { reason: `the server block (${at(where)}) runs \`${serverRewrite.name}\` for every request (${at({ file, line: serverRewrite.line })}), which ecsfix does not evaluate` };
  const locations = locationsOf(server);
  // A liveness location that answers 200 itself, and that nginx picks for its own path.
  const health = locations.filter((l) => (l.modifier === '=' || l.modifier === '' || l.modifier === '^~') && isLivenessRoute(l.path) && returns200(l)).sort((a, b) => Number(b.modifier === '=') - Number(a.modifier === '=') || a.path.length - b.path.length);
  for (const l of health) if (locationFor(locations, l.path) === l) return { path: l.path };
  const root = locationFor(locations, '/');
  if (root === 'unknown') return { reason: `a regex location of the server block (${at(where)}) is not one ecsfix can evaluate` };
  if (root && returns200(root)) return { path: '/' };
  if (root && (root.directive.block ?? []).some((d) => d.name === 'return')) return { reason: `\`/\` answers with the \`return\` of ${at({ file, line: root.directive.line })}, not 200` };
  const http = config.loaded.flatMap((f) => f.directives.filter((d) => d.name === 'http').flatMap((d) => d.block ?? []));
  const served = servesIndex(root, server, http, dirs, { file, line: root?.directive.line ?? server.line });
  return 'ok' in served ? { path: '/' } : served;
}

/** The directories an nginx image fills with files: the stock html directory and every absolute COPY/ADD destination. */
export function filledDirs(copyDestinations: readonly string[]): (dir: string) => boolean {
  const dests = copyDestinations.map((d) => d.replace(/\/+$/, '') || '/');
  return (dir) => dir === OFFICIAL_HTML || dests.includes(dir);
}
