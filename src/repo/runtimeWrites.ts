/**
 * Directories a service writes at runtime, so a non-root image can hand exactly those to its user
 * (and does not switch the user when a write cannot be resolved to a path). Read from:
 *   - the code of the service and of the workspace packages its code imports: fs
 *     `mkdir`/`writeFile`/`createWriteStream`, Python `os.makedirs`/`os.mkdir`/`<path>.mkdir()`/
 *     `open(path, "w"|"a")`/`<path>.write_text()`, and the file targets of the file-writing
 *     libraries it uses (src/repo/fileWriters.ts: winston, pino, log4js, bunyan, multer, Python's
 *     logging and loguru; a target that library is configured with but ecsfix cannot read is an
 *     unresolved write, so the image stays root). Paths are followed through
 *     literals, joins and variables; a variable read (`process.env.LOG_FILE ?? '/var/log/app/app.log'`,
 *     `os.getenv("INVOICE_DIR", "invoices")`) gives the service's compose value and the image's ENV
 *     value or the default, and is unresolved when the value comes from the caller's shell (a
 *     relative path is relative to the process's working directory: the WORKDIR, or where the start
 *     command moves it, see src/repo/processCwd.ts and {@link atProcessCwd});
 *   - what the container runs at start (CMD/ENTRYPOINT, compose `command`/`entrypoint`, the
 *     entrypoint scripts, the package.json script `npm start` runs): `prisma generate` writes
 *     node_modules/.prisma, the Vite dev server node_modules/.vite, `next start` and the Next.js
 *     standalone `node <dir>/server.js` <dir>/.next/cache,
 *     Django `collectstatic` STATIC_ROOT and `makemigrations` each app's migrations/, `migrate` the
 *     directory of a SQLite database, `celery beat` its schedule file (by default in the working
 *     directory), what the entrypoint script itself writes (src/repo/scriptWrites.ts), and the pid,
 *     log and socket files of the servers it starts (gunicorn, uWSGI, pm2: src/repo/serverFiles.ts).
 * Paths are relative to the service directory, the WORKDIR, or absolute (see {@link RuntimeWrite}).
 */
import { filesUnder } from './files.js';
import { relativeSource } from './relativeSource.js';
import { posix } from 'node:path';
import { lineOfOffset } from '../text.js';
import { scriptWrites, type StartScript } from './scriptWrites.js';
import type { ProcessCwd } from './processCwd.js';
import type { ImageFileAt } from '../dockerfile/searchPath.js';
import { callArguments, firstArgument, topLevelArguments, wholeCall } from './callText.js';
import { FILE_WRITING_LIBRARIES, type FileWritingLibrary, type WriteSink } from './fileWriters.js';
import type { ServerFiles } from './serverFiles.js';

export interface RuntimeWrite {
  /** Relative to the service directory (or the WORKDIR when `fromWorkdir`), or absolute (a container path) when `absolute`. */
  path: string;
  absolute: boolean;
  /** Relative to the process's working directory (the deployed stage's WORKDIR), not the service directory. */
  fromWorkdir?: boolean;
  /** The process writes below it too (generated clients, caches): the whole tree goes to the user. */
  recursive?: boolean;
  /** The write happens but its path cannot be resolved (a parameter, `__dirname` of a TS file): `path` is the expression as written. */
  unresolved?: boolean;
  /** Only the directory itself is written (files created in it, such as SQLite's database and journal), not the tree below it. */
  flat?: boolean;
  /**
   * A path taken from the directory of a source file (`path.resolve(__dirname, '../../tmp/reports')`,
   * CommonJS): `path` is where that lands in the repo's layout, and the image places it beside where
   * it holds `file` (repo-relative), which may differ from where it puts the service directory.
   */
  besideFile?: string;
  /** Under the home directory of the user the process runs as (`os.path.expanduser("~/.cache")`, `os.homedir()`, `Path.home()`): `path` is relative to it ('.' for the home itself). */
  home?: boolean;
  /** Why, e.g. `collectstatic writes STATIC_ROOT`. */
  reason: string;
  /** The start command line that sets (or leaves unknown) the working directory a relative path is taken from, when it is not the WORKDIR. */
  cwdAt?: { file: string; line: number };
  /** Where the path is defined. */
  file: string;
  line: number;
}

