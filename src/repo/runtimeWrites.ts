/**
 * Directories a service writes at runtime, so a non-root image can hand exactly those to its user
 * (and does not switch the user when a write cannot be resolved to a path). Read from:
 *   - the code of the service and of the workspace packages it imports: winston `File` /
 *     `DailyRotateFile` transports, fs `mkdir`/`writeFile`/`createWriteStream`, Python
 *     `os.makedirs`/`os.mkdir`/`Path(...).mkdir`/`logging.FileHandler`, with literal paths (a
 *     relative path is relative to the process's working directory, the image's WORKDIR);
 *   - what the container runs at start (CMD/ENTRYPOINT, compose `command`/`entrypoint`, the
 *     entrypoint scripts, the package.json script `npm start` runs): `prisma generate` writes
 *     node_modules/.prisma, the Vite dev server node_modules/.vite, `next start` .next/cache,
 *     Django `collectstatic` STATIC_ROOT and `makemigrations` each app's migrations/, `celery beat`
 *     its schedule file (by default in the working directory).
 * Paths are relative to the service directory, the WORKDIR, or absolute (see {@link RuntimeWrite}).
 */
import { filesUnder } from './files.js';
import { posix } from 'node:path';
import { lineOfOffset } from '../text.js';

export interface RuntimeWrite {
  /** Relative to the service directory (or the WORKDIR when `fromWorkdir`), or absolute (a container path) when `absolute`. */
  path: string;
  absolute: boolean;
  /** Relative to the process's working directory (the deployed stage's WORKDIR), not the service directory. */
  fromWorkdir?: boolean;
  /** The process writes below it too (generated clients, caches): the whole tree goes to the user. */
  recursive?: boolean;
  /** The write happens but its path cannot be resolved (a variable, `__dirname`): `path` is the expression as written. */
  unresolved?: boolean;
  /** Why, e.g. `collectstatic writes STATIC_ROOT`. */
  reason: string;
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

/** STATIC_ROOT as a path relative to the service directory (or absolute). */
function staticRoot(settingsFile: string, text: string, serviceDir: string): { path: string; absolute: boolean; line: number } | null {
  const m = STATIC_ROOT.exec(text);
  if (!m) return null;
  const expr = (m[1] ?? '').replace(/#.*$/, '').trim();
  const line = lineOfOffset(text, m.index);
  const literal = /^['"]([^'"]+)['"]$/.exec(expr)?.[1];
  if (literal?.startsWith('/')) return { path: literal, absolute: true, line };
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
  return { path: full.slice(prefix.length), absolute: false, line };
}

/** What the service runs at start and the code it runs, as {@link detectRuntimeWrites} reads them. */
export interface StartupFacts {
  /** The deployed stage's CMD and ENTRYPOINT, compose `command`/`entrypoint`, and the package.json scripts they run, each with where it is written. */
  startup: { text: string; file: string; line: number }[];
  /** Source files of the service and of the workspace packages it imports. */
  sourceFiles: string[];
}

const STARTUP_WRITES: { test: RegExp; path: string; reason: string }[] = [
  { test: /\bprisma\s+generate\b/, path: 'node_modules/.prisma', reason: '`prisma generate` at start writes the generated client into node_modules/.prisma' },
  { test: /(?:^|[\s"'&;|])(?:npx\s+)?vite(?:\s+(?:dev|serve)\b|\s*(?:$|["'&;|]|--))/m, path: 'node_modules/.vite', reason: 'the Vite dev server writes its dependency cache to node_modules/.vite' },
  { test: /\bnext\s+start\b/, path: '.next/cache', reason: '`next start` writes its image and fetch cache to .next/cache' },
];

const PY_MKDIR = /\bos\.(makedirs|mkdir)\(|\bPath\(\s*([^)\n]+)\)\.mkdir\(|\blogging\.(?:FileHandler|handlers\.\w*FileHandler)(\()/g;
const JS_WRITE = /\b(?:fs\.|fsp\.|fs\.promises\.|promises\.)?(mkdirSync|mkdir|mkdirp|writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|ensureDirSync|ensureDir)\(/g;

const WINSTON_FILE = /new\s+(?:winston\.)?(?:transports\.)?(File|DailyRotateFile)\s*\(\s*\{([^}]*)\}/g;

/** The first argument of a call whose `(` ends at `from`: up to the first top-level `,` or the closing `)`. */
function firstArgument(text: string, from: number): string {
  return topLevelArguments(text, from)[0] ?? text.slice(from, from + 80).trim();
}

/** The whole expression of option `name` in an object literal's body (`filename: path.join(dir, 'app.log')`), brackets and quotes respected. */
function optionValue(text: string, body: string, bodyStart: number, name: string): string | undefined {
  const key = new RegExp(`\\b${name}\\s*:\\s*`).exec(body);
  return key ? firstArgument(text, bodyStart + key.index + key[0].length) : undefined;
}

/** The arguments of a call whose `(` ends at `from`, split at top-level commas (quotes and brackets respected). */
function topLevelArguments(text: string, from: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let start = from;
  for (let i = from; i < text.length && i < from + 400; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        args.push(text.slice(start, i).trim());
        return args.filter(Boolean);
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return [];
}

/** The right-hand side of the first assignment to `name` in the file (`const dir = ...`, `MODEL_DIR = "..."`). */
function assignedValue(text: string, name: string): string | null {
  const escaped = name.replace(/[$]/g, '\\$');
  const m = new RegExp(`^\\s*(?:export\\s+)?(?:const|let|var)?\\s*${escaped}\\s*(?::\\s*[\\w.]+\\s*)?=(?!=)\\s*(.+?)\\s*;?\\s*(?:#.*|//.*)?$`, 'm').exec(text);
  return m?.[1] ?? null;
}

/** A path an expression names: `path` so far, and whether a dynamic part follows it (`./data/${name}`). */
interface ResolvedPath {
  path: string;
  dynamicTail: boolean;
}

/**
 * What a path expression evaluates to in the container, following string literals, template
 * prefixes, `process.env.X || 'default'` / `os.environ.get('X', 'default')` (the default applies
 * when the variable is not set, as in the image), `process.cwd()`, `path.join`/`path.resolve`/
 * `os.path.join`, and variables assigned in the same file. Null when it cannot (`__dirname`, a
 * parameter, a call).
 */
function resolvePath(expr: string, text: string, depth = 0): ResolvedPath | null {
  const e = expr.trim().replace(/^\((.*)\)$/s, '$1').trim();
  if (depth > 4 || !e) return null;
  const fallback = /^process\.env(?:\.\w+|\[['"]\w+['"]\])\s*(?:\|\||\?\?)\s*(.+)$/s.exec(e)?.[1] ?? /^os\.(?:environ\.get|getenv)\(\s*['"]\w+['"]\s*,\s*(.+)\)$/s.exec(e)?.[1];
  if (fallback) return resolvePath(fallback, text, depth + 1);
  if (/^process\.cwd\(\)$|^os\.getcwd\(\)$/.test(e)) return { path: '.', dynamicTail: false };
  const lit = /^(['"`])([^'"`]*)\1$/.exec(e);
  if (lit) {
    const body = lit[2] ?? '';
    const dollar = lit[1] === '`' ? body.indexOf('${') : -1;
    if (dollar < 0) return { path: body || '.', dynamicTail: false };
    const slash = body.lastIndexOf('/', dollar);
    return slash < 0 ? null : { path: body.slice(0, slash) || '/', dynamicTail: true };
  }
  const join = /^(?:path\.(join|resolve)|os\.path\.(join))\(/.exec(e);
  if (join) {
    const args = topLevelArguments(e, join[0].length);
    let out: string | null = null;
    for (let k = 0; k < args.length; k++) {
      const part = resolvePath(args[k] ?? '', text, depth + 1);
      if (!part) return out !== null && k === args.length - 1 ? { path: out, dynamicTail: true } : null;
      out = out === null || part.path.startsWith('/') ? part.path : posix.join(out, part.path);
      if (part.dynamicTail) return k === args.length - 1 ? { path: out, dynamicTail: true } : null;
    }
    return out === null ? null : { path: out, dynamicTail: false };
  }
  if (/^[A-Za-z_$][\w$]*$/.test(e)) {
    const value = assignedValue(text, e);
    return value ? resolvePath(value, text, depth + 1) : null;
  }
  return null;
}

/** The directory a write creates or writes into; null when its path cannot be resolved. */
function writtenDir(expr: string, text: string, isFile: boolean): string | null {
  const r = resolvePath(expr, text);
  if (!r) return null;
  const dir = r.dynamicTail || !isFile ? r.path : posix.dirname(r.path);
  const norm = posix.normalize(dir).replace(/(.)\/$/, '$1');
  return norm === '' ? '.' : norm;
}

function pushWrite(writes: RuntimeWrite[], w: RuntimeWrite): void {
  if (!writes.some((o) => o.path === w.path && o.absolute === w.absolute && !!o.fromWorkdir === !!w.fromWorkdir)) writes.push(w);
}

/** Writes the code makes with literal paths (or cannot resolve), in the service and the workspace packages it imports. */
function codeWrites(sourceFiles: string[], read: (rel: string) => string | null): RuntimeWrite[] {
  const writes: RuntimeWrite[] = [];
  for (const file of sourceFiles) {
    const text = read(file);
    if (!text) continue;
    const add = (expr: string, at: number, isFile: boolean, what: string) => {
        if (/\btmpdir\(\)|\btempfile\.|\bgettempdir\(|TMPDIR|['"`]\/tmp\//.test(expr)) return; // the temp directory is writable by everyone
      const dir = writtenDir(expr, text, isFile);
      const line = lineOfOffset(text, at);
      if (dir === null) pushWrite(writes, { path: expr.trim(), absolute: false, unresolved: true, reason: `${what} with a path ecsfix cannot resolve`, file, line });
      else if (!/^\/(?:tmp|dev|proc)(?:\/|$)/.test(dir))
        pushWrite(writes, { path: dir, absolute: dir.startsWith('/'), fromWorkdir: !dir.startsWith('/'), reason: `${what} writes ${dir}`, file, line });
    };
    if (file.endsWith('.py')) {
      for (const m of text.matchAll(PY_MKDIR)) {
        if (/^\s*#/.test(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index))) continue;
        const expr = m[2] ?? firstArgument(text, m.index + m[0].length);
        add(expr, m.index, m[3] !== undefined, m[3] !== undefined ? 'a logging FileHandler' : `${m[1] ? `os.${m[1]}` : 'Path.mkdir'}()`);
      }
      continue;
    }
    for (const m of text.matchAll(WINSTON_FILE)) {
      const body = m[2] ?? '';
      const bodyStart = m.index + m[0].length - 1 - body.length;
      const dirname = optionValue(text, body, bodyStart, 'dirname');
      const filename = optionValue(text, body, bodyStart, 'filename');
      const what = `a winston ${m[1]} transport`;
      if (dirname) add(dirname, m.index, false, what);
      else if (filename) add(filename, m.index, true, what);
    }
    if (!/\b(?:mkdir|writeFile|appendFile|createWriteStream|ensureDir)/.test(text)) continue;
    for (const m of text.matchAll(JS_WRITE)) {
      const before = text.slice(Math.max(0, m.index - 1), m.index);
      if (/[\w$]/.test(before)) continue; // someMkdir(
      const fn = m[1] ?? '';
      const isFile = /write|append|Stream/i.test(fn);
      add(firstArgument(text, m.index + m[0].length), m.index, isFile, `${fn}()`);
    }
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

  for (const w of STARTUP_WRITES) {
    const hit = startups.find((s) => w.test.test(s.text));
    if (hit) pushWrite(writes, { path: w.path, absolute: false, fromWorkdir: true, recursive: true, reason: w.reason, ...where(hit, w.test) });
  }
  const beat = startups.map((s) => ({ s, write: celeryBeatScheduleWrite(s.text) })).find((b) => b.write);
  if (beat?.write) pushWrite(writes, { ...beat.write, ...where(beat.s, CELERY_BEAT) });
  const MAKEMIGRATIONS = /^(?!\s*#).*\bmakemigrations\b/m;
  const migrates = startups.find((s) => MAKEMIGRATIONS.test(s.text));
  if (migrates)
    for (const dir of djangoMigrationDirs(prefix, inService))
      pushWrite(writes, { path: dir, absolute: false, recursive: true, reason: '`makemigrations` at start writes new migration files', ...where(migrates, MAKEMIGRATIONS) });

  if (startups.some((s) => COLLECTSTATIC.test(s.text))) {
    for (const f of inService.filter((f) => /(?:^|\/)settings(?:\/\w+)?\.py$/.test(f))) {
      const text = read(f);
      if (!text) continue;
      const root = staticRoot(f, text, serviceDir);
      if (root && !writes.some((w) => w.path === root.path))
        writes.push({ path: root.path, absolute: root.absolute, reason: 'collectstatic writes STATIC_ROOT', file: f, line: root.line });
    }
  }
  for (const w of codeWrites(facts.sourceFiles, read)) pushWrite(writes, w);
  return writes;
}
