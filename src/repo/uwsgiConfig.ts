/**
 * What a uWSGI server listens on, and in which protocol: its command line (`--socket`, `--http`,
 * `--http-socket`, `--ini <file>`), the ini file that names (the `[uwsgi]` section, or the one after
 * `file.ini:`), and the UWSGI_<OPTION> variables uWSGI reads as options. `http`, `http-socket`,
 * `https` and `http11-socket` answer HTTP; `socket` and `uwsgi-socket` speak the uwsgi binary
 * protocol (what nginx's `uwsgi_pass` sends), unless `protocol = http` turns them to HTTP; an HTTP
 * request there is never answered with 200 (uWSGI logs "invalid request block size").
 */
import { lineOfOffset } from '../text.js';
import type { Service } from './model.js';
import type { PatternListen } from './serverListen.js';
import { UWSGI_FILE_OPTIONS } from './serverFiles.js';

/** `other`: a `protocol =` value ecsfix does not know; not HTTP as far as it can tell. */
export type UwsgiProtocol = 'http' | 'uwsgi' | 'fastcgi' | 'scgi' | 'other';

export interface UwsgiListen {
  /** The option as written (`socket`, `http-socket`, `UWSGI_SOCKET`). */
  option: string;
  protocol: UwsgiProtocol;
  /** The TCP port; null for a unix socket or a value ecsfix cannot read. */
  port: number | null;
  /** The variable the address reads (`socket = :$(PORT)`), when it reads one. */
  envVar: string | null;
  file: string;
  line: number;
}

export interface UwsgiServer {
  listens: UwsgiListen[];
  /** What ecsfix could not read, so that other listens may exist (a config file the repo does not have, an `include`). */
  unread: string[];
  /** Every option read (command line, ini, UWSGI_*), but the config files: src/repo/serverFiles.ts reads the files they name. */
  options: { name: string; value: string; file: string; line: number }[];
  /** Where uwsgi is started (the command's file and line). */
  file: string;
  line: number;
}

/** Where a setting comes from when it is not the ini file: the command (its file and line) or an env variable's setting. */
export interface Setting {
  value: string;
  file: string;
  line: number;
}

const PROTOCOL_OF: Record<string, UwsgiProtocol> = {
  http: 'http',
  'http-socket': 'http',
  https: 'http',
  'https-socket': 'http',
  'http11-socket': 'http',
  socket: 'uwsgi',
  s: 'uwsgi',
  'uwsgi-socket': 'uwsgi',
  'fastcgi-socket': 'fastcgi',
  'scgi-socket': 'scgi',
};
/** Options whose sockets take the protocol `protocol =` names (`socket` only: the others name theirs). */
const GENERIC_SOCKET = new Set(['socket', 's']);
/** The values of `protocol =`. */
const PROTOCOL_VALUES: Record<string, UwsgiProtocol> = { uwsgi: 'uwsgi', http: 'http', http11: 'http', https: 'http', fastcgi: 'fastcgi', scgi: 'scgi' };
const CONFIG_OPTIONS = new Set(['ini', 'yaml', 'yml', 'json', 'xml', 'include']);

interface Option {
  name: string;
  value: string;
  file: string;
  line: number;
}

/** The options of a uwsgi command line: `--name value`, `--name=value`, `-s value`, and a bare `x.ini` (uwsgi loads it as `--ini`). */
function commandOptions(words: string[], at: { file: string; line: number }): Option[] {
  const out: Option[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const long = /^--([\w-]+)(?:=(.*))?$/.exec(word) ?? /^-(s)$/.exec(word);
    if (long) {
      const name = long[1] ?? '';
      const next = words[i + 1];
      const value = long[2] ?? (next !== undefined && !next.startsWith('-') && (name in PROTOCOL_OF || CONFIG_OPTIONS.has(name) || UWSGI_FILE_OPTIONS.has(name) || name === 'protocol') ? (i++, next) : '');
      out.push({ name, value, ...at });
    } else if (/\.ini(?::[\w-]+)?$/.test(word)) out.push({ name: 'ini', value: word, ...at });
  }
  return out;
}

