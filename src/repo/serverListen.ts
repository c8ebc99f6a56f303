/**
 * Where a Python, Go or Rust server listens, read by pattern (these languages are not parsed): the
 * call that starts the server (`web.run_app(app, port=8005)`, `uvicorn.run(..., port=...)`,
 * `http.ListenAndServe(addr, ...)`, gin's `r.Run()`, `TcpListener::bind(...)`), its port argument,
 * and what that argument is made of, following assignments in the same file: an env read
 * (`os.environ['APP_PORT']`, `os.getenv('X', '8000')`, `os.Getenv("PORT")`, a
 * `getEnv("SERVER_ADDRESS", ":8082")` helper, `env::var("PORT").unwrap_or(...)`) or a literal.
 * A port expression that leads nowhere readable (a config struct field) gives a listen with no port
 * and no variable: the code was found but says nothing, and callers must not guess.
 */
import { lineOfOffset } from '../text.js';
import { FIXED_PORT_CMD } from './portReads.js';
import { startScriptPath } from './startScript.js';
import type { ImageFileAt } from '../dockerfile/searchPath.js';
import type { ServiceListen } from '../source/index.js';
import { blankComments } from './sourceScan.js';
import { filesUnder, hasFile } from './files.js';
import { cliSubcommand } from './commandPattern.js';

export type PatternLanguage = 'python' | 'go' | 'rust';

/** A listen found by pattern. `envVar` may hold a whole address (`SERVER_ADDRESS=":8082"`) rather than a port. */
export interface PatternListen extends ServiceListen {
  /** The variable holds a listen address (`:8082`, `0.0.0.0:8082`), not a bare port. */
  address?: boolean;
}

export function patternLanguageOf(file: string): PatternLanguage | null {
  return file.endsWith('.py') ? 'python' : file.endsWith('.go') ? 'go' : file.endsWith('.rs') ? 'rust' : null;
}

interface StartCall {
  /** Where the call's argument list opens, in the blanked text. */
  re: RegExp;
  what: string;
  /** Picks the port (or address) expression from the arguments; null when the call has none (then `implicit` applies). */
  portArg: (args: Arg[]) => string | null;
  /** What the framework listens on when the call names no port (gin's `Run()` reads PORT, else 8080). */
  implicit?: { envVar: string; port: number };
  /** The file must mention this (the framework's import) for the pattern to count. */
  requires?: RegExp;
  /** The call's receiver must be assigned from this constructor in the file (`r := gin.Default()`): `cmd.Run()` is not a server. */
  receiverFrom?: string;
}

interface Arg {
  name: string | null;
  value: string;
}

const keyword = (name: string) => (args: Arg[]) => args.find((a) => a.name === name)?.value ?? null;
const positional = (index: number) => (args: Arg[]) => args.filter((a) => a.name === null)[index]?.value ?? null;
const firstTupleItem = (index: number) => (args: Arg[]) => {
  const tuple = args[0]?.value.trim();
  if (!tuple?.startsWith('(')) return null;
  return splitArgs(tuple.slice(1, -1))[index]?.value ?? null;
};

