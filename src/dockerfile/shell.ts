/**
 * The one shell lexer: the commands of a RUN instruction (and the words of any instruction), as
 * words with offsets into the Dockerfile text, so a transform can rewrite one word (`pnpm@latest`,
 * `install`) without re-printing the line, and the model can read what a RUN does. Handles line
 * continuations (with the file's escape character), comment lines inside a continued RUN, quoting,
 * `&&` / `||` / `;` / `|` chains, leading `VAR=value` assignments and wrappers such as `sudo` /
 * `env`, `RUN --mount=...` flags and the exec form `RUN ["npm", "ci"]`.
 */
import { posix } from 'node:path';
import type { DockerInstruction, ParsedDockerfile } from '../repo/dockerfile.js';

export interface ShellWord {
  /** The word as the shell sees it (quotes removed, continuations joined). */
  value: string;
  /** Offsets of the raw word in the Dockerfile text (quotes included). */
  start: number;
  end: number;
  /** Contains a `$` expansion outside single quotes. */
  dynamic: boolean;
}

export interface ShellCommand {
  words: ShellWord[];
  /** Offset of the first word (after assignments and wrappers). */
  start: number;
}

const WRAPPERS = new Set(['sudo', 'env', 'exec', 'command', 'time', 'nohup', 'then', 'do', 'else', '!', '{']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Where an instruction's arguments start, and whether they are a JSON (exec form) array there. */
function argumentsStart(parsed: ParsedDockerfile, ins: DockerInstruction): { start: number; json: boolean } {
  const bodyStart = ins.start + ins.keyword.length;
  const body = parsed.text.slice(bodyStart, ins.end);
  const trimmed = body.trimStart();
  return trimmed.startsWith('[') ? { start: bodyStart + (body.length - trimmed.length), json: true } : { start: bodyStart, json: false };
}

/** The commands a RUN instruction runs, in order. Empty for anything but RUN. */
export function runCommands(parsed: ParsedDockerfile, ins: DockerInstruction): ShellCommand[] {
  if (ins.keyword !== 'RUN') return [];
  const { start, json } = argumentsStart(parsed, ins);
  if (json) return execForm(parsed.text, start, ins.end);
  return finish(splitAt(lexShell(parsed.text, start, ins.end, parsed.escape), () => true));
}

/** One step of a RUN: a command of its `&&` / `||` / `;` list (a pipeline stays one step). */
export interface RunStep {
  /** The step as written, line continuations joined (as Docker passes it to the shell). */
  text: string;
  /** Its words, assignments and wrappers included. */
  words: ShellWord[];
}

const LIST_OPERATORS = new Set(['&&', '||', ';', ';;', '&', '\n']);

/** The steps of a RUN, in order; the exec form is one step. Empty for anything but RUN. */
export function runSteps(parsed: ParsedDockerfile, ins: DockerInstruction): RunStep[] {
  if (ins.keyword !== 'RUN') return [];
  const text = parsed.text;
  const { start, json } = argumentsStart(parsed, ins);
  if (json) {
    const words = jsonWords(text, start, ins.end) ?? [];
    return words.length ? [{ text: words.map((w) => w.value).join(' '), words }] : [];
  }
  const escape = parsed.escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  const continuation = new RegExp(`${escape}[ \\t]*\\r?\\n(?:[ \\t]*(?:#[^\\n]*)?\\n)*`, 'g');
  return splitAt(lexShell(text, start, ins.end, parsed.escape), (op) => LIST_OPERATORS.has(op))
    .map((group) => group.filter((t): t is ShellWord => 'value' in t))
    .filter((words) => words.length > 0)
    .map((words) => ({ text: text.slice((words[0] as ShellWord).start, (words[words.length - 1] as ShellWord).end).replace(continuation, '').trim(), words }));
}

/**
 * The words of the command a shell-form CMD/ENTRYPOINT runs last, when it is a simple command or an
 * `&&` list (`cd /app && gunicorn …`): no `;`, `||`, pipe, subshell or background operator, so
 * `exec` before that command replaces the shell only once everything before it succeeded. Null for
 * anything else; an exec-form `["sh", "-c", "<script>"]` is read through its script.
 */
export function lastShellCommand(parsed: ParsedDockerfile, ins: DockerInstruction): ShellWord[] | null {
  const { start, json } = argumentsStart(parsed, ins);
  const range = json ? shellStringRange(parsed, ins) : { start, end: ins.end };
  if (!range) return null;
  const tokens = lexShell(parsed.text, range.start, range.end, parsed.escape, false);
  if (tokens.some((t) => 'op' in t && t.op !== '&&')) return null;
  const last = splitAt(tokens, (op) => op === '&&').pop() ?? [];
  const words = last.filter((t): t is ShellWord => 'value' in t);
  return words.length > 0 ? words : null;
}

/**
 * The script of an exec-form `["sh", "-c", "<script>"]` as a range of the file, so it lexes like a
 * shell-form line: only when its JSON string has no escapes (its text is then the script itself).
 */
function shellStringRange(parsed: ParsedDockerfile, ins: DockerInstruction): { start: number; end: number } | null {
  const [shell, flag, script, ...rest] = instructionWords(parsed, ins).words;
  if (!shell || !script || rest.length || flag?.value !== '-c' || !/^(?:\/bin\/)?(?:ba|da)?sh$/.test(shell.value)) return null;
  return parsed.text.slice(script.start, script.end).includes('\\') ? null : { start: script.start + 1, end: script.end - 1 };
}

/** Every word of an instruction's arguments (flags included), e.g. the sources and destination of a COPY. */
export function instructionWords(parsed: ParsedDockerfile, ins: DockerInstruction): { words: ShellWord[]; json: boolean } {
  const text = parsed.text;
  const { start, json } = argumentsStart(parsed, ins);
  if (json) return { words: jsonWords(text, start, ins.end) ?? [], json: true };
  const flags: ShellWord[] = [];
  const rest = lexShell(text, start, ins.end, parsed.escape, false).filter((t): t is ShellWord => 'value' in t);
  // `COPY --chown=a:b ["x", "y"]`: flags, then the JSON form.
  const firstPlain = rest.findIndex((w) => !w.value.startsWith('--'));
  const open = firstPlain >= 0 ? (rest[firstPlain] as ShellWord) : null;
  if (open && text[open.start] === '[') {
    for (const w of rest.slice(0, firstPlain)) flags.push(w);
    return { words: [...flags, ...(jsonWords(text, open.start, ins.end) ?? [])], json: true };
  }
  return { words: rest, json: false };
}

function jsonWords(text: string, from: number, to: number): ShellWord[] | null {
  const words: ShellWord[] = [];
  const slice = text.slice(from, to);
  for (const m of slice.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    let value: string;
    try {
      value = JSON.parse(m[0]) as string;
    } catch {
      return null;
    }
    words.push({ value, start: from + (m.index ?? 0), end: from + (m.index ?? 0) + m[0].length, dynamic: false });
  }
  return words;
}

function execForm(text: string, from: number, to: number): ShellCommand[] {
  const words = jsonWords(text, from, to);
  // `["sh", "-c", "..."]` runs a shell string: not looked into.
  if (!words || words.length === 0 || /^(?:\/bin\/)?(?:ba|da)?sh$/.test(words[0]?.value ?? '')) return [];
  return [{ words, start: words[0]?.start ?? from }];
}

type Token = ShellWord | { op: string };

/** The words and operators of a stretch of shell text; `runFlags` drops a RUN's leading `--mount=...` flags. */
function lexShell(text: string, from: number, to: number, escape: string, runFlags = true): Token[] {
  const tokens: Token[] = [];
  let i = from;
  let word: ShellWord | null = null;
  const flush = () => {
    if (word) tokens.push(word);
    word = null;
  };
  const begin = () => {
    if (!word) word = { value: '', start: i, end: i, dynamic: false };
    return word;
  };
  // Skips a line continuation at i (escape + newline) and the comment lines Docker drops after it.
  const continuation = (): boolean => {
    if (text[i] !== escape) return false;
    const nl = /^[ \t]*\r?\n/.exec(text.slice(i + 1, i + 1 + 64));
    if (!nl) return false;
    i += 1 + nl[0].length;
    for (;;) {
      const line = /^[ \t]*#[^\n]*\n/.exec(text.slice(i, to + 1)) ?? /^[ \t]*\n/.exec(text.slice(i, to + 1));
      if (!line || i + line[0].length > to + 1) break;
      i += line[0].length;
    }
    return true;
  };
  let atRunFlags = runFlags;
  while (i < to) {
    const c = text[i] ?? '';
    if (continuation()) {
      if (word) (word as ShellWord).end = i;
      flush();
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      flush();
      i++;
      continue;
    }
    if (c === '\n') {
      flush();
      tokens.push({ op: '\n' });
      i++;
      continue;
    }
    if (!word && c === '#' && runFlags) break; // a shell comment runs to the end of the joined line
    const two = text.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === ';;') {
      flush();
      tokens.push({ op: two });
      i += 2;
      continue;
    }
    if (c === ';' || c === '|' || c === '&' || c === '(' || c === ')' || (c === '}' && !word)) {
      flush();
      tokens.push({ op: c });
      i++;
      continue;
    }
    const w = begin();
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const end = close < 0 || close > to ? to : close;
      w.value += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < to && text[i] !== '"') {
        if (continuation()) continue;
        if (text[i] === '\\' && i + 1 < to && '"\\$`'.includes(text[i + 1] ?? '')) {
          w.value += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === '$') w.dynamic = true;
        w.value += text[i];
        i++;
      }
      i++;
    } else if (c === '\\') {
      w.value += text[i + 1] ?? '';
      i += 2;
    } else if (two === '$(') {
      // A command substitution is part of the word it is in (`-t app:$(git rev-parse HEAD)`).
      const close = closingParen(text, i + 1, to);
      w.value += text.slice(i, close);
      w.dynamic = true;
      i = close;
    } else {
      if (c === '$') w.dynamic = true;
      w.value += c;
      i++;
    }
    w.end = Math.min(i, to);
  }
  flush();
  // `RUN --mount=type=cache,... --network=none cmd`: the flags belong to Docker, not the shell.
  const out: Token[] = [];
  for (const t of tokens) {
    if (atRunFlags && 'value' in t && t.value.startsWith('--')) continue;
    atRunFlags = false;
    out.push(t);
  }
  return out;
}

