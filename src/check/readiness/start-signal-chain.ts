/**
 * ECS140 beyond the image's own CMD (review6 R21): the server is started by a shell that stays
 * between it and the signal. The shapes:
 *
 * - The package.json script the start command runs (`CMD ["npm", "run", "start:prod"]` with
 *   `"start:prod": "prisma migrate deploy && node dist/main"`), on a Debian-based image. npm runs a
 *   script as `sh -c "<script>"`; Debian's /bin/sh (dash) does not exec the last command of a list,
 *   so node is that shell's child. npm forwards SIGTERM to the shell, which does not pass it on; when
 *   the shell dies npm (PID 1) exits and the kernel kills node with SIGKILL: its shutdown never
 *   runs. `exec` before the server in the script fixes it (`… && exec node dist/main`).
 * - The same script when it is a single command (`"start": "node dist/main.js"` run by
 *   `CMD ["npm", "start"]`) on a Debian-based image: dash does not exec even a single command of
 *   `sh -c`, so the same shell stays between them (seen with npm 10 and 11, pnpm 9 and yarn 1 on
 *   Debian's dash 0.5.12: node got no SIGTERM and outlived the package manager).
 *   Both script shapes only where the /bin/sh is established to be dash (dashBase): busybox ash, the
 *   alpine images' /bin/sh, execs a single command and the last command of an `&&` or `;` list of
 *   `sh -c` (busybox 1.35: `sh -c 'true && sleep 3'` becomes sleep; dash 0.5.12 keeps the shell as
 *   sleep's parent), and another base's shell is not established. Nor where yarn 2+ runs scripts in
 *   its own shell, an `.npmrc` `script-shell` names another shell, or an init signals the whole
 *   process group (dumb-init, `tini -g`), which reaches node anyway: no finding.
 * - The ENTRYPOINT shell script that starts the server (or `"$@"`) as its last command without
 *   `exec` and sets no trap: the script's shell is PID 1 and does not pass SIGTERM on (a script
 *   file, unlike `sh -c`, is not exec'd into by busybox ash either).
 *
 * Not a list or a script whose earlier command put the server in the background (`pm2 start
 * dist/index.js && pm2 logs`, `gunicorn --daemon`: src/repo/detaches.ts): its last command is not
 * the server, `exec pm2 logs` would not help, and ECS422 reports that shape.
 *
 * No automatic fix: a reported note with the line (the script's text is the user's).
 */
import { posix } from 'node:path';
import type { Finding } from '../../findings/finding.js';
import type { Service } from '../../repo/model.js';
import type { StartScriptRun } from '../../repo/processCwd.js';
import { shellCommands, startCommands } from '../../dockerfile/shell.js';
import { detachedBefore } from '../../repo/detaches.js';
import { finding, serviceImage, type CheckContext } from '../context.js';
import { startScriptsOf } from '../start-scripts.js';
import { entrypointScript } from './dev-server-command.js';

/** Last commands that are not the server a shell could exec into: control flow, builtins, a wait. */
const NOT_A_PROCESS = /^(?:fi|done|esac|\}|\)|exit|return|wait|true|false|:|echo|printf|set|export|cd|trap|sleep|then|else|do)\b/;

export function startSignalChain(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if (service.role !== 'http' && service.role !== 'worker') continue;
    const dash = dashBase(ctx, service);
    for (const run of startScriptsOf(ctx, service).filter((r) => r.serves)) {
      // Only where the shell that runs the script is established to be dash and nothing else signals node.
      if (!dash || run.groupSignalled || !runsThroughSh(ctx, run)) continue;
      const single = singleCommand(run.body);
      const last = single ? null : listEnd(run.body, service);
      const at = { service: service.name, file: run.file, line: run.line };
      if (single)
        findings.push(
          finding(ctx, 'ECS140', {
            ...at,
            message: `${run.said} starts \`${single.words.join(' ')}\`: the package manager runs the script with /bin/sh -c, and the /bin/sh of ${dash} is dash, which does not exec even a single command, so the shell stays between the package manager and ${single.program}; SIGTERM reaches the shell, not ${single.program}, and when the shell exits ${single.program} is SIGKILLed without its shutdown. Write \`exec ${single.words[0] === single.program ? '' : 'env '}${single.words.join(' ')}\` in the script, or start ${single.program} directly in the CMD`,
          }),
        );
      if (last)
        findings.push(
          finding(ctx, 'ECS140', {
            ...at,
            message: `${run.said} starts \`${last.join(' ')}\` as the last command of a list: the package manager runs the script with /bin/sh -c, and the /bin/sh of ${dash} is dash, which does not exec it, so the shell stays between the package manager and ${last[0]}; SIGTERM reaches the shell, not ${last[0]}, and when the shell exits ${last[0]} is SIGKILLed without its shutdown. Write \`exec ${last.join(' ')}\` in the script`,
          }),
        );
    }
    const image = serviceImage(ctx.repo, service);
    const script = image && service.compose?.entrypoint === undefined ? entrypointScript(ctx, service, image) : null;
    const last = script ? lastCommand(script.text) : null;
    // A command before it that detached the server: ECS422 (exec would not help).
    if (script && last && !detachedBefore(startCommands(script.text).map((c) => c.words), service.daemonConfig))
      findings.push(
        finding(ctx, 'ECS140', {
          service: service.name,
          file: script.path,
          line: last.line,
          message: `the entrypoint script starts \`${last.text}\` without exec and sets no trap: the shell running the script stays PID 1 and does not pass the SIGTERM of an ECS stop on, so every stop waits for the stop timeout and ends in SIGKILL. Write \`exec ${last.text}\``,
        }),
      );
  }
  return findings;
}

