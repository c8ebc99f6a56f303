/**
 * The libraries that write files where their configuration says, in one table: logging libraries
 * with a file target (winston, pino, log4js, bunyan; Python's logging and loguru) and upload
 * middleware with a disk destination (multer, @koa/multer). For each, what in the code (or the
 * logging config file the code loads) names the file or directory it writes; the path is then
 * resolved by src/repo/runtimeWrites.ts like any other write.
 *
 * A library the service uses (imports) whose file target ecsfix cannot read — a variable it cannot
 * follow, a configuration object or file it does not read — is an opaque write: the image must stay
 * root (ECS155), because adding USER would make the library's first write (often at start: log4js
 * and multer create their directories when configured) fail with EACCES. A library that is not
 * listed here is not seen at all: add it here, with the calls that give its target.
 */
import { callArguments, enclosingObject, firstArgument, optionValue, topLevelArguments } from './callText.js';

/** Where {@link FileWritingLibrary.targets} reports what it finds. */
export interface WriteSink {
  /** A write of the path the expression `expr` names (a file, or a directory when `isFile` is false), at offset `at` of the text. */
  path(expr: string, at: number, isFile: boolean, what: string): void;
  /** A file target whose path the code does not give in a form ecsfix reads (`because` says why). */
  opaque(at: number, what: string, because: string): void;
}

export interface FileWritingLibrary {
  name: string;
  language: 'js' | 'python';
  /** A source file that uses the library (imports it); absent: always available (the standard library). Once one file of the service uses it, every source file is read for its targets (a shared config module). */
  uses?: RegExp;
  /** The file targets a source file configures (`imported` gives the text of a module it imports by a relative path, when that is a source file of the service). */
  targets(text: string, sink: WriteSink, imported: (specifier: string) => string | null): void;
  /**
   * Configuration files the library loads (Python logging's fileConfig / a dictConfig from YAML or
   * JSON): `when` a source file loads one, the service's files named like `files` that `isConfig`
   * are read with `scan`; when there is none, the load is opaque (`missing` says why).
   */
  configFiles?: { when: RegExp; files: RegExp; isConfig(text: string): boolean; scan(text: string, sink: WriteSink): void; missing: string };
}

const importOf = (...modules: string[]) => {
  const names = modules.map((m) => m.replace(/[/@.]/g, '\\$&')).join('|');
  return new RegExp(`\\brequire\\(\\s*['"](?:${names})['"]\\s*\\)|\\bfrom\\s+['"](?:${names})['"]|\\bimport\\s+['"](?:${names})['"]|\\bimport\\(\\s*['"](?:${names})['"]`);
};

/** The `{...}` object literals among the elements of an array whose `[` ends at `from`, each with the offset of its body; the elements that are not object literals as `other`. */
function arrayObjects(text: string, from: number): { objects: { body: string; start: number }[]; other: string[] } {
  const objects: { body: string; start: number }[] = [];
  const other: string[] = [];
  let at = from;
  for (const element of topLevelArguments(text, from)) {
    const start = text.indexOf(element, at);
    at = start + element.length;
    if (element.startsWith('{')) objects.push({ body: element.slice(1, -1), start: start + 1 });
    else other.push(element);
  }
  return { objects, other };
}

/** The offset just past `name = ` of a `const|let|var name = ` declaration in the file, or -1. */
function declarationValue(text: string, name: string): number {
  const m = new RegExp(`\\b(?:const|let|var)\\s+${name.replace(/\$/g, '\\$')}\\s*(?::[^=]+)?=\\s*`).exec(text);
  return m ? m.index + m[0].length : -1;
}

/** winston's `File` and `DailyRotateFile` transports: their `dirname`, else the directory of `filename`. */
function winstonTargets(text: string, sink: WriteSink): void {
  for (const m of text.matchAll(/new\s+(?:winston\.)?(?:transports\.)?(File|DailyRotateFile)\s*\(\s*\{([^}]*)\}/g)) {
    const body = m[2] ?? '';
    const bodyStart = m.index + m[0].length - 1 - body.length;
    const dirname = optionValue(text, body, bodyStart, 'dirname');
    const filename = optionValue(text, body, bodyStart, 'filename');
    const what = `a winston ${m[1]} transport`;
    if (dirname) sink.path(dirname, m.index, false, what);
    else if (filename) sink.path(filename, m.index, true, what);
  }
}