/** Just after the `)` that closes the `(` at `open` (nested parentheses counted), or `to`. */
function closingParen(text: string, open: number, to: number): number {
  let depth = 0;
  for (let k = open; k < to; k++) {
    if (text[k] === '(') depth++;
    else if (text[k] === ')' && --depth === 0) return k + 1;
  }
  return to;
}

/**
 * The commands of a stretch of shell script outside a Dockerfile (a build script's line, a CI
 * `run:`), backslash continuations joined; a comment ends the stretch.
 */
export function shellCommands(text: string, from = 0, to = text.length): ShellCommand[] {
  return finish(splitAt(lexShell(text, from, to, '\\'), () => true));
}

/**
 * A shell script's lines as the shell reads them, numbered from 1 by the line each starts on:
 * backslash continuations joined, blank and comment lines and heredoc bodies left out.
 */
export function scriptLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let joined = lines[i] ?? '';
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) joined = joined.replace(/\\\s*$/, ' ') + lines[++i];
    if (/^\s*(?:#|$)/.test(joined)) continue;
    out.push({ text: joined, line });
    const heredoc = /<<-?\s*['"]?(\w+)['"]?/.exec(joined);
    if (heredoc) {
      const end = lines.findIndex((l, k) => k > i && l.trim() === heredoc[1]);
      i = end < 0 ? lines.length : end;
    }
  }
  return out;
}

/**
 * The commands of a start command written outside a Dockerfile instruction (an image CMD as text, a
 * compose command, a package script, an entrypoint script): an exec-form array (`["gunicorn", "-b",
 * ":8000"]`) is one command, anything else is read as a script, and the string of a `sh -c` (in
 * either) as the script it runs. `line` is the line of the text each command is on.
 */
export function startCommands(text: string): { words: string[]; line: number }[] {
  const trimmed = text.trim();
  const argv = trimmed.startsWith('[') ? jsonWords(trimmed, 0, trimmed.length) : null;
  const commands = argv?.length
    ? [{ words: argv.map((w) => w.value), line: 1 }]
    : scriptLines(text).flatMap(({ text: line, line: n }) => shellCommands(line).map((c) => ({ words: c.words.map((w) => w.value), line: n })));
  return commands.flatMap((c) => {
    const script = /^(?:\/bin\/)?(?:ba|da)?sh$/.test(c.words[0] ?? '') && c.words[1] === '-c' ? c.words[2] : undefined;
    return script === undefined ? [c] : startCommands(script).map((inner) => ({ ...inner, line: c.line + inner.line - 1 }));
  });
}

/** Groups tokens into commands at the operators `splits` says end one. */
function splitAt(tokens: Token[], splits: (op: string) => boolean): Token[][] {
  const commands: Token[][] = [[]];
  for (const t of tokens) {
    if ('op' in t && splits(t.op)) commands.push([]);
    else commands[commands.length - 1]?.push(t);
  }
  return commands;
}

function finish(groups: Token[][]): ShellCommand[] {
  const commands: ShellCommand[] = [];
  for (const group of groups) {
    const words = group.filter((t): t is ShellWord => 'value' in t);
    let k = 0;
    while (k < words.length) {
      const w = words[k] as ShellWord;
      if (ASSIGNMENT.test(w.value) || WRAPPERS.has(w.value)) k++;
      else if (k > 0 && words[k - 1]?.value === 'env' && w.value.startsWith('-')) k++;
      else break;
    }
    const rest = words.slice(k);
    if (rest.length) commands.push({ words: rest, start: (rest[0] as ShellWord).start });
  }
  return commands;
}

/** The program a command runs, without its directory (`/usr/local/bin/npm` -> `npm`). */
export function program(command: ShellCommand): string {
  return posix.basename(command.words[0]?.value ?? '');
}

/**
 * The subcommand of a CLI such as npm or pnpm: the first word that is neither a flag nor the value
 * of a flag that takes one. Returns its index, or -1.
 */
export function subcommandIndex(command: ShellCommand, valueFlags: ReadonlySet<string>): number {
  const words = command.words;
  for (let k = 1; k < words.length; k++) {
    const v = (words[k] as ShellWord).value;
    if (v.startsWith('-')) {
      if (!v.includes('=') && valueFlags.has(v)) k++;
      continue;
    }
    return k;
  }
  return -1;
}

/** Positional arguments after index `from`, skipping flags and the values of flags that take one. */
export function positionals(command: ShellCommand, from: number, valueFlags: ReadonlySet<string>): ShellWord[] {
  const out: ShellWord[] = [];
  const words = command.words;
  for (let k = from; k < words.length; k++) {
    const w = words[k] as ShellWord;
    if (w.value.startsWith('-')) {
      if (!w.value.includes('=') && valueFlags.has(w.value)) k++;
      continue;
    }
    out.push(w);
  }
  return out;
}

export function hasFlag(command: ShellCommand, ...flags: string[]): ShellWord | undefined {
  return command.words.find((w) => flags.some((f) => w.value === f || w.value.startsWith(f + '=')));
}

/** The value of `--flag value` / `--flag=value`, if given. */
export function flagValue(command: ShellCommand, ...flags: string[]): string | undefined {
  const words = command.words;
  for (let k = 0; k < words.length; k++) {
    const v = (words[k] as ShellWord).value;
    for (const f of flags) {
      if (v === f) return words[k + 1]?.value;
      if (v.startsWith(f + '=')) return v.slice(f.length + 1);
    }
  }
  return undefined;
}
