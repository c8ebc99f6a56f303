/**
 * Whether a start command puts its server in the background and returns (what check's ECS422
 * reports, and what makes `exec` before a later command useless: ECS140 and dockerfile-port-env):
 *   - `gunicorn -D` / `--daemon`, or `daemon = True` in the gunicorn.conf.py it reads;
 *   - `uwsgi --daemonize <log>` / `--daemonize2`, or `daemonize` in its ini or UWSGI_* variables;
 *   - `pm2 start` (also restart/reload/startOrRestart) without `--no-daemon`: pm2 hands the app to
 *     its daemon and returns. `pm2-runtime` is pm2's foreground command for containers.
 * Each of them leaves the server in a session of its own (setsid), out of the container process's
 * process group.
 */
import { startCommands } from '../dockerfile/shell.js';
import type { Service } from './model.js';

const programOf = (word: string) => word.slice(word.lastIndexOf('/') + 1);
/** What runs the server in its place: an init, exec, or a package runner (`npx pm2 start`). */
const INITS = new Set(['tini', 'dumb-init', 'exec', 'npx', 'pnpx']);
const PM2_STARTS = new Set(['start', 'restart', 'reload', 'startOrRestart', 'startOrReload', 'startOrGracefulReload']);

/** The server command under an init, `exec` or npx (`tini -g -- gunicorn …` -> `gunicorn …`). */
function underInit(words: string[]): string[] {
  let i = 0;
  while (i < words.length && INITS.has(programOf(words[i] as string))) {
    i++;
    while (i < words.length && (words[i] as string).startsWith('-')) if (words[i++] === '--') break;
  }
  return words.slice(i);
}

/** How a command detaches its server (`how`: the command in backticks, with the config setting that does it), or null when it stays in the foreground. */
export function detaches(command: string[], config?: Service['daemonConfig']): { how: string; fix: string } | null {
  const [first, ...args] = underInit(command);
  const program = programOf(first ?? '');
  const flag = (...names: string[]) => args.find((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
  // `how` is written as it reads in a note: the command in backticks, a config's setting after it.
  const configured = (server: 'gunicorn' | 'uwsgi') => (config?.server === server ? `\`${server}\` (${config.file}:${config.line} sets ${config.option})` : null);
  if (program === 'gunicorn' && flag('-D', '--daemon')) return { how: `\`gunicorn ${flag('-D', '--daemon')}\``, fix: 'drop --daemon: gunicorn then stays in the foreground as the container process' };
  if (program === 'gunicorn' && configured('gunicorn')) return { how: configured('gunicorn') as string, fix: 'remove `daemon = True`: gunicorn then stays in the foreground as the container process' };
  const uwsgi = /^uwsgi(?:_python3?)?$/.test(program);
  if (uwsgi && flag('--daemonize', '--daemonize2')) return { how: `\`uwsgi ${flag('--daemonize', '--daemonize2')?.split('=')[0]}\``, fix: 'drop --daemonize: uWSGI then stays in the foreground and logs to stdout/stderr, which the awslogs driver sends to CloudWatch (--logto would write to a file nothing collects)' };
  if (uwsgi && configured('uwsgi')) return { how: configured('uwsgi') as string, fix: 'remove daemonize: uWSGI then stays in the foreground and logs to stdout/stderr, which the awslogs driver sends to CloudWatch (logto would write to a file nothing collects)' };
  if (program === 'pm2' && PM2_STARTS.has(args.find((a) => !a.startsWith('-')) ?? '') && !flag('--no-daemon'))
    return { how: `\`pm2 ${args.find((a) => !a.startsWith('-'))}\``, fix: 'start it with pm2-runtime (pm2\'s foreground command for containers), or add --no-daemon; pm2 stops an app with SIGINT and kills it 1.6 s later unless kill_timeout (ecosystem file or --kill-timeout) allows its shutdown more' };
  return null;
}

/**
 * A list whose last command stays in the foreground while a command before it detached the server
 * (`pm2 start dist/index.js && pm2 logs`, `gunicorn --daemon … && tail -f log`): the detaching
 * command and the last one, as words; null otherwise (the last one detaches too: that is the plain
 * shape).
 */
export function detachedBefore(commands: string[][], config?: Service['daemonConfig']): { how: string; fix: string; last: string[] } | null {
  const last = commands.at(-1);
  if (!last || detaches(last, config)) return null;
  const earlier = commands.slice(0, -1).map((c) => detaches(c, config)).find((d) => d !== null);
  return earlier ? { ...earlier, last } : null;
}

/** How the last command of a start command (CMD text, compose command, script) detaches its server, or null. */
export function lastCommandDetaches(text: string, config?: Service['daemonConfig']): { how: string; fix: string } | null {
  const last = startCommands(text).at(-1);
  return last ? detaches(last.words, config) : null;
}

/**
 * Whether a start command runs the app under pm2 (`pm2-runtime`, `pm2-docker`, `pm2 start`): pm2
 * restarts an app that exits, inside the container, so ECS never sees it crash.
 */
export function runsUnderPm2(text: string): boolean {
  return startCommands(text).some((c) => /^pm2(?:-runtime|-docker)?$/.test(programOf(underInit(c.words)[0] ?? '')));
}
