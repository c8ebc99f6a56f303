/**
 * The fixed port a gunicorn config file binds: gunicorn reads `-c <path>` (or `./gunicorn.conf.py`
 * in its working directory by default), and a `bind = "0.0.0.0:8000"` there wins over PORT, which
 * gunicorn only uses for the default of `bind` when none is set. A `bind` read from another variable
 * (`bind = os.getenv("GUNICORN_BIND", "0.0.0.0:8000")`) makes that variable the listen address.
 * GUNICORN_CMD_ARGS with `--bind`/`-b` and `-b` on the command line win over the file.
 */
import { posix } from 'node:path';
import { lineOfOffset } from '../text.js';
import type { PatternListen } from './serverListen.js';

export interface ConfigBind {
  port: number;
  /** The config file in the repo and the line of its `bind`. */
  file: string;
  line: number;
}

/** `bind = "0.0.0.0:8000"` or `bind = ["0.0.0.0:8000"]` at the top level of the file: one literal address. */
const LITERAL_BIND = /^bind\s*=\s*\[?\s*["'][\w.[\]]*:(\d{2,5})["']\s*\]?\s*(?:#.*)?$/m;

/** `bind = os.getenv("X", "0.0.0.0:8000")`, `os.environ.get(...)`, `os.environ["X"]`, optionally in a list: the variable and its default's port. */
const VARIABLE_BIND = /^bind\s*=\s*\[?\s*os\.(?:getenv\(|environ\.get\(|environ\[)\s*["'](\w+)["']\s*(?:,\s*["'][\w.[\]]*:(\d{2,5})["']\s*)?[)\]]\s*\]?\s*(?:#.*)?$/m;

/** A top-level `bind = ...`: a gunicorn config file (with `workers`/`worker_class` beside it, or named gunicorn*.py). */
const ANY_BIND = /^bind\s*=/m;

/** A Python file that is a gunicorn config: named gunicorn*.py, or setting `bind` with `workers`/`worker_class` at the top level. */
export function isGunicornConfig(file: string, text: string): boolean {
  if (!file.endsWith('.py')) return false;
  return /^gunicorn[\w.-]*\.py$/.test(posix.basename(file)) || (ANY_BIND.test(text) && /^(?:workers|worker_class)\s*=/m.test(text));
}

/**
 * The repo file of the config the gunicorn of a start command reads (`-c <path>`, else
 * ./gunicorn.conf.py in its working directory), with its text; null when the command does not run
 * gunicorn, names no file the image holds, or binds on its command line (`-b` wins over the file).
 * `repoPath` maps an image path (relative to the working directory or absolute) to the repo file the
 * image holds there.
 */
export function gunicornConfigRead(command: string, repoPath: (imagePath: string) => string | null, read: (rel: string) => string | null): { file: string; text: string; cliBind: boolean } | null {
  const words = command.replace(/[[\]",]/g, ' ');
  const at = /(?:^|[\s/])gunicorn\s/.exec(words);
  if (!at) return null;
  const args = words.slice(at.index);
  const config = /\s(?:-c|--config)(?:=|\s+)(\S+)/.exec(args)?.[1] ?? './gunicorn.conf.py';
  if (config.startsWith('python:') || config.includes('$')) return null;
  const file = repoPath(config);
  const text = file === null ? null : read(file);
  return file === null || text === null ? null : { file, text, cliBind: /\s(?:-b|--bind)[\s=]/.test(args) };
}

/**
 * What the gunicorn of a start command binds through its config file: a literal port. Null when
 * the command line binds (FIXED_PORT_CMD reads it) or the file binds no literal.
 */
export function gunicornConfigBind(config: { file: string; text: string; cliBind: boolean } | null): ConfigBind | null {
  if (!config || config.cliBind) return null;
  const m = LITERAL_BIND.exec(config.text);
  return m ? { port: Number(m[1]), file: config.file, line: lineOfOffset(config.text, m.index) } : null;
}

/** A config file's `bind` read from a variable other than PORT: the server listens on the address that variable holds, its default's port otherwise. */
export function gunicornVariableBind(config: { file: string; text: string; cliBind: boolean } | null): PatternListen | null {
  if (!config || config.cliBind) return null;
  const m = VARIABLE_BIND.exec(config.text);
  if (!m || m[1] === 'PORT') return null;
  return { file: config.file, line: lineOfOffset(config.text, m.index), receiver: 'gunicorn bind', port: m[2] ? Number(m[2]) : null, envVar: m[1] ?? null, address: true, expression: m[0] };
}
