/**
 * ECS422: the service's start command puts its server in the background and returns, so nothing
 * stays in the foreground: the container's main process exits right after start, and ECS stops the
 * task and starts another, over and over. The shapes, read from the last command of what the
 * container runs (the compose command the task definition carries, else the image's ENTRYPOINT and
 * CMD in force, through tini/dumb-init/exec, and the package.json script a serving `npm start` runs):
 *   - `gunicorn -D` / `--daemon`;
 *   - `uwsgi --daemonize <log>` / `--daemonize2`;
 *   - `pm2 start` (also restart/reload/startOrRestart) without `--no-daemon`: pm2 hands the app to
 *     its daemon and returns. `pm2-runtime` is pm2's foreground command for containers.
 * The same from the config the server reads (the repo model's Service.daemonConfig: gunicorn.conf.py
 * `daemon = True`, uWSGI's `daemonize` in its ini or UWSGI_* variables). A command after the server
 * (`pm2 start app.js && pm2 logs`, `tail -f`) keeps the container up: not this finding. An
 * ENTRYPOINT script is not followed: no finding where not established.
 */
import type { Finding } from '../../findings/finding.js';
import type { Service } from '../../repo/model.js';
import { instructionWords, startCommands } from '../../dockerfile/shell.js';
import { composeCommand, finding, lastInForce, serviceImage, type CheckContext } from '../context.js';
import { startScriptsOf } from '../start-scripts.js';

const programOf = (word: string) => word.slice(word.lastIndexOf('/') + 1);
const INITS = new Set(['tini', 'dumb-init', 'exec']);
const PM2_STARTS = new Set(['start', 'restart', 'reload', 'startOrRestart', 'startOrReload', 'startOrGracefulReload']);

/** The server command under an init or `exec` (`tini -g -- gunicorn …` -> `gunicorn …`). */
function underInit(words: string[]): string[] {
  let i = 0;
  while (i < words.length && INITS.has(programOf(words[i] as string))) {
    i++;
    while (i < words.length && (words[i] as string).startsWith('-')) if (words[i++] === '--') break;
  }
  return words.slice(i);
}

/** How a command detaches its server (by its flags, or by the config the service's server reads), or null when it stays in the foreground. */
export function detaches(command: string[], config?: Service['daemonConfig']): { how: string; fix: string } | null {
  const [first, ...args] = underInit(command);
  const program = programOf(first ?? '');
  const flag = (...names: string[]) => args.find((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
  const configured = (server: 'gunicorn' | 'uwsgi') => (config?.server === server ? `${server} (${config.file}:${config.line} sets ${config.option})` : null);
  if (program === 'gunicorn' && flag('-D', '--daemon')) return { how: `gunicorn ${flag('-D', '--daemon')}`, fix: 'drop --daemon: gunicorn then stays in the foreground as the container process' };
  if (program === 'gunicorn' && configured('gunicorn')) return { how: configured('gunicorn') as string, fix: 'remove `daemon = True`: gunicorn then stays in the foreground as the container process' };
  const uwsgi = /^uwsgi(?:_python3?)?$/.test(program);
  if (uwsgi && flag('--daemonize', '--daemonize2')) return { how: `uwsgi ${flag('--daemonize', '--daemonize2')?.split('=')[0]}`, fix: 'drop --daemonize and log with --logto (or to stdout)' };
  if (uwsgi && configured('uwsgi')) return { how: configured('uwsgi') as string, fix: 'remove daemonize and log with logto (or to stdout)' };
  if (program === 'pm2' && PM2_STARTS.has(args.find((a) => !a.startsWith('-')) ?? '') && !flag('--no-daemon'))
    return { how: `pm2 ${args.find((a) => !a.startsWith('-'))}`, fix: 'start it with pm2-runtime (pm2\'s foreground command for containers), or add --no-daemon' };
  return null;
}

/** What the container runs: the compose command, else the image's ENTRYPOINT with its CMD (exec form) or alone (shell form), else its CMD. */
function containerCommand(ctx: CheckContext, service: Service): { text: string; file: string; line: number } | null {
  const compose = composeCommand(service);
  if (compose) return { text: compose.value, file: compose.file, line: compose.line };
  const image = serviceImage(ctx.repo, service);
  if (!image || !service.dockerfile) return null;
  const entrypoint = lastInForce(image.parsed, image.stage, 'ENTRYPOINT');
  const cmd = lastInForce(image.parsed, image.stage, 'CMD');
  const at = (ins: { line: number }) => ({ file: service.dockerfile as string, line: ins.line });
  if (entrypoint && cmd) {
    const e = instructionWords(image.parsed, entrypoint);
    const c = instructionWords(image.parsed, cmd);
    if (e.json && c.json) return { text: JSON.stringify([...e.words, ...c.words].map((w) => w.value)), ...at(cmd) };
  }
  const ins = entrypoint ?? cmd;
  return ins ? { text: ins.args, ...at(ins) } : null;
}

export function detachedStart(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if ((service.role !== 'http' && service.role !== 'worker') || service.runsToCompletion) continue;
    const starts: { text: string; file: string; line: number; said: string }[] = [];
    const container = containerCommand(ctx, service);
    if (container) starts.push({ ...container, said: 'the start command' });
    for (const run of startScriptsOf(ctx, service).filter((r) => r.serves)) starts.push({ text: run.body, file: run.file, line: run.line, said: run.said });
    for (const start of starts) {
      const last = startCommands(start.text).at(-1);
      const detached = last ? detaches(last.words, service.daemonConfig) : null;
      if (!detached) continue;
      findings.push(
        finding(ctx, 'ECS422', {
          service: service.name,
          file: start.file,
          line: start.line,
          message: `${start.said} ends with \`${detached.how}\`, which puts the server in the background and returns: nothing stays in the foreground, so the container exits right after it starts and ECS replaces the task again and again; ${detached.fix}`,
        }),
      );
    }
  }
  return findings;
}
