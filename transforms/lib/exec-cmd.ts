/**
 * `exec` in front of a shell-form server CMD: Docker runs it as `/bin/sh -c "<command>"`, and dash
 * (Debian's and Ubuntu's /bin/sh) does not exec the last command, so PID 1 is the shell, which does not pass
 * SIGTERM on: every ECS stop waits for the stopTimeout and ends in SIGKILL. `CMD exec <command>`
 * keeps the shell form (and its `${PORT}` expansion) and makes the server PID 1, as the exec form
 * dockerfile-port-env writes (`["sh", "-c", "exec …"]`) does. Only on a base whose /bin/sh is
 * established to be dash (busybox ash, alpine's, execs the last command itself); `bash -c` does not
 * exec the last command of a list on any base.
 */
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../../src/repo/dockerfile.js';
import { replaceRange, type TextEdit } from '../../src/edits.js';
import { instructionWords, lastShellCommand, startCommands } from '../../src/dockerfile/shell.js';
import { detachedBefore, detaches } from '../../src/repo/detaches.js';
import type { Service } from '../../src/repo/model.js';

/** First words that are not a program the shell can exec into: shell keywords, builtins, shells, assignments. */
const NOT_EXECABLE = /^(?:exec|if|for|while|until|case|cd|export|set|source|\.|eval|trap|ulimit|umask|\{|!|(?:\/usr)?(?:\/bin\/)?(?:sh|bash|ash|dash|zsh)|[A-Za-z_][A-Za-z0-9_]*=.*)$/;

/**
 * The edit that puts `exec ` before the command the deployed stage's shell-form CMD (or exec-form
 * `["sh", "-c", "…"]`) runs last (`cd /app && exec gunicorn …`), with its line and, for the exec
 * form, the shell it names (`shell`, null for the shell form); null when the CMD is not one it can
 * safely prefix, or when the server goes to the background, in the last command or before it
 * (`gunicorn --daemon`, `pm2 start app.js && pm2 logs`, or its config's daemon setting: exec would
 * reach no server; check reports it as ECS422).
 */
export function execShellCmd(parsed: ParsedDockerfile, stage: DockerStage, inForce: DockerInstruction[], daemonConfig?: Service['daemonConfig']): { edit: TextEdit; line: number; program: string; shell: string | null } | null {
  if (!stage.tools.includes('sh')) return null;
  const cmd = inForce.filter((i) => i.keyword === 'CMD').pop();
  if (!cmd || cmd.stageIndex !== stage.index) return null;
  // A shell-form ENTRYPOINT ignores the CMD.
  const entrypoint = inForce.filter((i) => i.keyword === 'ENTRYPOINT').pop();
  if (entrypoint && !entrypoint.args.trimStart().startsWith('[')) return null;
  const words = lastShellCommand(parsed, cmd);
  const first = words?.[0];
  if (!first || NOT_EXECABLE.test(first.value)) return null;
  // The server goes to the background (by its flags or its config), before the last command or in it: exec reaches no server.
  const commands = startCommands(cmd.args).map((c) => c.words);
  if (detachedBefore(commands, daemonConfig) || detaches(commands.at(-1) ?? [], daemonConfig)) return null;
  const { words: cmdWords, json } = instructionWords(parsed, cmd);
  const shell = json ? (cmdWords[0]?.value ?? null) : null;
  // /bin/sh leaves the shell between only where it is dash (Debian, Ubuntu): busybox ash, alpine's
  // /bin/sh, already execs the last command of a list, so there `exec` would change nothing.
  if ((shell === null || /^(?:\/bin\/)?sh$/.test(shell)) && stage.base.distro !== 'debian') return null;
  return { edit: replaceRange(first.start, first.start, 'exec '), line: cmd.line, program: first.value, shell };
}