const START_CALLS: Record<PatternLanguage, StartCall[]> = {
  python: [
    { re: /\bweb\.run_app\s*\(/g, what: 'web.run_app', portArg: keyword('port') },
    { re: /\buvicorn\.run\s*\(/g, what: 'uvicorn.run', portArg: keyword('port') },
    // Flask's app.run / socketio.run(app, port=...): only with a port keyword (a bare .run() is anything).
    { re: /\b\w+\.run\s*\((?=[^)]*\bport\s*=)/g, what: 'run(port=...)', portArg: keyword('port') },
    { re: /\bweb\.TCPSite\s*\(/g, what: 'web.TCPSite', portArg: (a) => keyword('port')(a) ?? positional(2)(a) },
    { re: /\b(?:Threading)?HTTPServer\s*\(|\bsocketserver\.TCPServer\s*\(/g, what: 'HTTPServer', portArg: firstTupleItem(1) },
  ],
  go: [
    { re: /\bhttp\.ListenAndServe(?:TLS)?\s*\(/g, what: 'http.ListenAndServe', portArg: positional(0) },
    { re: /\bnet\.Listen\s*\(/g, what: 'net.Listen', portArg: positional(1) },
    { re: /\bhttp\.Server\s*\{/g, what: 'http.Server{Addr}', portArg: (a) => a.find((x) => x.name === 'Addr')?.value ?? null },
    { re: /\b(?<receiver>\w+)\.Run\s*\(/g, what: 'gin Run', portArg: positional(0), implicit: { envVar: 'PORT', port: 8080 }, requires: /github\.com\/gin-gonic\/gin/, receiverFrom: 'gin\\.(?:Default|New)' },
    { re: /\b(?<receiver>\w+)\.Start\s*\(/g, what: 'echo Start', portArg: positional(0), requires: /github\.com\/labstack\/echo/, receiverFrom: 'echo\\.New' },
    { re: /\b(?<receiver>\w+)\.Listen\s*\(/g, what: 'fiber Listen', portArg: positional(0), requires: /github\.com\/gofiber\/fiber/, receiverFrom: 'fiber\\.New' },
  ],
  rust: [
    { re: /\bTcpListener::bind\s*\(/g, what: 'TcpListener::bind', portArg: positional(0) },
    { re: /\bServer::bind\s*\(/g, what: 'Server::bind', portArg: positional(0) },
    { re: /\.bind\s*\(/g, what: 'HttpServer bind', portArg: (a) => (a.length === 1 ? (a[0]?.value ?? null) : null), requires: /\bHttpServer::new\b/ },
    { re: /\bwarp::serve\s*\([^)]*\)\s*\.run\s*\(/g, what: 'warp run', portArg: positional(0) },
  ],
};

/** Env reads: `name` and, when the read has one, the default as written. */
const ENV_READS: Record<PatternLanguage, RegExp[]> = {
  python: [
    /\bos\.environ\[\s*['"](?<name>\w+)['"]\s*\]/g,
    /\b(?:os\.environ\.get|os\.getenv)\(\s*['"](?<name>\w+)['"]\s*(?:,\s*(?:default\s*=\s*)?(?<def>['"][^'"]*['"]|\d+))?/g,
  ],
  go: [
    /\bos\.(?:Getenv|LookupEnv)\(\s*"(?<name>\w+)"\s*\)/g,
    // getEnv("SERVER_ADDRESS", ":8082"), config.GetEnvOrDefault("PORT", "8080"), envOr("PORT", "8080")
    /\b[\w.]*(?:[Ee]nv)\w*\(\s*"(?<name>\w+)"\s*,\s*(?<def>"[^"]*"|\d+)\s*\)/g,
  ],
  rust: [/\benv::var\(\s*"(?<name>\w+)"\s*\)(?<rest>[^;]*)/g],
};

const ASSIGNMENT: Record<PatternLanguage, (name: string) => RegExp> = {
  python: (n) => new RegExp(`^[ \\t]*(?:self\\.)?${n}\\s*(?::\\s*[\\w\\[\\], ]+)?=(?!=)\\s*([^\\n]+)`, 'gm'),
  go: (n) => new RegExp(`(?:\\bvar\\s+${n}(?:\\s+[\\w.]+)?\\s*=|\\b${n}\\s*:?=)(?!=)\\s*([^\\n]+)`, 'g'),
  rust: (n) => new RegExp(`(?:\\blet\\s+(?:mut\\s+)?${n}\\b(?:\\s*:\\s*[^=;]+)?|(?:^|[;{}]\\s*)${n})\\s*=(?![=>])\\s*([^;]+);`, 'gm'),
};

const NOT_A_VARIABLE = new Set([
  'int', 'str', 'float', 'os', 'environ', 'get', 'getenv', 'fmt', 'Sprintf', 'strconv', 'Itoa', 'Atoi', 'http', 'net', 'tcp', 'format', 'to_string',
  'into', 'parse', 'unwrap', 'unwrap_or', 'unwrap_or_else', 'expect', 'ok', 'env', 'var', 'std', 'String', 'from', 'SocketAddr', 'host', 'nil', 'None',
  'True', 'False', 'await', 'let', 'u16', 'self', 'app', 'router', 'r', 'e', 'mux', 'handler', 'Handler', 'Addr', 'Itoa', 'Sprint',
]);

export function patternListens(file: string, text: string, language: PatternLanguage): PatternListen[] {
  const code = blankComments(text, language === 'python' ? 'python' : 'js');
  const out: PatternListen[] = [];
  const seen = new Set<number>(); // `uvicorn.run(` is also a `.run(`: one listen per call
  for (const call of START_CALLS[language]) {
    if (call.requires && !call.requires.test(code)) continue;
    for (const m of code.matchAll(call.re)) {
      const open = m.index + m[0].length - 1;
      const receiver = m.groups?.receiver;
      if (call.receiverFrom && (!receiver || !new RegExp(`\\b${receiver}\\s*:?=\\s*${call.receiverFrom}\\s*\\(`).test(code))) continue;
      if (seen.has(open)) continue;
      seen.add(open);
      const inner = enclosed(code, open);
      if (inner === null) continue;
      const args = splitArgs(inner);
      const expression = call.portArg(args);
      const line = lineOfOffset(code, m.index);
      if (expression === null || expression.trim() === '') {
        if (call.implicit) out.push({ file, line, receiver: call.what, port: call.implicit.port, envVar: call.implicit.envVar, envVars: [call.implicit.envVar], expression: null });
        else if (call.what !== 'http.Server{Addr}') out.push({ file, line, receiver: call.what, port: null, envVar: null, expression: null });
        continue;
      }
      const resolved = resolveExpression(expression, code, language, 0);
      const variable = resolved.vars.find((v) => v.name === 'PORT') ?? resolved.vars[0];
      const fromDefault = variable?.def !== undefined ? portOf(variable.def) : null;
      const port = fromDefault?.port ?? (resolved.literal ? portOf(resolved.literal)?.port : undefined) ?? null;
      const address = variable ? (fromDefault?.address ?? /ADDR|ADDRESS|BIND|LISTEN/.test(variable.name)) : false;
      out.push({
        file,
        line,
        receiver: call.what,
        port: variable || !resolved.unresolved ? port : null,
        envVar: variable?.name ?? null,
        envVars: resolved.vars.map((v) => v.name),
        expression: expression.trim(),
        ...(address ? { address: true } : {}),
      });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

interface Resolved {
  vars: { name: string; def?: string }[];
  literal: string | null;
  /** Some identifier in the expression could not be followed to an env read or a literal. */
  unresolved: boolean;
}

/** What a port expression is made of: env reads and literals, through same-file assignments (3 deep). */
function resolveExpression(expression: string, code: string, language: PatternLanguage, depth: number): Resolved {
  const vars: Resolved['vars'] = [];
  let stripped = expression;
  for (const re of ENV_READS[language])
    for (const m of expression.matchAll(re)) {
      const name = m.groups?.name ?? '';
      const def = m.groups?.def ?? rustDefault(m.groups?.rest ?? '');
      vars.push(def !== undefined ? { name, def } : { name });
      stripped = stripped.replace(m[0], ' ');
    }
  let literal = literalPort(stripped);
  let unresolved = false;
  const identifiers = [...new Set([...stripped.replace(/(['"])(?:(?!\1).)*\1/g, (s) => (language === 'rust' ? [...s.matchAll(/\{(\w+)\}/g)].map((x) => ` ${x[1]} `).join('') : ' ')).matchAll(/\b[A-Za-z_]\w*\b/g)].map((x) => x[0]))]
    .filter((id) => !NOT_A_VARIABLE.has(id) && !/^\d/.test(id));
  for (const id of identifiers) {
    // `settings.port`, `cfg.Port`: a field of another object is not followed.
    if (new RegExp(`\\.\\s*${id}\\b`).test(stripped) && !new RegExp(`\\b${id}\\s*\\.`).test(stripped)) {
      unresolved = true;
      continue;
    }
    const rhs = depth < 3 ? [...code.matchAll(ASSIGNMENT[language](id))].map((m) => m[1] ?? '') : [];
    if (rhs.length === 0) {
      unresolved = true;
      continue;
    }
    for (const r of rhs) {
      const inner = resolveExpression(r, code, language, depth + 1);
      vars.push(...inner.vars.filter((v) => !vars.some((w) => w.name === v.name)));
      literal ??= inner.literal;
      if (inner.unresolved && inner.vars.length === 0 && inner.literal === null) unresolved = true;
    }
  }
  return { vars, literal, unresolved };
}

/** `.unwrap_or("8080".to_string())`, `.unwrap_or_else(|_| "8080".into())`, `.unwrap_or(8080)` after an env::var read. */
function rustDefault(rest: string): string | undefined {
  return /\.unwrap_or(?:_else)?\s*\(\s*(?:\|[^|]*\|\s*)?(?<def>"[^"]*"|\d+)/.exec(rest)?.groups?.def;
}

/** A literal port in an expression: `8005`, `":8080"`, `"0.0.0.0:8080"`, `("0.0.0.0", 8080)`, `([0, 0, 0, 0], 3000)`. */
function literalPort(expression: string): string | null {
  const quoted = /(['"])((?:[\w.-]*|\[[:\w]*\]):\d{2,5})\1/.exec(expression);
  if (quoted) return quoted[2] ?? null;
  const bare = /(?:^|[\s(,=])(\d{2,5})\s*(?:[),]|$)/.exec(expression.trim());
  return bare?.[1] ?? /^['"](\d{2,5})['"]$/.exec(expression.trim())?.[1] ?? null;
}

/** The port in a literal default or address, and whether it was an address. */
function portOf(literal: string): { port: number; address: boolean } | null {
  const text = literal.replace(/^['"]|['"]$/g, '');
  const m = /^(?:(?:[\w.-]*|\[[:\w]*\]):)?(\d{2,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[1]);
  return port > 0 && port < 65536 ? { port, address: text.includes(':') } : null;
}

/** The text between the bracket at `open` and its match (strings skipped); null when unbalanced. */
function enclosed(code: string, open: number): string | null {
  const closer: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
  const stack: string[] = [];
  for (let i = open; i < code.length; i++) {
    const c = code[i] ?? '';
    if (c === '"' || c === "'" || c === '`') {
      const end = code.indexOf(c, i + 1);
      if (end < 0 || code.slice(i, end).includes('\n')) continue;
      i = end;
    } else if (c in closer) stack.push(closer[c] ?? '');
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return code.slice(open + 1, i);
    }
  }
  return null;
}

/** Top-level arguments: `name=value` (Python) and `Name: value` (a Go struct literal) are named. */
function splitArgs(inner: string): Arg[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quote = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] ?? '';
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const named = /^(\w+)\s*(?:=(?!=)|:(?!:))\s*([\s\S]*)$/.exec(p);
      return named ? { name: named[1] ?? null, value: named[2] ?? '' } : { name: null, value: p };
    });
}

/**
 * A start command that runs a Python server CLI, which listens where its flags (or its config file)
 * say, not where `uvicorn.run(...)` or an `app.run(port=5000)` under `if __name__ == "__main__":` in
 * the code would: that module is imported by the server, never run as a script. (`uwsgi`, not the
 * `uwsgi.ini` it reads.)
 */
const SERVER_CLI = new RegExp(`\\b(?:uvicorn|gunicorn|hypercorn|daphne|granian|waitress-serve)\\b|\\buwsgi(?![\\w.-])|${cliSubcommand('\\bflask', 'run').source}|\\brunserver\\b`);

/** Whether a start command runs a Python server CLI: it imports the app's module, whose `if __name__ == "__main__":` block never runs. */
export function runsServerCli(startCommand: string): boolean {
  return SERVER_CLI.test(startCommand);
}

/** The lines (1-based, inclusive) of a Python file's top-level `if __name__ == "__main__":` block: what runs only as `python <file>`. */
export function mainBlockLines(text: string): { from: number; to: number } | null {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => /^if\s+__name__\s*==\s*["']__main__["']\s*:/.test(l));
  if (from < 0) return null;
  const end = lines.findIndex((l, i) => i > from && /^\S/.test(l) && !/^#/.test(l));
  return { from: from + 1, to: end < 0 ? lines.length : end };
}

const PATTERN_SOURCE = /\.(?:py|go|rs)$/;
const NOT_SERVER_SOURCE = /(?:^|\/)(?:vendor|target|tests?|testdata|__tests__|migrations)\/|_test\.go$|(?:^|\/)test_[^/]*\.py$/;
const MAX_PATTERN_FILES = 400;

/**
 * The listens of a service's Python, Go and Rust files under `dir` (the entry file's first). Python
 * ones are dropped when the start command runs a server CLI: its flags decide the port then.
 */
export function serviceListensByPattern(dir: string, files: string[], read: (rel: string) => string | null, entryFile: string | null, startCommand: string): PatternListen[] {
  const prefix = dir ? dir + '/' : '';
  const cli = SERVER_CLI.test(startCommand);
  const out: PatternListen[] = [];
  const sources = filesUnder(files, prefix).filter((f) => PATTERN_SOURCE.test(f) && !NOT_SERVER_SOURCE.test(f.slice(prefix.length))).slice(0, MAX_PATTERN_FILES);
  for (const file of sources) {
    const language = patternLanguageOf(file);
    if (!language || (language === 'python' && cli)) continue;
    const text = read(file);
    if (text !== null) out.push(...patternListens(file, text, language));
  }
  return out.sort((a, b) => Number(b.file === entryFile) - Number(a.file === entryFile));
}

/**
 * A server CLI started on a literal port by the shell script the start command runs (`CMD
 * ["./entrypoint.sh"]` whose last line is `exec gunicorn -b 0.0.0.0:8000 app.main:app`): that bind
 * decides the port, and PORT has no effect. The script is the repo file the image's COPY put at the
 * started path (`imageFile`), else its name in the service directory.
 */
export function scriptListens(dir: string, files: string[], read: (rel: string) => string | null, startCommand: string, imageFile?: ImageFileAt): PatternListen[] {
  const path = startScriptPath(dir, startCommand, files, imageFile);
  const text = path === null ? null : read(path);
  if (path === null || text === null) return [];
  const out: PatternListen[] = [];
  // One command per logical line: continuation lines (`\` at the end) are joined to their first.
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let command = lines[i] ?? '';
    while (/\\\s*$/.test(command) && i + 1 < lines.length) command = command.replace(/\\\s*$/, ' ') + lines[++i];
    if (/^\s*#/.test(command) || !SERVER_CLI.test(command) || /\$\{?PORT\b/.test(command)) continue;
    const port = FIXED_PORT_CMD.exec(command)?.[1];
    if (port) out.push({ file: path, line: first + 1, receiver: SERVER_CLI.exec(command)?.[0] ?? null, port: Number(port), envVar: null, expression: command.trim() });
  }
  return out;
}

/**
 * Go, Rust or Python when no Node/Python manifest said: go.mod / Cargo.toml, else the service
 * directory's own sources (a stdlib-only Python service has no requirements.txt).
 */
export function sourceLanguageOf(dir: string, files: string[]): 'go' | 'rust' | 'python' | null {
  const prefix = dir ? dir + '/' : '';
  if (hasFile(files, prefix + 'go.mod')) return 'go';
  if (hasFile(files, prefix + 'Cargo.toml')) return 'rust';
  if (dir === '') return null; // the repo root holds everything: its files say nothing about one service
  const own = filesUnder(files, prefix).filter((f) => !NOT_SERVER_SOURCE.test(f.slice(prefix.length)));
  return own.some((f) => f.endsWith('.go')) ? 'go' : own.some((f) => f.endsWith('.rs')) ? 'rust' : own.some((f) => f.endsWith('.py')) ? 'python' : null;
}

/** A Go route on a root router: `http.HandleFunc("/healthz", …)`, `mux.HandleFunc("GET /health", …)`, gin `r.GET`, chi `r.Get`, echo `e.GET`, fiber `app.Get`. */
const GO_ROUTE = /\b(?<receiver>\w+)\.(?:HandleFunc|Handle|GET|Get|HEAD|Head|Any)\s*\(\s*"(?:(?:GET|HEAD)\s+)?(?<path>\/[^"\s]*)"/g;
/** Constructors of a root router (no prefix of its own). */
const GO_ROOT_ROUTER = /\b(?<name>\w+)\s*:?=\s*(?:&?\s*)?(?:http\.NewServeMux|gin\.(?:Default|New)|echo\.New|chi\.NewRouter|mux\.NewRouter|fiber\.New)\s*\(/g;
/** Anything that serves routes under a prefix the pattern cannot follow: a file using one is not read. */
const GO_PREFIXED = /\.(?:Group|Route|Mount|PathPrefix|Subrouter)\s*\(|\bhttp\.StripPrefix\s*\(/;

/**
 * The routes of a Go file registered on the default mux or on a router made in the file by its
 * framework's constructor. A file that groups, mounts or strips prefixes is skipped entirely: a
 * route read without its prefix would be probed where nothing answers.
 */
export function goRoutes(file: string, text: string): { path: string; file: string; line: number }[] {
  const code = blankComments(text, 'js');
  if (GO_PREFIXED.test(code)) return [];
  const roots = new Set(['http', ...[...code.matchAll(GO_ROOT_ROUTER)].map((m) => m.groups?.name ?? '')]);
  return [...code.matchAll(GO_ROUTE)]
    .filter((m) => roots.has(m.groups?.receiver ?? ''))
    .map((m) => ({ path: m.groups?.path ?? '/', file, line: lineOfOffset(code, m.index) }));
}

/** The Go routes of a service's own files. */
export function serviceGoRoutes(dir: string, files: string[], read: (rel: string) => string | null): { path: string; file: string; line: number }[] {
  const prefix = dir ? dir + '/' : '';
  return files
    .filter((f) => f.startsWith(prefix) && f.endsWith('.go') && !NOT_SERVER_SOURCE.test(f.slice(prefix.length)))
    .slice(0, MAX_PATTERN_FILES)
    .flatMap((f) => {
      const text = read(f);
      return text === null ? [] : goRoutes(f, text);
    });
}