/** The deployed stage's base image when it is Debian-based (its /bin/sh is dash), else null. */
function dashBase(ctx: CheckContext, service: Service): string | null {
  const base = serviceImage(ctx.repo, service)?.stage.base;
  return base?.distro === 'debian' ? base.reference : null;
}

/**
 * Whether the package manager that runs the script does it with `/bin/sh -c`: npm, pnpm and yarn 1
 * do unless an `.npmrc` names a `script-shell`; yarn 2+ (a `.yarnrc.yml`) runs its own shell.
 */
function runsThroughSh(ctx: CheckContext, run: StartScriptRun): boolean {
  const pm = (run.command.replace(/^`/, '').split(/\s+/)[0] ?? '').replace(/^.*\//, '');
  if (pm !== 'npm' && pm !== 'pnpm' && pm !== 'yarn') return false;
  if (pm === 'yarn' && ctx.read('.yarnrc.yml') !== null) return false;
  const dir = posix.dirname(run.file);
  return ![...new Set(['.npmrc', posix.join(dir, '.npmrc')])].some((f) => /^\s*script-shell\s*=/m.test(ctx.read(f) ?? ''));
}

/** A script that is one simple command starting a process, without exec: its words and the program; null otherwise. */
function singleCommand(body: string): { words: string[]; program: string } | null {
  if (/[|&;<>()`]|\$\(/.test(body)) return null;
  const commands = shellCommands(body);
  const only = commands[0];
  if (commands.length !== 1 || !only || /^\s*exec\s/.test(body)) return null;
  const words = only.words.map((w) => w.value);
  // `NODE_ENV=production node dist/main` is still one command the shell runs as its child.
  const program = words.find((w) => !/^[A-Za-z_]\w*=/.test(w));
  return program && !NOT_A_PROCESS.test(program) ? { words, program } : null;
}

/**
 * The last command of a list (`a && b`, `a; b`) written without exec, as words: null for a single
 * command, a pipeline or a background job (which process gets the signal is then another question),
 * and a last word that is not a process.
 */
function listEnd(body: string, service: Service): string[] | null {
  if (/(?:^|[^|])\|(?!\|)|(?:^|[^&])&(?!&)/.test(body.replace(/\|\||&&|[0-9]?>&[0-9]/g, ' '))) return null;
  const commands = shellCommands(body);
  const last = commands.at(-1);
  if (commands.length < 2 || !last) return null;
  // A command before it that put the server in the background: the last one is not the server (ECS422).
  if (detachedBefore(commands.map((c) => c.words.map((w) => w.value)), service.daemonConfig)) return null;
  // shellCommands drops the `exec` in front of a command: look at what is written before it.
  if (/\bexec\s+$/.test(body.slice(0, last.start))) return null;
  const words = last.words.map((w) => w.value);
  return words.length && !NOT_A_PROCESS.test(words[0] ?? '') ? words : null;
}

/** The script's last command, when it is a process started without exec in a script that has no exec and no trap. */
export function lastCommand(text: string): { text: string; line: number } | null {
  const lines = text.split('\n').map((t, i) => ({ text: t.trim(), line: i + 1 })).filter((l) => l.text && !l.text.startsWith('#'));
  if (lines.some((l) => /(?:^|[;&|]\s*)(?:exec|trap)\s/.test(l.text))) return null;
  const last = lines.at(-1);
  if (!last || /\\$/.test(last.text) || NOT_A_PROCESS.test(last.text) || /[;&|]/.test(last.text)) return null;
  // Inside an if/case/loop/function, whether it runs last is not established.
  if (lines.some((l) => /^(?:if|case|for|while|until)\b|\(\)\s*\{?$/.test(l.text))) return null;
  return { text: last.text, line: last.line };
}
