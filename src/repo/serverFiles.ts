/**
 * The pid, log, socket and temporary files an app server or process manager opens at start, as its
 * command line and its config name them:
 *   - gunicorn: `-p`/`--pid`, `--access-logfile`, `--error-logfile`/`--log-file`, `--worker-tmp-dir`,
 *     `-b unix:<path>`, the same in GUNICORN_CMD_ARGS, and `pidfile`, `accesslog`, `errorlog`,
 *     `worker_tmp_dir`, `bind = "unix:..."` in the config file it reads (`-c <file>`, else
 *     ./gunicorn.conf.py in its working directory);
 *   - uWSGI (its options as src/repo/uwsgiConfig.ts reads them: command line, ini, UWSGI_*):
 *     `pidfile`, `pidfile2`, `safe-pidfile`, `safe-pidfile2`, `logto`, `logto2`, `daemonize`,
 *     `daemonize2`, `logger`/`req-logger` `file:<path>`, and unix sockets (`socket = /run/uwsgi/app.sock`, `stats`);
 *   - pm2 (`pm2`, `pm2-runtime`, `pm2-docker`): `--pid`, `-l`/`--log`, `-o`/`--output`, `-e`/`--error`,
 *     and its home, PM2_HOME or ~/.pm2, where it keeps its pids and logs;
 *   - node: `--cpu-prof-dir`, `--heap-prof-dir`, `--diagnostic-dir`, `--report-directory`.
 * gunicorn writes its pid file through a temporary file in the same directory, uWSGI and pm2 create
 * theirs: a user who cannot write the directory stops the server at start. `-` (gunicorn's stdout)
 * is not a file. Where a config that may name such files cannot be read, {@link ServerFiles.unread}
 * says so (the image stays root).
 */
import type { ImageFileAt } from '../dockerfile/searchPath.js';
import { startCommands } from '../dockerfile/shell.js';
import { lineOfOffset } from '../text.js';

export interface ServerFile {
  /** What names it (`gunicorn --pid`, `uWSGI pidfile`). */
  what: string;
  /** The path as written; a Python expression of `python.text` when `python` is set. */
  value: string;
  /** A directory the server writes in, not a file. */
  dir?: boolean;
  /** Relative to the runtime user's home directory (pm2's ~/.pm2). */
  home?: boolean;
  /** A value of a Python config file (gunicorn.conf.py): an expression at `at` in `text`. */
  python?: { text: string; at: number };
  file: string;
  line: number;
}

/** What src/repo/uwsgiConfig.ts read of a uWSGI server: its options, the configs it could not read, where it starts. */
interface UwsgiOptions {
  options: readonly { name: string; value: string; file: string; line: number }[];
  unread: readonly string[];
  file: string;
  line: number;
}

export interface ServerFiles {
  files: ServerFile[];
  /** Configs the server reads that ecsfix cannot read, so which files it writes is not established. */
  unread: { what: string; value: string; file: string; line: number }[];
}

/** The command lines a start runs, each with where it is written. */
export interface StartLine {
  text: string;
  file: string;
  line: number;
}