/** The `key = value` lines of one section of an ini file (`[uwsgi]` unless named); null when the file has no such section. */
function iniOptions(text: string, file: string, section: string): Option[] | null {
  const out: Option[] = [];
  let current: string | null = null;
  let seen = false;
  for (const m of text.matchAll(/^[ \t]*(?:\[([^\]]+)\]|([\w-]+)[ \t]*=[ \t]*(.*?))[ \t]*\r?$/gm)) {
    if (m[1] !== undefined) {
      current = m[1].trim();
      seen ||= current === section;
    } else if (current === section) out.push({ name: m[2] ?? '', value: m[3] ?? '', file, line: lineOfOffset(text, m.index) });
  }
  return seen ? out : null;
}

/** `$(VAR)` expanded from the environment; the variables it reads (and whether each had a value). */
function expand(value: string, env: (name: string) => Setting | null): { text: string; vars: string[]; unknown: boolean } {
  const vars: string[] = [];
  let unknown = false;
  const text = value.replace(/\$\((\w+)\)/g, (_m, name: string) => {
    vars.push(name);
    const set = env(name)?.value;
    if (set === undefined || set.includes('$')) unknown = true;
    return set ?? '';
  });
  return { text, vars, unknown };
}

/** A socket address's TCP port: `0.0.0.0:5000`, `:5000`, `[::]:5000`; null for a unix socket path or an unreadable value. */
function tcpPort(address: string): number | null {
  const m = /^(?:[\w.-]*|\[[:\w]*\]):(\d{1,5})(?:,.*)?$/.exec(address.trim());
  const port = m ? Number(m[1]) : NaN;
  return port > 0 && port < 65536 ? port : null;
}

/**
 * The listens of the uwsgi a start command runs, or null when it runs none. `command` is the
 * process's command line (exec-form brackets and quotes allowed), `at` where it is set; `configFile`
 * maps a path on the command line (relative to the process's directory) to the repo file and its
 * text; `env` gives a variable's setting in the container.
 */