const COLLECTSTATIC = /^(?!\s*#).*\bcollectstatic\b/m;
const STATIC_ROOT = /^STATIC_ROOT\s*=\s*(.+)$/m;

/** The directory BASE_DIR names: `Path(__file__).resolve().parent.parent` is two levels up from settings.py. */
function baseDirOf(settingsFile: string, text: string): string | null {
  const m = /^BASE_DIR\s*=\s*(.+)$/m.exec(text);
  if (!m) return null;
  const expr = m[1] ?? '';
  const dir = posix.dirname(settingsFile);
  const parents = (expr.match(/\.parent\b/g) ?? []).length;
  const dirnames = (expr.match(/os\.path\.dirname\(/g) ?? []).length;
  const levels = parents ? parents - 1 : dirnames ? dirnames - 1 : -1;
  if (levels < 0) return null;
  let out = dir;
  for (let i = 0; i < levels; i++) out = posix.dirname(out);
  return out === '.' ? '' : out;
}

/** A STATIC_ROOT value: relative to the service directory (or absolute), or, for a relative value read from the environment, to the process's working directory (`fromWorkdir`). */
type StaticRoot = { path: string; absolute: boolean; fromWorkdir?: boolean; via?: string };

/**
 * The directories STATIC_ROOT names in the container, with the line of its assignment: a settings
 * path ({@link settingsPath}), or a variable read (`os.environ.get("STATIC_ROOT", "/var/www/static")`):
 * the image's ENV and the compose values, else the default. `unresolved` (with why) when a value
 * cannot be established; null when the file assigns no STATIC_ROOT (or None: collectstatic refuses then).
 */
function staticRoot(settingsFile: string, text: string, serviceDir: string, env: ServiceEnvironment): { roots: StaticRoot[]; line: number } | { unresolved: string; expr: string; line: number } | null {
  const m = STATIC_ROOT.exec(text);
  if (!m) return null;
  const line = lineOfOffset(text, m.index);
  const expr = (m[1] ?? '').replace(/#.*$/, '').trim();
  if (expr === 'None') return null;
  const fixed = settingsPath(settingsFile, text, serviceDir, expr);
  if (fixed) return { roots: [fixed], line };
  const read = environmentRead(expr);
  if (!read) return { unresolved: 'an expression ecsfix cannot resolve', expr, line };
  const settings = env[read.name] ?? [];
  const image = settings.filter((s) => s.from === 'image').at(-1);
  const roots: StaticRoot[] = [];
  for (const s of [...settings.filter((x) => x.from === 'compose'), ...(image ? [image] : [])]) {
    if (!s.value || s.value.includes('$')) return { unresolved: `${read.name} is ${s.value ? `\`${s.value}\`` : 'empty'} in ${s.file}:${s.line}, a value the repo does not establish`, expr, line };
    const via = `${read.name}=${s.value} in ${s.file}:${s.line}`;
    roots.push(s.value.startsWith('/') ? { path: s.value, absolute: true, via } : { path: posix.normalize(s.value), absolute: false, fromWorkdir: true, via });
  }
  if (!image) {
    const fallback = read.fallback === null ? null : settingsPath(settingsFile, text, serviceDir, read.fallback.trim());
    if (!fallback) return { unresolved: read.fallback === null ? `nothing in the image sets ${read.name} and the settings give no default` : `nothing in the image sets ${read.name} and its default ${read.fallback.trim()} is not a path ecsfix can resolve`, expr, line };
    roots.push({ ...fallback, via: `the default of ${read.name}` });
  }
  return { roots, line };
}

/** A settings path expression (an absolute literal, `BASE_DIR / "x"`, `os.path.join(BASE_DIR, "x")`) relative to the service directory, or absolute. */
function settingsPath(settingsFile: string, text: string, serviceDir: string, expr: string): { path: string; absolute: boolean } | null {
  const literal = /^['"]([^'"]+)['"]$/.exec(expr)?.[1];
  if (literal?.startsWith('/')) return { path: literal, absolute: true };
  const joined =
    /^BASE_DIR\s*\/\s*['"]([^'"]+)['"]$/.exec(expr)?.[1] ??
    /^os\.path\.join\(\s*BASE_DIR\s*,\s*['"]([^'"]+)['"]\s*\)$/.exec(expr)?.[1] ??
    /^str\(\s*BASE_DIR\s*\/\s*['"]([^'"]+)['"]\s*\)$/.exec(expr)?.[1];
  if (!joined) return null;
  const base = baseDirOf(settingsFile, text);
  if (base === null) return null;
  const prefix = serviceDir ? serviceDir + '/' : '';
  const full = posix.join(base, joined);
  if (serviceDir && !(full + '/').startsWith(prefix)) return null;
  return { path: full.slice(prefix.length), absolute: false };
}

/** `manage.py migrate` / `django-admin migrate` on a start command line (not `makemigrations`, not a comment). */
const MIGRATE = /^(?!\s*#).*\b(?:manage\.py|django-admin)\b[^\n]*?\smigrate\b/m;
const SQLITE_ENGINE = /['"]django\.db\.backends\.sqlite3['"]/g;

/**
 * The directories Django's SQLite databases live in (DATABASES ENGINE sqlite3, NAME a path): SQLite
 * writes the database file and its journal beside it, so the directory must be writable. A NAME
 * ecsfix cannot place (a variable read, a call) is an unresolved write; `:memory:` writes nothing.
 */
function djangoSqliteWrites(serviceDir: string, settingsFiles: string[], read: (rel: string) => string | null): Omit<RuntimeWrite, 'reason'>[] {
  const out: Omit<RuntimeWrite, 'reason'>[] = [];
  for (const file of settingsFiles) {
    const text = read(file) ?? '';
    for (const m of text.matchAll(SQLITE_ENGINE)) {
      // The NAME of the same database dict: before or after the ENGINE, within its braces.
      const open = text.lastIndexOf('{', m.index);
      const close = open < 0 ? -1 : (callArguments(text, open + 1)?.end ?? -1);
      if (close < 0) continue;
      const name = /['"]NAME['"]\s*:\s*/.exec(text.slice(open, close));
      const line = lineOfOffset(text, m.index);
      if (!name) continue;
      const expr = firstArgument(text, open + name.index + name[0].length).replace(/#.*$/, '').trim();
      if (/^['"]:memory:['"]$/.test(expr)) continue;
      const path = settingsPath(file, text, serviceDir, expr);
      if (!path) out.push({ path: expr, absolute: false, unresolved: true, file, line });
      else if (posix.basename(path.path).includes('$')) continue;
      else {
        const dir = posix.dirname(path.path);
        out.push({ path: dir === '' ? '.' : dir, absolute: path.absolute, flat: true, file, line });
      }
    }
  }
  return out;
}

/** What the service runs at start and the code it runs, as {@link detectRuntimeWrites} reads them. */
export interface StartupFacts {
  /** The deployed stage's CMD and ENTRYPOINT, compose `command`/`entrypoint`, and the package.json scripts they run, each with where it is written. */
  startup: { text: string; file: string; line: number }[];
  /** Source files of the service and of the workspace packages it imports. */
  sourceFiles: string[];
  /** What the image's ENV and the service's compose `environment` set: the values the code's variable reads get. */
  environment?: ServiceEnvironment;
  /** The shell scripts the start commands run (the image's entrypoint script), read for what they write. */
  scripts?: StartScript[];
  /** The repo file the image holds at a path (a COPY put it there), and the stage's PATH, when known. */
  imageFile?: ImageFileAt;
  /** The process's working directory as the start command sets it (src/repo/processCwd.ts); absent: the WORKDIR. */
  cwd?: ProcessCwd;
  /** The pid, log and socket files the servers it starts write (gunicorn, uWSGI, pm2: src/repo/serverFiles.ts). */
  serverFiles?: ServerFiles;
}

/** `inCwd`: the path is relative to the directory the process runs in (the project's), not where the package manager hoists the client. */
const STARTUP_WRITES: { test: RegExp; path: string; reason: string; inCwd: boolean }[] = [
  { test: /\bprisma\s+generate\b/, path: 'node_modules/.prisma', reason: '`prisma generate` at start writes the generated client into node_modules/.prisma', inCwd: false },
  { test: /(?:^|[\s"'&;|])(?:npx\s+)?vite(?:\s+(?:dev|serve)\b|\s*(?:$|["'&;|]|--))/m, path: 'node_modules/.vite', reason: 'the Vite dev server writes its dependency cache to node_modules/.vite', inCwd: true },
  { test: /\bnext\s+start\b/, path: '.next/cache', reason: '`next start` writes its image and fetch cache to .next/cache', inCwd: true },
];

const PY_WRITE = /(?<![\w.])(open)\(|\.(mkdir|makedirs|open|write_text|write_bytes)\(/g;
const JS_WRITE = /\b(?:fs\.|fsp\.|fs\.promises\.|promises\.)?(mkdirSync|mkdir|mkdirp|writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|ensureDirSync|ensureDir)\(/g;

/** The right-hand side of the first assignment to `name` in the file (`const dir = ...`, `MODEL_DIR = "..."`). */
function assignedValue(text: string, name: string): string | null {
  const escaped = name.replace(/[$]/g, '\\$');
  const m = new RegExp(`^\\s*(?:export\\s+)?(?:const|let|var)?\\s*${escaped}\\s*(?::\\s*[\\w.]+\\s*)?=(?!=)\\s*(.+?)\\s*;?\\s*(?:#.*|//.*)?$`, 'm').exec(text);
  return m?.[1] ?? null;
}

/** A value the container's environment gives a variable, and where it is set. */
export interface EnvSetting {
  value: string;
  /** `image`: an ENV of the deployed stage; `compose`: the service's compose `environment`. */
  from: 'image' | 'compose';
  file: string;
  line: number;
}

/** The variables the image's ENV and the service's compose `environment` set, by name. */
export type ServiceEnvironment = Readonly<Record<string, readonly EnvSetting[]>>;

/** What {@link resolvePath} reads with: the service's environment, the language, and why a path was not resolved. */
interface PathContext {
  env: ServiceEnvironment;
  python: boolean;
  /** `__dirname`: the directory of the file being read, relative to the service directory (CommonJS files only). */
  fileDir?: string;
  because?: string;
  /** `-` names stdout (a server's log setting), not a file. */
  dashIsStdout?: boolean;
}

/** A path an expression names: `path` so far, whether a dynamic part follows it (`./data/${name}`), and the variable it came from. */
interface ResolvedPath {
  path: string;
  dynamicTail: boolean;
  via?: string;
  /**
   * The path starts with `~`: `home` when that is the user's home directory (`os.homedir()`,
   * `Path.home()`, an expanduser'd `~`), `literal` when nothing expands it (a directory named `~`).
   */
  tilde?: 'home' | 'literal';
  /** Relative to the service directory through the file's own directory (`__dirname`), not the working directory. */
  besideFile?: true;
}

/** What the code reads a variable with: `process.env.X ?? 'd'`, `os.getenv('X', 'd')`, `os.environ.get('X')`, `os.environ['X']`. */
function environmentRead(e: string): { name: string; fallback: string | null } | null {
  const js = /^process\.env(?:\.(\w+)|\[['"](\w+)['"]\])\s*(?:(?:\|\||\?\?)\s*(.+))?$/s.exec(e);
  if (js) return { name: (js[1] ?? js[2]) as string, fallback: js[3] ?? null };
  const item = /^os\.environ\[\s*['"](\w+)['"]\s*\]$/.exec(e);
  if (item) return { name: item[1] as string, fallback: null };
  const get = wholeCall(e, /^os\.(?:environ\.get|getenv)\(/);
  const name = get && /^['"](\w+)['"]$/.exec(get[0] ?? '')?.[1];
  return get && name ? { name, fallback: get[1] ?? null } : null;
}

/**
 * The paths a variable read gives in the container: the compose value(s) for the service, and the
 * image's ENV value or, when the image sets none, the code's default (a `docker run` without
 * compose). Null when one of them cannot be resolved (`${SECRET_DIR}` from the caller's shell) or
 * nothing sets the variable and the code has no default.
 */
function resolveEnvironmentRead(read: { name: string; fallback: string | null }, text: string, ctx: PathContext, depth: number): ResolvedPath[] | null {
  const settings = ctx.env[read.name] ?? [];
  const image = settings.filter((s) => s.from === 'image').at(-1);
  const out: ResolvedPath[] = [];
  for (const s of [...settings.filter((x) => x.from === 'compose'), ...(image ? [image] : [])]) {
    if (s.value.includes('$') || !s.value) {
      ctx.because = `${read.name} is ${s.value ? `\`${s.value}\`` : 'empty'} in ${s.file}:${s.line}, a value the repo does not establish (the shell that runs compose gives it)`;
      return null;
    }
    out.push({ path: s.value, dynamicTail: false, via: `${read.name}=${s.value} in ${s.file}:${s.line}` });
  }
  if (!image) {
    if (read.fallback === null) {
      if (!out.length) ctx.because = `nothing in the image or compose sets ${read.name}`;
      return out.length ? out : null;
    }
    const byDefault = resolvePath(read.fallback, text, ctx, depth + 1);
    if (!byDefault) return null;
    out.push(...byDefault.map((d) => ({ ...d, via: d.via ?? `the default of ${read.name}` })));
  }
  return out;
}

/** Joins `tail` onto each of `heads` (an absolute tail replaces the head). */
function joinPaths(heads: ResolvedPath[], tails: ResolvedPath[]): ResolvedPath[] {
  return heads.flatMap((h) =>
    tails.map((t) => {
      const replaced = t.path.startsWith('/') || t.tilde === 'home';
      const tilde = replaced ? t.tilde : h.tilde ?? (t.tilde ? 'literal' : undefined);
      const besideFile = replaced ? t.besideFile : h.besideFile;
      return { path: replaced ? t.path : posix.join(h.path, t.path), dynamicTail: t.dynamicTail, ...(h.via || t.via ? { via: (h.via ?? t.via) as string } : {}), ...(tilde ? { tilde } : {}), ...(besideFile ? { besideFile } : {}) };
    }),
  );
}

/** The home directory of the user the process runs as: `os.homedir()`, `Path.home()`, `os.path.expanduser("~")`. */
const HOME_DIR = /^(?:os\.homedir\(\)|(?:pathlib\.)?Path\.home\(\))$/;

/** `~` expanded: a path that starts with it is under the user's home. */
function expandUser(paths: ResolvedPath[] | null): ResolvedPath[] | null {
  return paths && paths.map((p) => (p.tilde === 'literal' && (p.path === '~' || p.path.startsWith('~/')) ? { ...p, tilde: 'home' } : p));
}

/** The last top-level ` / ` of a Python expression (pathlib's join), else -1. */
function lastPathJoin(e: string): number {
  let depth = 0;
  let quote = '';
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    const c = e[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '/' && depth === 0 && e[i + 1] !== '/' && e[i - 1] !== '/') at = i;
  }
  return at;
}

/**
 * What a path expression evaluates to in the container, following string literals, template
 * prefixes, variable reads (`process.env.X || 'default'`, `os.environ.get('X', 'default')`: the
 * compose and image values, else the default, see {@link resolveEnvironmentRead}), `process.cwd()`,
 * `path.join`/`path.resolve`/`os.path.join`, pathlib's `Path(...)` and `/`, and variables assigned
 * in the same file. One path per value the expression can take; null when it cannot be resolved
 * (a parameter, a call; `__dirname` outside a CommonJS file).
 */
function resolvePath(expr: string, text: string, ctx: PathContext, depth = 0): ResolvedPath[] | null {
  const e = expr.trim().replace(/^\((.*)\)$/s, '$1').trim();
  if (depth > 6 || !e) return null;
  const read = environmentRead(e);
  if (read) return resolveEnvironmentRead(read, text, ctx, depth);
  if (/^process\.cwd\(\)$|^os\.getcwd\(\)$|^Path\.cwd\(\)$/.test(e)) return [{ path: '.', dynamicTail: false }];
  if (HOME_DIR.test(e)) return [{ path: '~', dynamicTail: false, tilde: 'home' }];
  if (e === '__dirname' && ctx.fileDir !== undefined) return [{ path: ctx.fileDir, dynamicTail: false, besideFile: true }];
  const lit = /^([rbuf]*)(['"`])([^'"`]*)\2$/i.exec(e);
  if (lit) {
    const body = lit[3] ?? '';
    // A JS template's `${...}`, a Python f-string's `{...}`: the path is dynamic from there on.
    const dollar = lit[2] === '`' ? body.indexOf('${') : /f/i.test(lit[1] ?? '') ? body.indexOf('{') : -1;
    const tilde = /^~(?:\/|$)/.test(body) ? { tilde: 'literal' as const } : {};
    if (dollar < 0) return [{ path: body || '.', dynamicTail: false, ...tilde }];
    const slash = body.lastIndexOf('/', dollar);
    return slash < 0 ? null : [{ path: body.slice(0, slash) || '/', dynamicTail: true, ...tilde }];
  }
  if (ctx.python) {
    const expanded = wholeCall(e, /^os\.path\.expanduser\(/);
    if (expanded?.length === 1) return expandUser(resolvePath(expanded[0] ?? '', text, ctx, depth + 1));
    const wrapped = wholeCall(e, /^(?:pathlib\.)?(?:Pure)?Path\(|^str\(|^os\.path\.(?:abspath|realpath)\(/);
    if (wrapped?.length === 1) return resolvePath(wrapped[0] ?? '', text, ctx, depth + 1);
    const method = /\.(?:resolve|absolute|expanduser)\(\)$/.exec(e);
    if (method) {
      const of = resolvePath(e.slice(0, method.index), text, ctx, depth + 1);
      return method[0] === '.expanduser()' ? expandUser(of) : of;
    }
    const slash = lastPathJoin(e);
    if (slash > 0) {
      const head = resolvePath(e.slice(0, slash), text, ctx, depth + 1);
      const tail = resolvePath(e.slice(slash + 1), text, ctx, depth + 1);
      if (!head) return null;
      return tail ? joinPaths(head, tail) : head.map((h) => ({ ...h, dynamicTail: true }));
    }
  }
  const dirname = wholeCall(e, /^(?:path|os\.path|posixpath)\.dirname\(/);
  if (dirname?.length === 1) {
    // The directory of a path; of a dynamic one (`logs/${name}.log`), the known prefix stays the directory.
    const of = resolvePath(dirname[0] ?? '', text, ctx, depth + 1);
    return of && of.map((p) => (p.dynamicTail ? p : { ...p, path: posix.dirname(p.path) }));
  }
  const join = /^(?:path\.(join|resolve)|os\.path\.(join))\(/.exec(e);
  if (join) {
    const args = topLevelArguments(e, join[0].length);
    let out: ResolvedPath[] | null = null;
    for (let k = 0; k < args.length; k++) {
      const part = resolvePath(args[k] ?? '', text, ctx, depth + 1);
      const last = k === args.length - 1;
      if (!part) return out !== null && last ? out.map((o) => ({ ...o, dynamicTail: true })) : null;
      out = out === null ? part : joinPaths(out, part);
      if (part.some((p) => p.dynamicTail)) return last ? out : null;
    }
    return out;
  }
  if (/^[A-Za-z_$][\w$]*$/.test(e)) {
    const value = assignedValue(text, e);
    return value ? resolvePath(value, text, ctx, depth + 1) : null;
  }
  return null;
}

/** The directories a write creates or writes into (one per value its path can take); null when its path cannot be resolved. */
function writtenDirs(expr: string, text: string, isFile: boolean, ctx: PathContext): { dir: string; via?: string; home?: boolean; besideFile?: true }[] | null {
  const all = resolvePath(expr, text, ctx);
  if (!all) return null;
  // A server's log setting of `-` is its stdout/stderr, not a file.
  const resolved = ctx.dashIsStdout ? all.filter((r) => r.path !== '-') : all;
  if (resolved.some((r) => r.tilde === 'literal')) {
    ctx.because = 'a path with a `~` that nothing expands: a directory literally named ~';
    return null;
  }
  return resolved.map((r) => {
    const dir = r.dynamicTail || !isFile ? r.path : posix.dirname(r.path);
    const norm = posix.normalize(dir).replace(/(.)\/$/, '$1');
    if (r.tilde === 'home') return { dir: norm === '~' ? '.' : norm.replace(/^~\//, ''), home: true, ...(r.via ? { via: r.via } : {}) };
    return { dir: norm === '' ? '.' : norm, ...(r.via ? { via: r.via } : {}), ...(r.besideFile && !norm.startsWith('/') ? { besideFile: r.besideFile } : {}) };
  });
}

function pushWrite(writes: RuntimeWrite[], w: RuntimeWrite): void {
  if (!writes.some((o) => o.path === w.path && o.absolute === w.absolute && !!o.fromWorkdir === !!w.fromWorkdir && !!o.home === !!w.home)) writes.push(w);
}

/** The expression a Python method is called on (`INVOICE_DIR` in `INVOICE_DIR.mkdir(`, `Path(x)` in `Path(x).mkdir(`), ending at `dot`. */
function pythonReceiver(text: string, dot: number): string {
  let i = dot;
  if (text[i - 1] === ')') {
    let depth = 0;
    for (i = dot - 1; i >= 0 && i > dot - 400; i--) {
      if (text[i] === ')') depth++;
      else if (text[i] === '(' && --depth === 0) break;
    }
  }
  while (i > 0 && /[\w.]/.test(text[i - 1] ?? '')) i--;
  return text.slice(i, dot);
}

/** A Python `open()` / `.open()` mode string that writes (`"w"`, `"a"`, `"x"`, `"r+"`). */
const WRITE_MODE = /^[rbu]?['"][rbt]*[wax+][bt+]*['"]$/;

/** Python writes: `os.makedirs`/`os.mkdir`, `<path>.mkdir()`, `open(path, "w")`, `<path>.open("a")`/`.write_text()`. */
function pythonWrites(text: string, add: (expr: string, at: number, isFile: boolean, what: string) => void): void {
  const pathlib = /^\s*(?:from\s+pathlib\s+import|import\s+pathlib)\b/m.test(text);
  for (const m of text.matchAll(PY_WRITE)) {
    if (/^\s*#/.test(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index))) continue;
    const from = m.index + m[0].length;
    const args = topLevelArguments(text, from);
    if (m[1] !== undefined) {
      const mode = args[1] && !args[1].includes('=') ? args[1] : /^mode\s*=\s*(.+)$/.exec(args.find((a) => /^mode\s*=/.test(a)) ?? '')?.[1];
      if (mode && WRITE_MODE.test(mode.trim())) add(args[0] ?? '', m.index, true, 'open() for writing');
    } else {
      const method = m[2] as string;
      const receiver = pythonReceiver(text, m.index);
      if (receiver === 'os' && (method === 'mkdir' || method === 'makedirs')) {
        add(args[0] ?? '', m.index, false, `os.${method}()`);
        continue;
      }
      if (method === 'makedirs' || !receiver || /^(?:os|self|cls)$/.test(receiver)) continue;
      if (method === 'open') {
        const mode = args[0] && !args[0].includes('=') ? args[0] : /^mode\s*=\s*(.+)$/.exec(args.find((a) => /^mode\s*=/.test(a)) ?? '')?.[1];
        if (!mode || !WRITE_MODE.test(mode.trim())) continue;
      }
      const what = method === 'mkdir' ? 'Path.mkdir()' : `Path.${method}()`;
      // A receiver that is not a path ecsfix can resolve is a write only where pathlib is in use (an FTP client has mkdir too).
      if (pathlib || resolvePath(receiver, text, { env: {}, python: true })) add(receiver, m.index, method !== 'mkdir', what);
    }
  }
}
type AddWrite = (expr: string, at: number, isFile: boolean, what: string) => void;

/** Where a write found in `text` of `file` goes: resolved to directories, or unresolved (the image stays root). */
function writeSink(writes: RuntimeWrite[], serviceDir: string, file: string, text: string, env: ServiceEnvironment, python: boolean, dashIsStdout = false): WriteSink & { add: AddWrite } {
  const add: AddWrite = (expr, at, isFile, what) => {
    if (/\btmpdir\(\)|\btempfile\.|\bgettempdir\(|TMPDIR|['"`]\/tmp\//.test(expr)) return; // the temp directory is writable by everyone
    // `__dirname` is the file's own directory in a CommonJS file the process runs as it is (not TS, whose output lands elsewhere).
    const ctx: PathContext = { env, python, ...(dashIsStdout ? { dashIsStdout } : {}), ...(/\.c?js$/.test(file) ? { fileDir: posix.relative(serviceDir, posix.dirname(file)) || '.' } : {}) };
    const dirs = writtenDirs(expr, text, isFile, ctx);
    const line = lineOfOffset(text, at);
    if (dirs === null) {
      pushWrite(writes, { path: expr.trim(), absolute: false, unresolved: true, reason: `${what} with a path ecsfix cannot resolve${ctx.because ? ` (${ctx.because})` : ''}`, file, line });
      return;
    }
    for (const { dir, via, home, besideFile } of dirs)
      if (besideFile) pushWrite(writes, { path: dir, absolute: false, besideFile: file, reason: `${what} writes ${dir} (beside ${file}, from __dirname)${via ? ` (${via})` : ''}`, file, line });
      else if (home) pushWrite(writes, { path: dir, absolute: false, home: true, reason: `${what} writes ${dir === '.' ? '~' : `~/${dir}`}, in the home directory of the user it runs as${via ? ` (${via})` : ''}`, file, line });
      else if (!/^\/(?:tmp|dev|proc)(?:\/|$)/.test(dir))
        pushWrite(writes, { path: dir, absolute: dir.startsWith('/'), fromWorkdir: !dir.startsWith('/'), reason: `${what} writes ${dir}${via ? ` (${via})` : ''}`, file, line });
  };
  const opaque = (at: number, what: string, because: string) => {
    const lineStart = text.lastIndexOf('\n', at) + 1;
    const code = text.slice(lineStart, text.indexOf('\n', at) < 0 ? undefined : text.indexOf('\n', at)).trim().slice(0, 100);
    pushWrite(writes, { path: code, absolute: false, unresolved: true, reason: `${what} writes a file ecsfix cannot place: ${because}`, file, line: lineOfOffset(text, at) });
  };
  return { add, path: add, opaque };
}

/**
 * Writes the code makes (or cannot resolve), in the service and the workspace packages it imports,
 * with the service's environment: fs and Python file calls, and the file-writing libraries
 * (src/repo/fileWriters.ts) the service uses, with the logging config files its code loads.
 */
function codeWrites(serviceDir: string, sourceFiles: string[], read: (rel: string) => string | null, env: ServiceEnvironment, configFiles: string[]): RuntimeWrite[] {
  const writes: RuntimeWrite[] = [];
  const texts = sourceFiles.map((file) => ({ file, text: read(file) ?? '', python: file.endsWith('.py') })).filter((t) => t.text);
  const ofLanguage = (library: FileWritingLibrary) => texts.filter((t) => t.python === (library.language === 'python'));
  // A library one file of the service uses is read in every file of it (a shared config module).
  const used = FILE_WRITING_LIBRARIES.filter((library) => !library.uses || ofLanguage(library).some((t) => library.uses?.test(t.text)));
  for (const { file, text, python } of texts) {
    const sink = writeSink(writes, serviceDir, file, text, env, python);
    const imported = (specifier: string) => {
      const module = relativeSource(file, specifier, sourceFiles);
      return module && read(module);
    };
    for (const library of used) if ((library.language === 'python') === python) library.targets(text, sink, imported);
    if (python) {
      pythonWrites(text, sink.add);
      continue;
    }
    if (!/\b(?:mkdir|writeFile|appendFile|createWriteStream|ensureDir)/.test(text)) continue;
    for (const m of text.matchAll(JS_WRITE)) {
      const before = text.slice(Math.max(0, m.index - 1), m.index);
      if (/[\w$]/.test(before)) continue; // someMkdir(
      const fn = m[1] ?? '';
      const isFile = /write|append|Stream/i.test(fn);
      sink.add(firstArgument(text, m.index + m[0].length), m.index, isFile, `${fn}()`);
    }
  }
  for (const library of used) {
    const config = library.configFiles;
    const loader = config && ofLanguage(library).find((t) => config.when.test(t.text));
    if (!config || !loader) continue;
    const found = configFiles.filter((f) => config.files.test(f)).map((file) => ({ file, text: read(file) ?? '' })).filter((c) => config.isConfig(c.text));
    for (const c of found) config.scan(c.text, writeSink(writes, serviceDir, c.file, c.text, env, true));
    const at = config.when.exec(loader.text)?.index ?? 0;
    if (!found.length) writeSink(writes, serviceDir, loader.file, loader.text, env, loader.python).opaque(at, `${library.name}'s config`, config.missing);
  }
  return writes;
}

/** `celery ... beat` (or a worker with an embedded beat, `-B`/`--beat`) on one command line. */
const CELERY_BEAT = /^(?!\s*#).*\bcelery\b[^\n]*?(?:\sbeat\b|\sworker\b[^\n]*?\s(?:-B|--beat)\b)[^\n]*/m;

/**
 * The directory celery beat writes its schedule database to: the `-s`/`--schedule` path, by
 * default `celerybeat-schedule` in the working directory (the PersistentScheduler opens it with
 * shelve, which creates the file and its siblings). None with a database scheduler (`-S`/`--scheduler`)
 * or a schedule under /tmp.
 */
function celeryBeatScheduleWrite(text: string): Pick<RuntimeWrite, 'path' | 'absolute' | 'fromWorkdir' | 'unresolved' | 'reason'> | null {
  const line = CELERY_BEAT.exec(text.replace(/[[\],]/g, ' ').replace(/["']/g, ''))?.[0];
  if (!line) return null;
  if (/\sbeat\b/.test(line) && /\s(?:-S|--scheduler)(?:[\s=])/.test(line)) return null;
  const file = /\s(?:-s|--schedule(?:-filename)?)(?:=|\s+)(\S+)/.exec(line)?.[1] ?? 'celerybeat-schedule';
  const dir = posix.normalize(posix.dirname(file));
  if (/^\/(?:tmp|dev)(?:\/|$)/.test(dir)) return null;
  if (file.includes('$')) return { path: file, absolute: false, unresolved: true, reason: 'celery beat writes its schedule database' };
  const reason = `celery beat writes its schedule database ${file === 'celerybeat-schedule' ? 'celerybeat-schedule in its working directory' : file}`;
  return dir.startsWith('/') ? { path: dir, absolute: true, reason } : { path: dir, absolute: false, fromWorkdir: true, reason };
}

const NEXT_CONFIG = /^next\.config\.(?:js|mjs|cjs|ts)$/;

/**
 * A Next.js app built with `output: 'standalone'` and started as `node <dir>/server.js` (the
 * standalone server, which chdir's to its own directory): it writes its image-optimizer, fetch and
 * ISR caches to <dir>/.next/cache, as `next start` does.
 */
function nextStandaloneCache(prefix: string, inService: string[], read: (rel: string) => string | null, startup: StartupFacts['startup']): RuntimeWrite | null {
  const config = inService.find((f) => NEXT_CONFIG.test(f.slice(prefix.length)));
  if (!config || !/\boutput\s*:\s*['"]standalone['"]/.test(read(config) ?? '')) return null;
  for (const s of startup) {
    const server = /(?:^|[\s"'[,])node["',\s]+((?:[\w./-]*\/)?server\.js)\b/.exec(s.text)?.[1];
    if (!server) continue;
    const cache = posix.join(posix.dirname(server), '.next/cache');
    const reason = `the Next.js standalone server (${config}: output 'standalone') writes its image and fetch cache to ${cache}`;
    return cache.startsWith('/')
      ? { path: cache, absolute: true, recursive: true, reason, file: s.file, line: s.line }
      : { path: cache, absolute: false, fromWorkdir: true, recursive: true, reason, file: s.file, line: s.line };
  }
  return null;
}

/** What `collectstatic` at start (`at`) writes: STATIC_ROOT of each settings file, unresolved (the image stays root) where its value is not established. */
function staticRootWrites(serviceDir: string, inService: string[], read: (rel: string) => string | null, env: ServiceEnvironment, at: { file: string; line: number }): RuntimeWrite[] {
  const out: RuntimeWrite[] = [];
  const by = `collectstatic at start (${at.file}:${at.line}) writes STATIC_ROOT`;
  for (const f of inService.filter((f) => /(?:^|\/)settings(?:\/\w+)?\.py$/.test(f))) {
    const text = read(f);
    const root = text ? staticRoot(f, text, serviceDir, env) : null;
    if (!root) continue;
    if ('unresolved' in root) {
      out.push({ path: root.expr, absolute: false, unresolved: true, reason: `${by}, whose value ecsfix cannot establish: ${root.unresolved}`, file: f, line: root.line });
      continue;
    }
    for (const r of root.roots) out.push({ path: r.path, absolute: r.absolute, ...(r.fromWorkdir ? { fromWorkdir: true } : {}), reason: r.via ? `${by} (${r.via})` : by, file: f, line: root.line });
  }
  return out;
}

/** Django apps of a service (directories with models.py): `makemigrations` writes their migrations/. */
function djangoMigrationDirs(prefix: string, inService: string[]): string[] {
  return inService.filter((f) => /(?:^|\/)models\.py$/.test(f.slice(prefix.length))).map((f) => posix.join(posix.dirname(f.slice(prefix.length)), 'migrations'));
}

/**
 * Runtime writes of a service. `facts.startup` is what the container runs at start; the shell
 * scripts in the service directory are read too (entrypoints that migrate and collect static).
 */
export function detectRuntimeWrites(serviceDir: string, files: string[], read: (rel: string) => string | null, facts: StartupFacts): RuntimeWrite[] {
  const prefix = serviceDir ? serviceDir + '/' : '';
  const inService = filesUnder(files, prefix);
  const scripts = inService.filter((f) => /\.sh$/.test(f) && !f.slice(prefix.length).includes('/node_modules/'));
  const startups = [
    ...facts.startup.map((s) => ({ ...s, script: false })),
    ...scripts.map((f) => ({ text: (read(f) ?? '').replace(/^\s*#.*$/gm, ''), file: f, line: 1, script: true })),
  ];
  const writes: RuntimeWrite[] = [];
  const where = (s: { text: string; file: string; line: number; script: boolean }, re: RegExp) => {
    const m = re.exec(s.text);
    return { file: s.file, line: s.script && m ? lineOfOffset(s.text, m.index) : s.line };
  };

  const inCwd = (w: RuntimeWrite) => atProcessCwd(w, facts.cwd);
  for (const w of STARTUP_WRITES) {
    const hit = startups.find((s) => w.test.test(s.text));
    const write: RuntimeWrite = { path: w.path, absolute: false, fromWorkdir: true, recursive: true, reason: w.reason, ...(hit ? where(hit, w.test) : { file: '', line: 1 }) };
    if (hit) pushWrite(writes, w.inCwd ? inCwd(write) : write);
  }
  const next = nextStandaloneCache(prefix, inService, read, facts.startup);
  if (next) pushWrite(writes, inCwd(next));
  const beat = startups.map((s) => ({ s, write: celeryBeatScheduleWrite(s.text) })).find((b) => b.write);
  if (beat?.write) pushWrite(writes, inCwd({ ...beat.write, ...where(beat.s, CELERY_BEAT) }));
  const MAKEMIGRATIONS = /^(?!\s*#).*\bmakemigrations\b/m;
  const migrates = startups.find((s) => MAKEMIGRATIONS.test(s.text));
  if (migrates)
    for (const dir of djangoMigrationDirs(prefix, inService))
      pushWrite(writes, { path: dir, absolute: false, recursive: true, reason: '`makemigrations` at start writes new migration files', ...where(migrates, MAKEMIGRATIONS) });

  const collect = startups.find((s) => COLLECTSTATIC.test(s.text));
  if (collect) for (const w of staticRootWrites(serviceDir, inService, read, facts.environment ?? {}, where(collect, COLLECTSTATIC))) pushWrite(writes, w.fromWorkdir ? inCwd(w) : w);
  if (startups.some((s) => MIGRATE.test(s.text))) {
    const settings = inService.filter((f) => /(?:^|\/)settings(?:\/\w+)?\.py$/.test(f));
    const migrate = startups.find((s) => MIGRATE.test(s.text)) as (typeof startups)[number];
    const at = where(migrate, MIGRATE);
    for (const w of djangoSqliteWrites(serviceDir, settings, read))
      pushWrite(writes, {
        ...w,
        reason: w.unresolved
          ? `Django's SQLite database (DATABASES NAME), which \`migrate\` at start (${at.file}:${at.line}) creates, with a path ecsfix cannot resolve`
          : `SQLite writes the database (DATABASES NAME) and its journal in ${w.path === '.' ? 'the service directory' : w.path}; \`migrate\` at start (${at.file}:${at.line}) creates it. On Fargate it is lost with the task`,
      });
  }
  for (const w of scriptWrites(facts.scripts ?? [], facts.imageFile)) pushWrite(writes, w);
  for (const w of serverFileWrites(serviceDir, facts.serverFiles, facts.environment ?? {})) pushWrite(writes, inCwd(w));
  const configFiles = inService.filter((f) => !f.slice(prefix.length).includes('node_modules/'));
  for (const w of codeWrites(serviceDir, facts.sourceFiles, read, facts.environment ?? {}, configFiles)) pushWrite(writes, inCwd(w));
  return writes;
}

/**
 * The directories of the pid, log and socket files the servers the service starts write
 * (src/repo/serverFiles.ts): a literal path's directory (relative ones in the working directory), a
 * gunicorn.conf.py value followed as the code's paths are; unresolved (the image stays root) for a
 * path that reads a variable in its directory part, and for a config the server reads that ecsfix cannot.
 */
function serverFileWrites(serviceDir: string, server: ServerFiles | undefined, env: ServiceEnvironment): RuntimeWrite[] {
  const writes: RuntimeWrite[] = [];
  for (const u of server?.unread ?? []) writes.push({ path: u.value, absolute: false, unresolved: true, reason: u.what, file: u.file, line: u.line });
  for (const f of server?.files ?? []) {
    const reason = `${f.what} writes ${f.home ? `~/${f.value}` : f.value} at start`;
    if (f.python) {
      writeSink(writes, serviceDir, f.file, f.python.text, env, true, true).add(f.value, f.python.at, !f.dir, f.what);
      continue;
    }
    if (f.home) {
      pushWrite(writes, { path: f.value, absolute: false, home: true, recursive: true, reason, file: f.file, line: f.line });
      continue;
    }
    const dir = posix.normalize(f.dir ? f.value : posix.dirname(f.value)).replace(/(.)\/$/, '$1');
    if (f.value === '-' || /^\/(?:tmp|dev|proc)(?:\/|$)/.test(dir)) continue; // stdout, the temp directory, /dev/shm
    // uWSGI's `%n`/`$(VAR)`/`@(file)`, a shell's `$VAR`: in the file name only, the directory is still known.
    const variable = f.value.search(/[$%@~`]/);
    if (variable >= 0 && (f.dir || variable < f.value.lastIndexOf('/') || !f.value.includes('/'))) writes.push({ path: f.value, absolute: false, unresolved: true, reason: `${f.what} writes a file whose directory reads a variable`, file: f.file, line: f.line });
    else pushWrite(writes, { path: dir, absolute: dir.startsWith('/'), ...(dir.startsWith('/') ? {} : { fromWorkdir: true }), ...(f.dir ? { recursive: true } : {}), reason, file: f.file, line: f.line });
  }
  return writes;
}

/**
 * A write relative to the process's working directory, placed in the directory the start command
 * runs the process in (src/repo/processCwd.ts): still relative to the WORKDIR, or absolute. Unresolved
 * (the image stays root), naming the start command's line, when that directory cannot be established.
 */
function atProcessCwd(w: RuntimeWrite, cwd: ProcessCwd | undefined): RuntimeWrite {
  if (!w.fromWorkdir || !cwd || (cwd.known && cwd.path === '.')) return w;
  if (!cwd.known) {
    const { fromWorkdir: _relative, ...rest } = w;
    const reason = `${w.reason}, relative to the process's working directory, which ecsfix cannot establish: ${cwd.because} (${cwd.at.file}:${cwd.at.line})`;
    return { ...rest, unresolved: true, reason, cwdAt: cwd.at };
  }
  const path = posix.join(cwd.path, w.path);
  const self = posix.normalize(w.path) === '.' ? { flat: true } : {};
  const reason = `${w.reason}; the process runs in ${cwd.path.startsWith('/') ? cwd.path : `${cwd.path} under the WORKDIR`}: ${cwd.via.join(', ')}`;
  const cwdAt = cwd.at ? { cwdAt: cwd.at } : {};
  if (!path.startsWith('/')) return { ...w, path, ...self, reason, ...cwdAt };
  const { fromWorkdir: _relative, ...rest } = w;
  return { ...rest, path, absolute: true, ...self, reason, ...cwdAt };
}
