/**
 * The shell commands of a RUN instruction, as words with offsets into the Dockerfile text, so a
 * transform can rewrite one word (`pnpm@latest`, `install`) without re-printing the line. Handles
 * line continuations (with the file's escape character), comment lines inside a continued RUN,
 * quoting, `&&` / `||` / `;` / `|` chains, leading `VAR=value` assignments and wrappers such as
 * `sudo` / `env`, `RUN --mount=...` flags and the exec form `RUN ["npm", "ci"]`.
 */
import { posix } from 'node:path';
import { effectiveInstructions, type DockerInstruction, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';

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

/** The commands a RUN instruction runs, in order. Empty for anything but RUN. */
export function runCommands(parsed: ParsedDockerfile, ins: DockerInstruction): ShellCommand[] {
  if (ins.keyword !== 'RUN') return [];
  const text = parsed.text;
  const bodyStart = ins.start + ins.keyword.length;
  const body = text.slice(bodyStart, ins.end);
  const trimmed = body.trimStart();
  if (trimmed.startsWith('[')) return execForm(text, bodyStart + (body.length - trimmed.length), ins.end);
  return finish(shellWords(text, bodyStart, ins.end, parsed.escape));
}

/** Every word of an instruction's arguments (flags included), e.g. the sources and destination of a COPY. */
export function instructionWords(parsed: ParsedDockerfile, ins: DockerInstruction): { words: ShellWord[]; json: boolean } {
  const text = parsed.text;
  const bodyStart = ins.start + ins.keyword.length;
  const body = text.slice(bodyStart, ins.end);
  const trimmed = body.trimStart();
  if (trimmed.startsWith('[')) return { words: jsonWords(text, bodyStart + (body.length - trimmed.length), ins.end) ?? [], json: true };
  const flags: ShellWord[] = [];
  const rest = shellWords(text, bodyStart, ins.end, parsed.escape, false).flat().filter((t): t is ShellWord => 'value' in t);
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

function shellWords(text: string, from: number, to: number, escape: string, runFlags = true): Token[][] {
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
  const commands: Token[][] = [[]];
  for (const t of out) {
    if ('op' in t) commands.push([]);
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

export interface VariableValue {
  name: string;
  /** The value the build sees by default; null when the ARG has no default (a build arg). */
  value: string | null;
  /** The ARG/ENV instruction that sets it. */
  instruction: DockerInstruction | null;
}

/**
 * Resolves `$NAME` / `${NAME}` at an instruction of a stage through the ARG and ENV instructions
 * in force before it (a stage inherits its parent stage's, and a global ARG re-declared in the
 * stage keeps its default).
 */
export function resolveVariable(parsed: ParsedDockerfile, stage: DockerStage, at: DockerInstruction, name: string): VariableValue {
  const globalArgs = parsed.instructions.filter((i) => i.stageIndex === -1 && i.keyword === 'ARG');
  let found: VariableValue = { name, value: null, instruction: null };
  for (const ins of effectiveInstructions(parsed, stage)) {
    if (ins === at) break;
    if (ins.keyword !== 'ARG' && ins.keyword !== 'ENV') continue;
    for (const [key, value] of assignments(ins.args, ins.keyword)) {
      if (key !== name) continue;
      if (ins.keyword === 'ARG' && value === null) {
        const global = globalArgs.flatMap((g) => assignments(g.args, 'ARG').filter(([k]) => k === name).map(([, v]) => ({ v, g })))[0];
        found = { name, value: global?.v ?? null, instruction: global?.v != null ? global.g : ins };
      } else found = { name, value, instruction: ins };
    }
  }
  return found;
}

function assignments(args: string, keyword: string): [string, string | null][] {
  const out: [string, string | null][] = [];
  const trimmed = args.trim();
  // `ENV NAME value` (legacy form: one variable, the rest of the line is the value).
  if (keyword === 'ENV' && /^[A-Za-z_]\w*\s+[^=\s]/.test(trimmed) && !/^[A-Za-z_]\w*=/.test(trimmed)) {
    const m = /^([A-Za-z_]\w*)\s+(.*)$/s.exec(trimmed);
    if (m) out.push([m[1] as string, unquote((m[2] as string).trim())]);
    return out;
  }
  for (const m of trimmed.matchAll(/([A-Za-z_]\w*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    out.push([m[1] as string, m[2] === undefined ? null : unquote(m[2])]);
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  return v;
}

/** The names of the variables a word expands (`pnpm@${PNPM_VERSION}` -> ['PNPM_VERSION']). */
export function expandedNames(value: string): string[] {
  return [...value.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1] as string);
}

/** Substitutes variables (with `${X:-default}` defaults); null when one has no known value. */
export function substitute(value: string, lookup: (name: string) => string | null): string | null {
  let unknown = false;
  const out = value.replace(/\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)/g, (_m, braced: string | undefined, dflt: string | undefined, bare: string | undefined) => {
    const v = lookup((braced ?? bare) as string);
    if (v !== null && v !== '') return v;
    if (dflt !== undefined) return dflt;
    unknown = true;
    return '';
  });
  return unknown ? null : out;
}