export function uwsgiServer(command: string, at: { file: string; line: number }, configFile: (path: string) => { file: string; text: string } | null, env: (name: string) => Setting | null): UwsgiServer | null {
  const words = command.replace(/[[\]",]/g, ' ').split(/\s+/).filter(Boolean);
  const start = words.findIndex((w) => /(?:^|\/)uwsgi$/.test(w));
  if (start < 0) return null;
  const unread: string[] = [];
  const options: Option[] = [];
  // uWSGI reads UWSGI_<OPTION> from its environment as options (UWSGI_HTTP_SOCKET is --http-socket).
  for (const name of [...Object.keys(PROTOCOL_OF), ...UWSGI_FILE_OPTIONS, 'ini', 'protocol']) {
    const set = env(`UWSGI_${name.toUpperCase().replace(/-/g, '_')}`);
    if (set && name !== 's') options.push({ name, value: set.value, file: set.file, line: set.line });
  }
  options.push(...commandOptions(words.slice(start + 1), at));
  const all: Option[] = [];
  for (const option of options) {
    if (!CONFIG_OPTIONS.has(option.name)) {
      all.push(option);
      continue;
    }
    const [path = '', section = 'uwsgi'] = option.value.split(/:(?=[\w-]+$)/);
    const config = option.name === 'ini' && !path.includes('$') ? configFile(path) : null;
    const read = config ? iniOptions(config.text, config.file, section) : null;
    if (!config || !read) unread.push(`${option.name} ${option.value} (${option.file}:${option.line})${config ? `: no [${section}] section` : ''}`);
    for (const inner of read ?? []) {
      if (CONFIG_OPTIONS.has(inner.name)) unread.push(`${inner.name} = ${inner.value} (${inner.file}:${inner.line})`);
      else all.push(inner);
    }
  }
  const protocolSetting = all.filter((o) => o.name === 'protocol' || o.name === 'socket-protocol').at(-1)?.value.trim();
  const listens = all.flatMap((o): UwsgiListen[] => {
    const base = PROTOCOL_OF[o.name];
    if (!base) return [];
    const generic = GENERIC_SOCKET.has(o.name) && protocolSetting ? (PROTOCOL_VALUES[protocolSetting] ?? 'other') : base;
    const { text, vars, unknown } = expand(o.value, env);
    return [{ option: o.name, protocol: generic, port: unknown ? null : tcpPort(text), envVar: vars[0] ?? null, file: o.file, line: o.line }];
  });
  return { listens, unread, options: all, ...at };
}

/** The server's TCP listens as start calls read by pattern: port evidence, and the variable an address reads (`http-socket = :$(PORT)`). */
export function uwsgiPatternListens(server: UwsgiServer | null): PatternListen[] {
  return (server?.listens ?? [])
    .filter((l) => l.port !== null || l.envVar !== null)
    .map((l) => ({ file: l.file, line: l.line, receiver: `uwsgi ${l.option}`, port: l.port, envVar: l.envVar, envVars: l.envVar ? [l.envVar] : [], expression: l.option }));
}

/**
 * What a uWSGI server establishes about the service port: the literal HTTP listen that fixes it
 * (`http-socket = :8000`: PORT is ignored), or that the port is not HTTP (a `socket`, which nginx
 * reaches with `uwsgi_pass`), or that which protocol it speaks is not established (no HTTP listen
 * read, and a config ecsfix could not read). Nothing when no uwsgi runs or the port follows a variable.
 */
export function uwsgiPortFacts(server: UwsgiServer | null, port: number | null): Pick<Service, 'configBind' | 'uwsgiSocket'> {
  if (!server) return {};
  const http = server.listens.filter((l) => l.protocol === 'http');
  // The listen on the service port, else an HTTP one (a literal first, then one that follows a variable), else any.
  const onPort = server.listens.find((l) => port !== null && l.port === port) ?? http.find((l) => l.port !== null) ?? http[0] ?? server.listens[0];
  if (onPort?.protocol === 'http')
    return onPort.port !== null && onPort.envVar === null ? { configBind: { port: onPort.port, file: onPort.file, line: onPort.line, server: `uWSGI (${onPort.option} =)` } } : {};
  if (onPort) return { uwsgiSocket: { port: onPort.port, option: onPort.option, protocol: onPort.protocol, file: onPort.file, line: onPort.line } };
  const because = server.unread.length ? `ecsfix cannot read ${server.unread.join(', ')}` : 'its command line and config name no socket';
  return { uwsgiSocket: { port: null, option: null, protocol: null, file: server.file, line: server.line, because } };
}

/** Why the service's port gets no HTTP probe (ECS182, the task definition's note): what uWSGI serves there, and what to do. */
export function uwsgiSocketReason(service: Pick<Service, 'name' | 'uwsgiSocket'>): string | null {
  const socket = service.uwsgiSocket;
  if (!socket) return null;
  const what = socket.option
    ? `"${service.name}" runs uWSGI, and its \`${socket.option}\` (${socket.file}:${socket.line}) serves ${socket.port === null ? 'a unix socket' : `port ${socket.port}`} over the ${socket.protocol === 'other' ? 'protocol its `protocol =` names' : `${socket.protocol} protocol`}${socket.protocol === 'uwsgi' ? " (what nginx's uwsgi_pass sends)" : ''}, not HTTP: an HTTP probe there never gets a 200`
    : `"${service.name}" runs uWSGI (${socket.file}:${socket.line}), and whether its port answers HTTP is not established: ${socket.because}`;
  return `${what}. Put the nginx frontend that passes requests to it behind the ALB (and probe nginx), or make uWSGI answer HTTP with \`http-socket = :<port>\` in place of \`socket\``;
}
