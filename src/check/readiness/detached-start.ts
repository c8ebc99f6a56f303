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
import { instructionWords } from '../../dockerfile/shell.js';
import { lastCommandDetaches } from '../../repo/detachedStart.js';
import { composeCommand, finding, lastInForce, serviceImage, type CheckContext } from '../context.js';
import { startScriptsOf } from '../start-scripts.js';

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

/** The starts of a service (its container command, the package scripts it serves through) whose last command detaches the server. */
export function detachedStarts(ctx: CheckContext, service: Service): { file: string; line: number; said: string; how: string; fix: string }[] {
  if ((service.role !== 'http' && service.role !== 'worker') || service.runsToCompletion) return [];
  const starts: { text: string; file: string; line: number; said: string }[] = [];
  const container = containerCommand(ctx, service);
  if (container) starts.push({ ...container, said: 'the start command' });
  for (const run of startScriptsOf(ctx, service).filter((r) => r.serves)) starts.push({ text: run.body, file: run.file, line: run.line, said: run.said });
  return starts.flatMap(({ text, ...start }) => {
    const detached = lastCommandDetaches(text, service.daemonConfig);
    return detached ? [{ ...start, ...detached }] : [];
  });
}

export function detachedStart(ctx: CheckContext): Finding[] {
  return ctx.repo.services.flatMap((service) =>
    detachedStarts(ctx, service).map((start) =>
      finding(ctx, 'ECS422', {
        service: service.name,
        file: start.file,
        line: start.line,
        message: `${start.said} ends with \`${start.how}\`, which puts the server in the background and returns: nothing stays in the foreground, so the container exits right after it starts and ECS replaces the task again and again; ${start.fix}`,
      }),
    ),
  );
}
