/**
 * ECS140 beyond the image's own CMD (review6 R21): the server is started by a shell that stays
 * between it and the signal. Two shapes:
 *
 * - The package.json script the start command runs (`CMD ["npm", "run", "start:prod"]` with
 *   `"start:prod": "prisma migrate deploy && node dist/main"`). npm runs a script as
 *   `sh -c "<script>"`; Debian's /bin/sh (dash) does not exec the last command of a list, so node
 *   is that shell's child. npm forwards SIGTERM to the shell, which does not pass it on; when the
 *   shell dies npm (PID 1) exits and the kernel kills node with SIGKILL: its shutdown never runs.
 *   `exec` before the server in the script fixes it (`… && exec node dist/main`).
 * - The ENTRYPOINT shell script that starts the server (or `"$@"`) as its last command without
 *   `exec` and sets no trap: the script's shell is PID 1 and does not pass SIGTERM on.
 *
 * No automatic fix: a reported note with the line (the script's text is the user's).
 */
import type { Finding } from '../../findings/finding.js';
import { shellCommands } from '../../dockerfile/shell.js';
import { finding, serviceImage, type CheckContext } from '../context.js';
import { startScriptsOf } from '../start-scripts.js';
import { entrypointScript } from './dev-server-command.js';

/** Last commands that are not the server a shell could exec into: control flow, builtins, a wait. */
const NOT_A_PROCESS = /^(?:fi|done|esac|\}|\)|exit|return|wait|true|false|:|echo|printf|set|export|cd|trap|sleep|then|else|do)\b/;

export function startSignalChain(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if (service.role !== 'http' && service.role !== 'worker') continue;
    for (const run of startScriptsOf(ctx, service).filter((r) => r.serves)) {
      const last = listEnd(run.body);
      if (!last) continue;
      findings.push(
        finding(ctx, 'ECS140', {
          service: service.name,
          file: run.file,
          line: run.line,
          message: `${run.said} starts \`${last.join(' ')}\` as the last command of a list: the package manager runs the script with /bin/sh -c, which does not exec it (dash), so the shell stays between the package manager and ${last[0]}; SIGTERM reaches the shell, not ${last[0]}, and when the shell exits ${last[0]} is SIGKILLed without its shutdown. Write \`exec ${last.join(' ')}\` in the script`,
        }),
      );
    }
    const image = serviceImage(ctx.repo, service);
    const script = image && service.compose?.entrypoint === undefined ? entrypointScript(ctx, service, image) : null;
    const last = script ? lastCommand(script.text) : null;
    if (script && last)
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

/**
 * The last command of a list (`a && b`, `a; b`) written without exec, as words: null for a single
 * command, a pipeline or a background job (which process gets the signal is then another question),
 * and a last word that is not a process.
 */
function listEnd(body: string): string[] | null {
  if (/(?:^|[^|])\|(?!\|)|(?:^|[^&])&(?!&)/.test(body.replace(/\|\||&&|[0-9]?>&[0-9]/g, ' '))) return null;
  const commands = shellCommands(body);
  const last = commands.at(-1);
  if (commands.length < 2 || !last) return null;
  // shellCommands drops the `exec` in front of a command: look at what is written before it.
  if (/\bexec\s+$/.test(body.slice(0, last.start))) return null;
  const words = last.words.map((w) => w.value);
  return words.length && !NOT_A_PROCESS.test(words[0] ?? '') ? words : null;
}

/** The script's last command, when it is a process started without exec in a script that has no exec and no trap. */
function lastCommand(text: string): { text: string; line: number } | null {
  const lines = text.split('\n').map((t, i) => ({ text: t.trim(), line: i + 1 })).filter((l) => l.text && !l.text.startsWith('#'));
  if (lines.some((l) => /(?:^|[;&|]\s*)(?:exec|trap)\s/.test(l.text))) return null;
  const last = lines.at(-1);
  if (!last || /\\$/.test(last.text) || NOT_A_PROCESS.test(last.text) || /[;&|]/.test(last.text)) return null;
  // Inside an if/case/loop/function, whether it runs last is not established.
  if (lines.some((l) => /^(?:if|case|for|while|until)\b|\(\)\s*\{?$/.test(l.text))) return null;
  return { text: last.text, line: last.line };
}
