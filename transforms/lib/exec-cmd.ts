/**
 * `exec` in front of a shell-form server CMD: Docker runs it as `/bin/sh -c "<command>"`, and dash
 * (Debian's /bin/sh) does not exec the last command, so PID 1 is the shell, which does not pass
 * SIGTERM on: every ECS stop waits for the stopTimeout and ends in SIGKILL. `CMD exec <command>`
 * keeps the shell form (and its `${PORT}` expansion) and makes the server PID 1, as the exec form
 * dockerfile-port-env writes (`["sh", "-c", "exec …"]`) does.
 */
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../../src/repo/dockerfile.js';
import { replaceRange, type TextEdit } from '../../src/edits.js';
import { instructionWords, lastShellCommand, type ShellWord } from '../../src/dockerfile/shell.js';

/** First words that are not a program the shell can exec into: shell keywords, builtins, shells, assignments. */
const NOT_EXECABLE = /^(?:exec|if|for|while|until|case|cd|export|set|source|\.|eval|trap|ulimit|umask|\{|!|(?:\/usr)?(?:\/bin\/)?(?:sh|bash|ash|dash|zsh)|[A-Za-z_][A-Za-z0-9_]*=.*)$/;

/** The edit that puts `exec ` before the command the deployed stage's shell-form CMD runs last (`cd /app && exec gunicorn …`), with its line; null when the CMD is not one it can safely prefix. */
export function execShellCmd(parsed: ParsedDockerfile, stage: DockerStage, inForce: DockerInstruction[]): { edit: TextEdit; line: number; program: string } | null {
  if (!stage.tools.includes('sh')) return null;
  const cmd = inForce.filter((i) => i.keyword === 'CMD').pop();
  if (!cmd || cmd.stageIndex !== stage.index) return null;
  // A shell-form ENTRYPOINT ignores the CMD.
  const entrypoint = inForce.filter((i) => i.keyword === 'ENTRYPOINT').pop();
  if (entrypoint && !entrypoint.args.trimStart().startsWith('[')) return null;
  const words = lastShellCommand(parsed, cmd) ?? shellStringCommand(parsed, cmd);
  const first = words?.[0];
  if (!first || NOT_EXECABLE.test(first.value)) return null;
  return { edit: replaceRange(first.start, first.start, 'exec '), line: cmd.line, program: first.value };
}

/**
 * The last command of an exec-form `["sh", "-c", "a && b"]` CMD (the same PID 1 problem: the shell
 * stays PID 1), as words at their offsets inside the JSON string. Only a plain `&&` chain of words
 * with no quotes, escapes or other operators: anything else is left alone.
 */
function shellStringCommand(parsed: ParsedDockerfile, cmd: DockerInstruction): ShellWord[] | null {
  const { words, json } = instructionWords(parsed, cmd);
  const [shell, flag, script, ...rest] = words;
  if (!json || !shell || !script || rest.length || flag?.value !== '-c' || !/^(?:\/bin\/)?(?:ba|da)?sh$/.test(shell.value)) return null;
  if (/["'\\`();|<>]|\|\||(?<!&)&(?!&)|\n/.test(script.value)) return null;
  const chained = script.value.lastIndexOf('&&');
  const lastStart = chained < 0 ? 0 : chained + 2;
  const at = lastStart + (/^\s*/.exec(script.value.slice(lastStart))?.[0].length ?? 0);
  const program = /^[^\s]+/.exec(script.value.slice(at))?.[0];
  // +1: the opening quote of the JSON string; the value has no escapes, so its offsets are the file's.
  return program ? [{ value: program, start: script.start + 1 + at, end: script.start + 1 + at + program.length, dynamic: false }] : null;
}
