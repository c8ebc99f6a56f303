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
 * `daemon = True`, uWSGI's `daemonize` in its ini or UWSGI_* variables). What detaches is
 * src/repo/detaches.ts.
 *
 * A command after the detaching one (`pm2 start dist/index.js && pm2 logs`, `… && tail -f log`) is
 * the container's foreground process instead of the server: the container lives as long as it runs,
 * but the SIGTERM of an ECS stop reaches it, not the server, which is SIGKILLed without its shutdown
 * when the container exits. Also ECS422, at warning (the task may run; every stop is a kill): the
 * fix is the same, run the server in the foreground (`pm2-runtime start dist/index.js`), and
 * `exec pm2 logs`, what ECS140 says for the last command of a list, would not help, so ECS140 leaves
 * that shape to this rule (chosen over a corrected ECS140: the cause is the detach, and this rule
 * already reads every place the start command is written). That shape is read from the same places
 * and from an ENTRYPOINT script ECS140 would otherwise report (its last command without exec, no
 * trap, no control flow); the plain shape is not read from an ENTRYPOINT script: no finding where
 * not established.
 */
import type { Finding } from '../../findings/finding.js';
import type { Service } from '../../repo/model.js';
import { detachedBefore, detaches } from '../../repo/detaches.js';
import { instructionWords, startCommands } from '../../dockerfile/shell.js';
import { composeCommand, finding, lastInForce, serviceImage, type CheckContext } from '../context.js';
import { startScriptsOf } from '../start-scripts.js';
import { entrypointScript } from './dev-server-command.js';
import { lastCommand } from './start-signal-chain.js';

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

/** How a service's start detaches its server: `exits` (the last command does; the container exits at start) or `unsignalled` (a command before the last one does). */
export interface Detachment {
  kind: 'exits' | 'unsignalled';
  file: string;
  line: number;
  said: string;
  how: string;
  fix: string;
  /** The foreground command after the detaching one (`unsignalled`). */
  last?: string[];
}

/** Every start of a service that detaches its server (read by ECS422 and by the ECS excerpt's notes). */
export function detachments(ctx: CheckContext, service: Service): Detachment[] {
  if ((service.role !== 'http' && service.role !== 'worker') || service.runsToCompletion) return [];
  return startsOf(ctx, service).flatMap((start): Detachment[] => {
    const commands = startCommands(start.text).map((c) => c.words);
    const last = commands.at(-1);
    const where = { file: start.file, line: start.line, said: start.said };
    const detached = last && !start.followOnly ? detaches(last, service.daemonConfig) : null;
    if (detached) return [{ kind: 'exits', ...where, ...detached }];
    const before = detachedBefore(commands, service.daemonConfig);
    return before ? [{ kind: 'unsignalled', ...where, ...before }] : [];
  });
}

export function detachedStart(ctx: CheckContext): Finding[] {
  return ctx.repo.services.flatMap((service) =>
    detachments(ctx, service).map((d) => {
      const at = { service: service.name, file: d.file, line: d.line };
      if (d.kind === 'exits')
        return finding(ctx, 'ECS422', {
          ...at,
          message: `${d.said} ends with ${d.how}, which puts the server in the background and returns: nothing stays in the foreground, so the container exits right after it starts and ECS replaces the task again and again; ${d.fix}`,
        });
      const last = (d.last ?? []).join(' ');
      return finding(ctx, 'ECS422', {
        ...at,
        severity: 'warning',
        message: `${d.said} starts the server with ${d.how}, which puts it in the background, then runs \`${last}\`: that command, not the server, is what the container runs in the foreground, so the SIGTERM of an ECS stop reaches the container's main process (\`${last}\`, or the /bin/sh running it) and never the server, which is SIGKILLed without its shutdown when the container exits (\`exec\` before the last command does not change that); run the server in the foreground instead of both: ${d.fix}`,
      });
    }),
  );
}

/** Where the service's start command is written: what the container runs, the serving package scripts, and an ENTRYPOINT script (for the shape after a detaching command only). */
export function startsOf(ctx: CheckContext, service: Service): { text: string; file: string; line: number; said: string; followOnly?: true }[] {
  const starts: { text: string; file: string; line: number; said: string; followOnly?: true }[] = [];
  const container = containerCommand(ctx, service);
  if (container) starts.push({ ...container, said: 'the start command' });
  for (const run of startScriptsOf(ctx, service).filter((r) => r.serves)) starts.push({ text: run.body, file: run.file, line: run.line, said: run.said });
  const image = serviceImage(ctx.repo, service);
  const script = image && service.compose?.entrypoint === undefined ? entrypointScript(ctx, service, image) : null;
  const last = script ? lastCommand(script.text) : null;
  if (script && last) starts.push({ text: script.text, file: script.path, line: last.line, said: 'the entrypoint script', followOnly: true });
  return starts;
}