const GUNICORN_FLAGS: Record<string, { what: string; dir?: boolean }> = {
  '-p': { what: 'gunicorn --pid' },
  '--pid': { what: 'gunicorn --pid' },
  '--access-logfile': { what: 'gunicorn --access-logfile' },
  '--error-logfile': { what: 'gunicorn --error-logfile' },
  '--log-file': { what: 'gunicorn --log-file' },
  '--worker-tmp-dir': { what: 'gunicorn --worker-tmp-dir', dir: true },
};
const PM2_FLAGS: Record<string, string> = { '--pid': 'pm2 --pid', '-l': 'pm2 --log', '--log': 'pm2 --log', '-o': 'pm2 --output', '--output': 'pm2 --output', '-e': 'pm2 --error', '--error': 'pm2 --error' };
const NODE_DIRS = new Set(['--cpu-prof-dir', '--heap-prof-dir', '--diagnostic-dir', '--report-directory', '--report-dir']);
/** uWSGI options that name a file it writes (pid, log, stats socket): src/repo/uwsgiConfig.ts reads their values. */
export const UWSGI_FILE_OPTIONS: ReadonlySet<string> = new Set(['pidfile', 'pidfile2', 'safe-pidfile', 'safe-pidfile2', 'logto', 'logto2', 'daemonize', 'daemonize2', 'logger', 'req-logger', 'stats']);
const UWSGI_SOCKETS = new Set(['socket', 's', 'uwsgi-socket', 'http-socket', 'fastcgi-socket', 'scgi-socket', 'stats']);
/** `--name value` / `--name=value` pairs of the words after a program, for the flags in `takes` (others are skipped). */
function flagValues(words: string[], takes: (flag: string) => boolean, stop?: (word: string) => boolean): { flag: string; value: string }[] {
  const out: { flag: string; value: string }[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '--' || stop?.(word)) break;
    const eq = /^(--?[\w-]+)=(.*)$/.exec(word);
    if (eq && takes(eq[1] ?? '')) out.push({ flag: eq[1] ?? '', value: eq[2] ?? '' });
    else if (takes(word) && words[i + 1] !== undefined && !(words[i + 1] ?? '').startsWith('-')) out.push({ flag: word, value: words[++i] ?? '' });
  }
  return out;
}

const programOf = (word: string) => word.slice(word.lastIndexOf('/') + 1);

/** What one command of a start line writes by its flags, and the gunicorn config it reads (`-c`, or null for the default). */
function commandFiles(words: string[], at: { file: string; line: number }, files: ServerFile[]): { gunicornConfig: string | null } | null {
  const start = words.findIndex((w) => ['gunicorn', 'pm2', 'pm2-runtime', 'pm2-docker', 'node', 'nodejs'].includes(programOf(w)));
  if (start < 0) return null;
  const program = programOf(words[start] ?? '');
  const args = words.slice(start + 1);
  if (program === 'gunicorn') {
    for (const { flag, value } of flagValues(args, (f) => f in GUNICORN_FLAGS)) files.push({ ...(GUNICORN_FLAGS[flag] as { what: string }), value, ...at });
    for (const { value } of flagValues(args, (f) => f === '-b' || f === '--bind')) if (value.startsWith('unix:')) files.push({ what: 'gunicorn --bind unix:', value: value.slice(5), ...at });
    return { gunicornConfig: flagValues(args, (f) => f === '-c' || f === '--config').at(-1)?.value ?? null };
  }
  if (program.startsWith('pm2')) {
    for (const { flag, value } of flagValues(args, (f) => f in PM2_FLAGS)) files.push({ what: PM2_FLAGS[flag] as string, value, ...at });
    return null;
  }
  // node's own options come before the script; what follows it is the script's.
  for (const { value } of flagValues(args, (f) => NODE_DIRS.has(f), (w) => !w.startsWith('-'))) files.push({ what: 'node profile/report directory', value, dir: true, ...at });
  return null;
}