/** A pino destination that is a file descriptor (`1`, `process.stdout.fd`), not a path. */
const PINO_FD = /^(?:\d+|process\.(?:stdout|stderr)\.fd)$/;

/**
 * pino's file writes: `pino.destination(file)` / `pino.destination({ dest | path })`, and the
 * `pino/file` transport target's `options.destination` (in `pino.transport()` or `pino({ transport })`).
 */
function pinoTargets(text: string, sink: WriteSink): void {
  for (const m of text.matchAll(/\bpino\.destination\(\s*/g)) {
    const from = m.index + m[0].length;
    const arg = firstArgument(text, from);
    if (!arg || PINO_FD.test(arg)) continue;
    if (arg.startsWith('{')) {
      const body = arg.slice(1, -1);
      const dest = optionValue(text, body, from + 1, 'dest') ?? optionValue(text, body, from + 1, 'path');
      if (dest && !PINO_FD.test(dest)) sink.path(dest, m.index, true, 'pino.destination()');
    } else sink.path(arg, m.index, true, 'pino.destination()');
  }
  for (const m of text.matchAll(/\btarget\s*:\s*['"]pino\/file['"]/g)) {
    // The object literal the target sits in: its `options.destination` (stdout when there is none).
    const object = enclosingObject(text, m.index, 400);
    if (!object) continue;
    const body = object.body;
    const options = /\boptions\s*:\s*\{/.exec(body);
    if (!options) continue;
    const start = options.index + options[0].length;
    const optionsBody = body.slice(start, (callArguments(body, start)?.end ?? start + 1) - 1);
    const dest = optionValue(body, optionsBody, start, 'destination');
    if (dest && !PINO_FD.test(dest)) sink.path(dest, m.index, true, "pino's pino/file transport");
  }
}

/**
 * log4js: an appender of type `file`, `dateFile` or `fileSync` writes its `filename` (relative to the
 * working directory; log4js creates the directory when it is configured, at start). A `configure()`
 * whose argument is not an object literal of the file (a JSON file's path, an imported config)
 * configures appenders ecsfix does not read, unless it is the service's own config module ({@link readAppenders}).
 */
function log4jsTargets(text: string, sink: WriteSink, imported: (specifier: string) => string | null): void {
  for (const m of text.matchAll(/\btype\s*:\s*['"](file|dateFile|fileSync)['"]/g)) {
    const object = enclosingObject(text, m.index);
    const what = `a log4js ${m[1]} appender`;
    const filename = object && optionValue(text, object.body, object.open, 'filename');
    if (filename) sink.path(filename, m.index, true, what);
    else sink.opaque(m.index, what, 'its filename is not in the appender object');
  }
  // `log4js.configure(`, under the name the file binds the module to (`const log = require('log4js')`), or a `configure` destructured from it.
  const binding = /\b(?:const|let|var|import)\s+(?:\*\s+as\s+)?([\w$]+)\s*(?:=\s*require\(\s*['"]log4js['"]|from\s+['"]log4js['"])/.exec(text)?.[1] ?? 'log4js';
  const destructured = /\{[^}]*\bconfigure\b[^}]*\}\s*(?:=\s*require\(\s*['"]log4js['"]|from\s+['"]log4js['"])/.test(text);
  const call = new RegExp(`(?<![\\w$.])(?:${binding.replace(/\$/g, '\\$')}\\.${destructured ? '|' : ''})configure\\(\\s*`, 'g');
  for (const m of text.matchAll(call)) {
    const arg = firstArgument(text, m.index + m[0].length);
    const declared = /^[A-Za-z_$][\w$]*$/.test(arg) ? declarationValue(text, arg) : -1;
    if (arg.startsWith('{') || (declared >= 0 && text[declared] === '{') || readAppenders(text, arg, imported)) continue;
    sink.opaque(m.index, 'log4js.configure()', `it configures appenders from \`${arg}\`, which ecsfix does not read`);
  }
}

/**
 * A log4js configuration the service's own config module exports (`configure(require('./config'))`,
 * or a variable assigned or imported from it): its appenders are read with the module itself, when
 * every appender type in it is a literal.
 */
function readAppenders(text: string, arg: string, imported: (specifier: string) => string | null): boolean {
  const name = arg.replace(/\$/g, '\\$');
  const specifier =
    /^require\(\s*['"]([^'"]+)['"]\s*\)$/.exec(arg)?.[1] ??
    (/^[A-Za-z_$][\w$]*$/.test(arg) ? undefined : '') ??
    new RegExp(`\\b(?:const|let|var)\\s+${name}\\s*=\\s*require\\(\\s*['"]([^'"]+)['"]\\s*\\)|\\bimport\\s+(?:\\*\\s+as\\s+)?${name}\\s+from\\s+['"]([^'"]+)['"]`).exec(text)?.slice(1).find(Boolean);
  const module = specifier ? imported(specifier) : null;
  return !!module && /\bappenders\b/.test(module) && !/\btype\s*:(?!\s*['"])/.test(module);
}

/** The streams of a bunyan logger (a `streams: [...]` array whose `[` ends at `from`): a stream with a `path` writes that file; a stream that is a variable is read where the file declares it. */
function bunyanStreams(text: string, from: number, at: number, sink: WriteSink): void {
  const { objects, other } = arrayObjects(text, from);
  for (const element of other) {
    const declared = /^[A-Za-z_$][\w$]*$/.test(element) ? declarationValue(text, element) : -1;
    const object = declared >= 0 && text[declared] === '{' ? callArguments(text, declared + 1, 2000) : null;
    if (object) objects.push({ body: text.slice(declared + 1, object.end - 1), start: declared + 1 });
    else sink.opaque(at, 'a bunyan stream', `\`${element}\` is a stream ecsfix does not read`);
  }
  for (const o of objects) {
    const path = optionValue(text, o.body, o.start, 'path');
    if (path) sink.path(path, at, true, 'a bunyan file stream');
  }
}

/** bunyan: `streams: [{ path }]` (inline or a variable `createLogger({ streams })` names), `addStream({ path })`. */
function bunyanTargets(text: string, sink: WriteSink): void {
  for (const m of text.matchAll(/\bstreams\s*:\s*\[/g)) bunyanStreams(text, m.index + m[0].length, m.index, sink);
  for (const m of text.matchAll(/\b(?:createLogger|Logger)\(\s*\{/g)) {
    const object = enclosingObject(text, m.index + m[0].length);
    const streams = object && optionValue(text, object.body, object.open, 'streams');
    if (!streams || streams.startsWith('[')) continue;
    const declared = /^[A-Za-z_$][\w$]*$/.test(streams) ? declarationValue(text, streams) : -1;
    if (declared >= 0 && text[declared] === '[') bunyanStreams(text, declared + 1, m.index, sink);
    else sink.opaque(m.index, 'a bunyan logger', `its streams are \`${streams}\`, which ecsfix does not read`);
  }
  for (const m of text.matchAll(/\.addStream\(\s*\{/g)) {
    const object = enclosingObject(text, m.index + m[0].length);
    const path = object && optionValue(text, object.body, object.open, 'path');
    if (path) sink.path(path, m.index, true, 'a bunyan file stream');
  }
}

/** The directory a multer `destination` function passes to its callback (`cb(null, 'uploads/')`); opaque when it passes none ecsfix sees. */
function destinationCallback(fn: string, offset: number, sink: WriteSink): void {
  const params = /^(?:async\s+)?(?:function\s*\w*\s*)?\(?\s*([\w$]+)\s*,\s*([\w$]+)\s*,\s*([\w$]+)/.exec(fn.replace(/^destination\s*/, ''));
  const cb = params?.[3];
  const calls = cb ? [...fn.matchAll(new RegExp(`\\b${cb.replace(/\$/g, '\\$')}\\(\\s*null\\s*,\\s*`, 'g'))] : [];
  if (!calls.length) sink.opaque(offset, 'a multer diskStorage destination', 'its destination function passes no directory ecsfix reads');
  for (const c of calls) sink.path(firstArgument(fn, c.index + c[0].length), offset, false, 'a multer diskStorage destination');
}

/**
 * multer (Express) and @koa/multer: `multer({ dest })` writes uploads to `dest` (created when the
 * middleware is made, at start); `multer.diskStorage({ destination })` to its literal, or to the
 * directory a destination function passes its callback. Options ecsfix does not read are opaque.
 */
function multerTargets(text: string, sink: WriteSink): void {
  const binding = /\b(?:const|let|var|import)\s+([\w$]+)\s*(?:=\s*require\(\s*['"](?:@koa\/)?multer['"]|from\s+['"](?:@koa\/)?multer['"])/.exec(text)?.[1];
  if (binding) {
    for (const m of text.matchAll(new RegExp(`(?<![\\w$.])${binding.replace(/\$/g, '\\$')}\\(\\s*`, 'g'))) {
      const arg = firstArgument(text, m.index + m[0].length);
      if (!arg) continue; // memory storage
      if (!arg.startsWith('{')) {
        sink.opaque(m.index, 'multer()', `its options are \`${arg}\`, which ecsfix does not read`);
        continue;
      }
      const dest = optionValue(text, arg.slice(1, -1), text.indexOf(arg, m.index) + 1, 'dest');
      if (dest) sink.path(dest, m.index, false, 'multer({ dest })');
    }
  }
  for (const m of text.matchAll(/\.diskStorage\(\s*\{/g)) {
    const object = enclosingObject(text, m.index + m[0].length);
    if (!object) continue;
    const shorthand = /\bdestination\s*\([^)]*\)\s*\{/.exec(object.body);
    const value = shorthand ? null : optionValue(text, object.body, object.open, 'destination');
    if (shorthand) {
      const start = object.open + shorthand.index;
      const end = callArguments(text, start + shorthand[0].length, 2000)?.end ?? start + shorthand[0].length;
      destinationCallback(text.slice(start, end), m.index, sink);
    } else if (value && /^(?:async\s+)?(?:function\b|\([^)]*\)\s*=>|[\w$]+\s*=>)/.test(value)) destinationCallback(value, m.index, sink);
    else if (value) sink.path(value, m.index, false, 'a multer diskStorage destination');
  }
}

// Python: the standard library's logging (the file handlers, `basicConfig(filename=)`, handler
// declarations in a dictConfig dict — Django's LOGGING too — and in the YAML/JSON/INI config files
// `dictConfig`/`fileConfig` load) and loguru's `logger.add(<path>)`.

/** The logging module's file handlers (and concurrent_log_handler's), as a class name. */
const FILE_HANDLER = /^(?:Concurrent\w*|Rotating|TimedRotating|Watched)?FileHandler$/;

/** A name the file imports from one of `modules` (`from logging.handlers import RotatingFileHandler`, parenthesised lists too). */
function importsName(text: string, modules: string, name: string): boolean {
  return new RegExp(`^\\s*from\\s+(?:${modules})\\s+import\\s+(?:\\([^)]*|[^\\n]*)\\b${name}\\b`, 'm').test(text);
}

/** The keyword argument `name=` among a call's arguments. */
function keyword(args: string[], name: string): string | undefined {
  return args.find((a) => new RegExp(`^${name}\\s*=(?!=)`).test(a))?.replace(/^\w+\s*=\s*/, '');
}

/** `logging.basicConfig(filename=...)` and the file handlers made in code: `logging.FileHandler(f)`, `RotatingFileHandler(f)` imported from logging.handlers, `handlers.TimedRotatingFileHandler(filename=f)`. */
function loggingCalls(text: string, sink: WriteSink): void {
  for (const m of text.matchAll(/(?<![\w.])(logging\.)?basicConfig\(/g)) {
    if (!m[1] && !importsName(text, 'logging', 'basicConfig')) continue;
    const filename = keyword(topLevelArguments(text, m.index + m[0].length), 'filename');
    if (filename) sink.path(filename, m.index, true, 'logging.basicConfig(filename=)');
  }
  for (const m of text.matchAll(/(?<![\w.])(logging\.handlers\.|logging\.|handlers\.)?(\w*FileHandler)\(/g)) {
    const [, prefix, name = ''] = m;
    if (!FILE_HANDLER.test(name)) continue;
    const imported = prefix === 'handlers.' ? importsName(text, 'logging', 'handlers') : !prefix && importsName(text, 'logging|logging\\.handlers|concurrent_log_handler', name);
    if (!prefix?.startsWith('logging.') && !imported) continue;
    if (/^\s*class\b/.test(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index))) continue; // class X(FileHandler): a subclass, not a handler
    const args = topLevelArguments(text, m.index + m[0].length);
    const filename = keyword(args, 'filename') ?? (args[0] && !/^\w+\s*=/.test(args[0]) ? args[0] : undefined);
    if (filename) sink.path(filename, m.index, true, `a logging ${name}`);
    else sink.opaque(m.index, `a logging ${name}`, 'its file is not among its arguments');
  }
}

/** Handler declarations of a dictConfig dict (Python or JSON): `"class": "logging.handlers.RotatingFileHandler"` with the `"filename"` of the same dict. */
function dictHandlers(text: string, sink: WriteSink): void {
  for (const m of text.matchAll(/(['"])class\1\s*:\s*['"]([\w.]+)['"]/g)) {
    const name = (m[2] ?? '').split('.').at(-1) ?? '';
    if (!FILE_HANDLER.test(name)) continue;
    const object = enclosingObject(text, m.index);
    const key = object && /(['"])filename\1\s*:\s*/.exec(object.body);
    const what = `a logging ${name} in a logging config`;
    if (object && key) sink.path(firstArgument(text, object.open + key.index + key[0].length), m.index, true, what);
    else sink.opaque(m.index, what, 'its filename is not in the handler dict');
  }
}

/** A logging config value in a YAML or INI file: a quoted path to resolve, or null when it is built at load time (`ext://`, `cfg://`, `%(...)s`, `${...}`). */
function configLiteral(value: string): string | null {
  const v = value.replace(/\s+#.*$/, '').trim();
  const bare = /^(['"])(.*)\1$/.exec(v)?.[2] ?? v;
  return !bare || /[$%{}]|^\w+:\/\//.test(bare) || /[\s(),]/.test(bare) ? null : `'${bare}'`;
}

/** The file handlers of a YAML dictConfig (`class: logging.FileHandler` with the `filename:` of the same mapping) and of an INI fileConfig (`[handler_x]` `class=`, `args=(file, ...)`). */
function configFileHandlers(text: string, sink: WriteSink): void {
  dictHandlers(text, sink);
  for (const m of text.matchAll(/^([ \t]*)(?:-\s+)?class\s*:\s*['"]?([\w.]+)['"]?[ \t]*$/gm)) {
    const name = (m[2] ?? '').split('.').at(-1) ?? '';
    if (!FILE_HANDLER.test(name)) continue;
    // The mapping: the lines around it indented as deep as `class:`.
    const indent = (m[1] ?? '').length;
    const lines = text.split('\n');
    const at = text.slice(0, m.index).split('\n').length - 1;
    const inBlock = (l: string) => l.trim() !== '' && l.length - l.trimStart().length >= indent;
    let first = at;
    while (first > 0 && inBlock(lines[first - 1] ?? '') && !/^\s*-\s/.test(lines[first] ?? '')) first--;
    let last = at;
    while (last + 1 < lines.length && inBlock(lines[last + 1] ?? '') && !/^\s*-\s/.test(lines[last + 1] ?? '')) last++;
    const value = lines.slice(first, last + 1).map((l) => /^\s*filename\s*:\s*(.+)$/.exec(l)?.[1]).find(Boolean);
    const path = value ? configLiteral(value) : null;
    const what = `a logging ${name} in a logging config`;
    if (path) sink.path(path, m.index, true, what);
    else sink.opaque(m.index, what, value ? `its filename \`${value.trim()}\` is not a literal path` : 'its filename is not in the handler mapping');
  }
  for (const m of text.matchAll(/^\[handler_[^\]]*\]\s*$/gm)) {
    const section = text.slice(m.index, text.slice(m.index + m[0].length).search(/^\[/m) + m.index + m[0].length || undefined);
    const name = (/^class\s*[=:]\s*([\w.]+)/m.exec(section)?.[1] ?? '').split('.').at(-1) ?? '';
    if (!FILE_HANDLER.test(name)) continue;
    const args = /^args\s*[=:]\s*\(\s*(.*)$/m.exec(section);
    const first = args ? firstArgument(args[1] ?? '', 0) : undefined;
    const what = `a logging ${name} in a fileConfig`;
    if (first && /^['"][^'"]*['"]$/.test(first)) sink.path(first, m.index, true, what);
    else sink.opaque(m.index, what, first ? `its file \`${first}\` is computed when the config is loaded` : 'its file is not in its args');
  }
}

/** A source file that loads its logging config from a file: `fileConfig(...)`, or `dictConfig(...)` of what a YAML/JSON/TOML load returns. */
const LOADS_LOGGING_CONFIG = /\bfileConfig\(|\bdictConfig\([^)]*\b(?:load|loads|safe_load|full_load)\(|\b(?:yaml\.(?:safe_|full_|unsafe_)?load|json\.loads?|tomllib\.loads?|toml\.loads?)\([\s\S]{0,400}\bdictConfig\(/;

const PYTHON_LOGGING: FileWritingLibrary = {
  name: 'logging',
  language: 'python',
  targets(text, sink) {
    loggingCalls(text, sink);
    dictHandlers(text, sink);
  },
  configFiles: {
    when: LOADS_LOGGING_CONFIG,
    files: /\.(?:ya?ml|json|ini|cfg|conf|toml)$/,
    isConfig: (text) => /^\[handlers\]|^\s*handlers\s*:|["']handlers["']\s*:/m.test(text),
    scan: configFileHandlers,
    missing: 'it loads its logging config from a file ecsfix does not find in the service',
  },
};

/** loguru: `logger.add(sink)` with a path (not a stream, a function or a handler object) writes that file. */
function loguruTargets(text: string, sink: WriteSink): void {
  const binding = /^\s*from\s+loguru\s+import\s+(?:[^\n]*,\s*)?logger(?:\s+as\s+(\w+))?/m.exec(text);
  const name = binding ? (binding[1] ?? 'logger') : /^\s*import\s+loguru\b/m.test(text) ? 'loguru.logger' : null;
  if (!name) return;
  for (const m of text.matchAll(new RegExp(`(?<![\\w.])${name.replace('.', '\\.')}\\.add\\(`, 'g'))) {
    const args = topLevelArguments(text, m.index + m[0].length);
    const target = keyword(args, 'sink') ?? args[0];
    if (!target || /^sys\.(?:__)?std(?:out|err)(?:__)?$|^lambda\b|^[\w.]+\(\)$/.test(target)) continue;
    if (new RegExp(`^\\s*(?:def|class)\\s+${target.replace(/\W/g, '')}\\b`, 'm').test(text) && /^\w+$/.test(target)) continue; // a function sink
    sink.path(target, m.index, true, 'a loguru file sink');
  }
}

/** Every library ecsfix knows to write files, and how to read where. */
export const FILE_WRITING_LIBRARIES: readonly FileWritingLibrary[] = [
  { name: 'winston', language: 'js', targets: winstonTargets },
  { name: 'pino', language: 'js', uses: /\bpino\b/, targets: pinoTargets },
  { name: 'log4js', language: 'js', uses: importOf('log4js'), targets: log4jsTargets },
  { name: 'bunyan', language: 'js', uses: importOf('bunyan'), targets: bunyanTargets },
  { name: 'multer', language: 'js', uses: importOf('multer', '@koa/multer'), targets: multerTargets },
  PYTHON_LOGGING,
  { name: 'loguru', language: 'python', uses: /^\s*(?:from\s+loguru\s+import|import\s+loguru)\b/m, targets: loguruTargets },
];
