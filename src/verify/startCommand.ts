/**
 * What an image runs when it starts (ENTRYPOINT + CMD from its config), read as the programs it
 * calls and the entry file or module each one loads: `node dist/index.js`, `python -m app`,
 * `uvicorn app.main:app`, and the commands of `sh -c "migrate && exec gunicorn ..."`. Shell
 * strings are split by the same lexer the transforms use for RUN lines.
 */
import { posix } from 'node:path';
import { parseDockerfile } from '../repo/dockerfile.js';
import { runCommands } from '../dockerfile/shell.js';

export type EntryRef =
  | { kind: 'file'; runtime: 'node' | 'python'; path: string }
  | { kind: 'module'; runtime: 'python'; name: string };

export interface StartCommand {
  /** The program as written (a name looked up on PATH, or a path). */
  program: string;
  entry: EntryRef | null;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);
const INITS = new Set(['tini', 'dumb-init', 'docker-init']);
const NODE_VALUE_FLAGS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--inspect-port', '--title']);
const NODE_NO_FILE = new Set(['-e', '--eval', '-p', '--print', '-v', '--version', '-h', '--help']);
const PYTHON_VALUE_FLAGS = new Set(['-W', '-X', '--check-hash-based-pycs']);
const ASGI_SERVERS = new Set(['uvicorn', 'gunicorn', 'hypercorn', 'daphne']);
const MODULE_ATTR = /^([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):[A-Za-z_]\w*(?:\(.*\))?$/;
const DYNAMIC = /\$/;

/** The words of each command a shell string runs (assignments and `exec`/`env` wrappers dropped). */
export function shellCommands(script: string): string[][] {
  // The script as a RUN line of a throwaway Dockerfile: one lexer for RUN lines and start commands.
  const text = `FROM scratch\nRUN ${script.replace(/\r?\n/g, ' ; ')}\n`;
  try {
    const parsed = parseDockerfile(text);
    const run = parsed.instructions[1];
    return run ? runCommands(parsed, run).map((c) => c.words.map((w) => w.value)) : [];
  } catch {
    return [];
  }
}

function entryOf(argv: string[]): EntryRef | null {
  const name = posix.basename(argv[0] ?? '');
  const args = argv.slice(1);
  if (name === 'node' || name === 'nodejs') {
    for (let k = 0; k < args.length; k++) {
      const a = args[k] as string;
      if (NODE_NO_FILE.has(a)) return null;
      if (a === '--') return args[k + 1] && !DYNAMIC.test(args[k + 1] as string) ? { kind: 'file', runtime: 'node', path: args[k + 1] as string } : null;
      if (a.startsWith('-')) {
        if (!a.includes('=') && NODE_VALUE_FLAGS.has(a)) k++;
        continue;
      }
      return DYNAMIC.test(a) ? null : { kind: 'file', runtime: 'node', path: a };
    }
    return null;
  }
  if (/^python(?:\d+(?:\.\d+)?)?$/.test(name)) {
    for (let k = 0; k < args.length; k++) {
      const a = args[k] as string;
      if (a === '-c') return null;
      if (a === '-m') return args[k + 1] && !DYNAMIC.test(args[k + 1] as string) ? { kind: 'module', runtime: 'python', name: args[k + 1] as string } : null;
      if (a.startsWith('-')) {
        if (PYTHON_VALUE_FLAGS.has(a)) k++;
        continue;
      }
      return DYNAMIC.test(a) ? null : { kind: 'file', runtime: 'python', path: a };
    }
    return null;
  }
  if (ASGI_SERVERS.has(name)) {
    const app = args.map((a) => MODULE_ATTR.exec(a)).find((m) => m !== null);
    return app?.[1] ? { kind: 'module', runtime: 'python', name: app[1] } : null;
  }
  return null;
}

/**
 * The commands an image's start runs, in order. `argv` is ENTRYPOINT + CMD. The official node
 * images' `docker-entrypoint.sh` runs `node` when the first argument is a flag; init wrappers
 * (tini, dumb-init) are looked through; `sh -c SCRIPT` yields every command of the script.
 */
export function startCommands(argv: readonly string[]): StartCommand[] {
  let words = [...argv];
  const out: StartCommand[] = [];
  const first = () => posix.basename(words[0] ?? '');
  if (first() === 'docker-entrypoint.sh' && words.length > 1) {
    out.push({ program: words[0] as string, entry: null });
    words = words[1]?.startsWith('-') ? ['node', ...words.slice(1)] : words.slice(1);
  }
  while (INITS.has(first())) {
    out.push({ program: words[0] as string, entry: null });
    words = words.slice(1);
    while (words[0]?.startsWith('-')) words = words.slice(1);
  }
  if (SHELLS.has(first()) && words[1] === '-c' && typeof words[2] === 'string') {
    out.push({ program: words[0] as string, entry: null });
    for (const command of shellCommands(words[2])) {
      if (!command[0] || DYNAMIC.test(command[0]) || command[0] === 'cd' || command[0] === 'set') continue;
      out.push({ program: command[0], entry: entryOf(command) });
    }
    return out;
  }
  if (words[0]) out.push({ program: words[0], entry: entryOf(words) });
  return out;
}