/** gunicorn's file settings in its Python config file. */
function gunicornConfigFiles(file: string, text: string, files: ServerFile[]): void {
  for (const m of text.matchAll(/^(pidfile|accesslog|errorlog|worker_tmp_dir|bind)[ \t]*=[ \t]*(.+?)[ \t]*(?:#.*)?$/gm)) {
    const [, name = '', expr = ''] = m;
    const line = lineOfOffset(text, m.index);
    if (name === 'bind') {
      for (const u of expr.matchAll(/["']unix:([^"']+)["']/g)) files.push({ what: `gunicorn bind (${file})`, value: u[1] ?? '', file, line });
      continue;
    }
    if (expr === 'None' || /^["']-["']$/.test(expr)) continue;
    const at = m.index + m[0].indexOf(expr, name.length);
    files.push({ what: `gunicorn ${name} (${file})`, value: expr, python: { text, at }, ...(name === 'worker_tmp_dir' ? { dir: true } : {}), file, line });
  }
}

/** The files uWSGI's options name. */
function uwsgiFiles(server: UwsgiOptions, out: ServerFiles): void {
  for (const u of server.unread) out.unread.push({ what: 'uWSGI reads a config ecsfix cannot read, which may name a pid or log file', value: u, file: server.file, line: server.line });
  for (const o of server.options) {
    const value = o.value.trim();
    if (o.name === 'logger' || o.name === 'req-logger') {
      const path = /(?:^|\s)file:(\S+)/.exec(value)?.[1];
      if (path) out.files.push({ what: `uWSGI ${o.name} file:`, value: path, file: o.file, line: o.line });
    } else if (UWSGI_SOCKETS.has(o.name)) {
      // A value with no `:` names a unix socket uWSGI creates (`@name` is the abstract namespace).
      if (value && !value.includes(':') && !value.startsWith('@')) out.files.push({ what: `uWSGI ${o.name} (a unix socket)`, value, file: o.file, line: o.line });
    } else if (UWSGI_FILE_OPTIONS.has(o.name) && value) out.files.push({ what: `uWSGI ${o.name}`, value, file: o.file, line: o.line });
  }
}

/**
 * The files the servers a service starts write at start: `lines` are its start commands (CMD,
 * ENTRYPOINT, compose, package scripts) and the scripts they run, `cmdArgs` GUNICORN_CMD_ARGS and
 * `pm2Home` PM2_HOME as the container gets them, `imageFile` the repo file the image holds at a path.
 */
export function serverFiles(lines: StartLine[], uwsgi: UwsgiOptions | null | undefined, env: { cmdArgs: StartLine[]; pm2Home: StartLine[] }, imageFile: ImageFileAt | undefined, read: (rel: string) => string | null): ServerFiles {
  const out: ServerFiles = { files: [], unread: [] };
  const configs: { value: string | null; file: string; line: number }[] = [];
  let pm2: StartLine | null = null;
  for (const s of lines)
    for (const c of startCommands(s.text)) {
      const at = { file: s.file, line: s.line + (s.line === 1 && s.text.includes('\n') ? c.line - 1 : 0) };
      const gunicorn = commandFiles(c.words, at, out.files);
      if (gunicorn) configs.push({ value: gunicorn.gunicornConfig, ...at });
      if (!pm2 && c.words.some((w) => programOf(w).startsWith('pm2'))) pm2 = { text: s.text, ...at };
    }
  if (configs.length)
    for (const s of env.cmdArgs) {
      const before = out.files.length;
      commandFiles(['gunicorn', ...s.text.split(/\s+/).filter(Boolean)], { file: s.file, line: s.line }, out.files);
      for (const f of out.files.slice(before)) f.what = `${f.what} (GUNICORN_CMD_ARGS)`;
    }
  for (const c of configs) {
    const path = c.value ?? './gunicorn.conf.py';
    const file = path.startsWith('python:') || path.includes('$') ? null : (imageFile?.(path) ?? null);
    const text = file === null ? null : read(file);
    if (file !== null && text !== null) gunicornConfigFiles(file, text, out.files);
    else if (c.value !== null) out.unread.push({ what: 'gunicorn reads a config file ecsfix cannot read, which may name a pid or log file', value: `-c ${c.value}`, file: c.file, line: c.line });
  }
  if (uwsgi) uwsgiFiles(uwsgi, out);
  if (pm2) {
    const home = env.pm2Home.at(-1);
    out.files.push(home ? { what: `pm2 keeps its pids and logs in PM2_HOME`, value: home.text, dir: true, file: home.file, line: home.line } : { what: 'pm2 keeps its pids and logs in ~/.pm2', value: '.pm2', dir: true, home: true, file: (pm2 as StartLine).file, line: (pm2 as StartLine).line });
  }
  return out;
}
