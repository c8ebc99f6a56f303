/**
 * The working directory of a service's process, as its start command sets it: the image's WORKDIR
 * (or compose `working_dir:`), then what the command does before the process runs: `cd <dir> &&`
 * in a `sh -c` script (a shell-form CMD is one), the package a package manager runs a script in
 * (`npm start --workspace=<name|path>` / `-w`, `npm --prefix <dir>`, `pnpm --filter <pkg> start`,
 * `pnpm -C <dir>`, `yarn workspace <name> start`, `yarn --cwd <dir>`), and the `cd` in the
 * package.json script it runs (`"start": "cd src && node x"`). A relative write of the code is
 * relative to this directory, not to the WORKDIR: runtimeWrites.ts places it through this.
 *
 * When the directory cannot be established (a variable, a workspace the repo does not have, a
 * workspace root the image does not hold where the command runs), the result says so and why:
 * the relative writes are then unresolved, and the image stays root (ECS155 naming the line).
 */
import { posix } from 'node:path';
import { scriptLines, shellCommands, type ShellWord } from '../dockerfile/shell.js';
import type { WorkspacePackage } from './workspace.js';
import { deployedProcess, type ComposeService } from './compose.js';
import { expandVariables } from '../dockerfile/variables.js';
import { programCandidates, type ImageFileAt } from '../dockerfile/searchPath.js';
import type { VariableLookup } from './startVariables.js';

/** Where a start command (or compose key) is written. */
export interface CommandAt {
  file: string;
  line: number;
}

/**
 * What the process runs, as far as its start command names it: the workspace package a package
 * manager runs its script in, and the file a `node <file>` runs (relative to the WORKDIR, or
 * absolute); `unknown` when a variable there has no established value.
 */
export interface ProcessRuns {
  pkg?: WorkspacePackage;
  file?: string;
  unknown?: string;
}

/**
 * A package.json script the start command runs through npm/pnpm/yarn (review6 R21): the script
 * itself, the npm `pre<script>` hook before it, and the scripts those run in turn.
 */
export interface StartScriptRun {
  /** The package.json (repo path) and the script's name and body. */
  file: string;
  script: string;
  body: string;
  /** The command that runs it (`npm run start:prod`), and where that is written. */
  command: string;
  at: CommandAt;
  /** The script is the server process: reached through the last command of each step, not a hook or a step before it. */
  serves: boolean;
  /** npm's `pre<script>` hook of the script the command names. */
  hook?: true;
  /**
   * The init in front of the start command sends each signal to the whole process group (dumb-init by
   * default, `tini -g`), so the script's children get SIGTERM whatever the shell between them does.
   */
  groupSignalled?: true;
}

export type ProcessCwd =
  /** `path`: relative to the WORKDIR ('.' for the WORKDIR itself) or absolute (compose `working_dir`, `cd /srv`). `scripts`: the package scripts the command runs. */
  | { known: true; path: string; via: string[]; at: CommandAt | null; scripts: StartScriptRun[]; runs: ProcessRuns }
  | { known: false; because: string; at: CommandAt; runs: ProcessRuns };

export interface ProcessCwdInput {
  /** The entrypoint and command in force (compose's over the image's) as argv, with where they are set. */
  entrypoint: { argv: string[]; at: CommandAt } | null;
  command: { argv: string[]; at: CommandAt } | null;
  /** Compose `working_dir:` of the deployed service. */
  workingDir: { value: string; at: CommandAt } | null;
  packages: readonly WorkspacePackage[];
  /** The service's package: whose scripts `npm start` runs when the image model cannot say which package.json the directory holds. */
  servicePackage: WorkspacePackage | null;
  /** The repo file the image holds at a path (relative paths from the WORKDIR), and the stage's PATH; absent without an image model. */
  imageFile?: ImageFileAt;
  /** The container's variables a shell expands in the start command (`--workspace=$WORKER`); absent: none is known. */
  env?: VariableLookup;
  /** Reads a repo file (an entrypoint script the image holds); absent: scripts are taken to exec their arguments where they start. */
  read?: (rel: string) => string | null;
}

class Unknown extends Error {}

interface Walk {
  input: ProcessCwdInput;
  at: CommandAt;
  via: string[];
  depth: number;
  runs: ProcessRuns;
  scripts: StartScriptRun[];
  /** Whether what the walk reaches is the server process (false in a hook or a step before the last command). */
  serves: boolean;
}

/** A shell program word (`sh`, `/bin/bash`, `dash`, `ash`). */
export const SHELLS = /^(?:\/(?:usr\/)?bin\/)?(?:ba|da|a)?sh$/;
const INIT_WRAPPERS = /^(?:\/(?:usr\/)?s?bin\/)?(?:tini|dumb-init|tini-static)$/;
const SCRIPT_RUNNERS = new Set(['start', 'run', 'run-script', 'test', 'restart', 'stop']);

const within = (cwd: string, dir: string) => (dir.startsWith('/') ? posix.normalize(dir) : posix.join(cwd, dir));
const fixed = (word: string) => word !== '' && !/[$`~*?]/.test(word);

/** The process's working directory; null when nothing moves it from the WORKDIR. */
export function processCwd(input: ProcessCwdInput): ProcessCwd {
  let cwd = '.';
  const via: string[] = [];
  const scripts: StartScriptRun[] = [];
  let at: CommandAt | null = null;
  const wd = input.workingDir;
  const runs: ProcessRuns = {};
  try {
    if (wd) {
      at = wd.at;
      if (!fixed(wd.value) || !wd.value.startsWith('/')) throw new Unknown(`compose sets working_dir: ${wd.value}, a path ecsfix cannot place`);
      cwd = posix.normalize(wd.value);
      via.push(`compose working_dir: ${wd.value} (${wd.at.file}:${wd.at.line})`);
    }
    const argv = processArgv(input);
    if (argv) {
      at = argv.at;
      cwd = argvCwd(argv.words, cwd, { input, at: argv.at, via, depth: 0, runs, scripts, serves: true });
    }
    const signalled = argv?.groupSignalled ? scripts.map((s): StartScriptRun => ({ ...s, groupSignalled: true })) : scripts;
    return { known: true, path: cwd, via, at, scripts: signalled, runs };
  } catch (e) {
    if (!(e instanceof Unknown)) throw e;
    return { known: false, because: e.message, at: at ?? { file: '', line: 1 }, runs };
  }
}

/** The argv the container runs: an exec-form entrypoint takes the command as its arguments. */
function processArgv(input: ProcessCwdInput): { words: string[]; at: CommandAt; groupSignalled: boolean } | null {
  const { entrypoint, command } = input;
  const argv = entrypoint ? [...entrypoint.argv] : [];
  const shellEntrypoint = entrypoint && SHELLS.test(entrypoint.argv[0] ?? '') && entrypoint.argv[1] === '-c';
  if (!shellEntrypoint && command) argv.push(...command.argv);
  // An init (tini, dumb-init) runs the rest; an entrypoint script is read where the image has it (commandCwd).
  const words = unwrapInit(argv);
  if (!words.length) return null;
  const at = (shellEntrypoint || !command ? entrypoint?.at : command.at) ?? command?.at ?? entrypoint?.at;
  return at ? { words, at, groupSignalled: signalsGroup(argv.slice(0, argv.length - words.length)) } : null;
}

/**
 * Whether the inits in front of the command (`argv` up to the command) pass a signal to the command's
 * whole process group: dumb-init does unless told `--single-child`/`-c`; tini only with `-g`.
 */
function signalsGroup(inits: string[]): boolean {
  const name = (word: string) => word.replace(/^.*\//, '');
  if (inits.some((w) => name(w) === 'dumb-init')) return !inits.some((w) => w === '-c' || w === '--single-child');
  return inits.some((w) => /^-[a-zA-Z]*g[a-zA-Z]*$/.test(w));
}

/** The argv an init (tini, dumb-init) runs. */
export function unwrapInit(argv: string[]): string[] {
  let words = argv;
  while (INIT_WRAPPERS.test(words[0] ?? '')) {
    words = words.slice(1);
    while (words[0]?.startsWith('-')) {
      const flag = words[0];
      words = words.slice(1);
      if (flag === '--') break;
    }
  }
  return words;
}

/** The directory argv's process runs in, from `cwd`. */
function argvCwd(words: string[], cwd: string, walk: Walk): string {
  if (SHELLS.test(words[0] ?? '')) {
    const c = words.indexOf('-c');
    if (c > 0 && words[c + 1] !== undefined) return scriptCwd(words[c + 1] as string, cwd, walk);
    // `sh ./entrypoint.sh args`: the shell runs the script file.
    const file = words.slice(1).findIndex((w) => !w.startsWith('-'));
    return file < 0 ? cwd : scriptFileCwd(words.slice(file + 1), cwd, walk, true);
  }
  return commandCwd(words, cwd, walk);
}

/** A shell script: its `cd`s move the shell; the last command is the process (a script runner moves it again). */
function scriptCwd(script: string, cwd: string, walk: Walk): string {
  const env = walk.input.env;
  // The shell expands the container's variables first (`npm start --workspace=$WORKER`); one it has no value for stays as written.
  const expand = (w: ShellWord) => (w.dynamic && env ? expandVariables(w.value, env).text : w.value);
  const commands = shellCommands(script).map((c) => c.words.map(expand));
  let here = cwd;
  commands.forEach((words, i) => {
    if (words[0] === 'cd') {
      const dir = words[1] ?? '';
      if (!fixed(dir) || dir === '-') throw new Unknown(`\`cd ${dir}\` in \`${script.trim()}\` moves to a directory ecsfix cannot establish`);
      here = within(here, dir);
      walk.via.push(`\`cd ${dir}\` (${walk.at.file}:${walk.at.line})`);
    } else if (i === commands.length - 1) here = commandCwd(words, here, walk);
    else stepScripts(words, here, walk);
  });
  return here;
}

/**
 * The package scripts a step that runs before the process (`npm run migrate && node server.js`, a
 * `pre<script>` hook) runs in turn: collected, while the step moves nothing and what it cannot
 * establish does not make the process's directory unknown.
 */
function stepScripts(words: string[], cwd: string, walk: Walk): void {
  try {
    commandCwd(words, cwd, { ...walk, via: [], serves: false });
  } catch (e) {
    if (!(e instanceof Unknown)) throw e;
  }
}

/** One command: a package manager running a script moves into the package; anything else runs where it is. */
function commandCwd(words: string[], cwd: string, walk: Walk): string {
  if (walk.depth > 4) return cwd;
  const pm = (words[0] ?? '').replace(/^.*\//, '');
  if (SHELLS.test(pm)) return argvCwd(words, cwd, walk);
  if (/\.sh$/.test(pm)) return scriptFileCwd(words, cwd, walk, false);
  if (pm === 'npm') return npmCwd(words, cwd, walk);
  if (pm === 'pnpm') return pnpmCwd(words, cwd, walk);
  if (pm === 'yarn') return yarnCwd(words, cwd, walk);
  if (/^(?:node|nodejs|ts-node|tsx|bun)$/.test(pm)) nodeFile(words, cwd, walk);
  return cwd;
}

/** The file `node [flags] <file>` runs, from `cwd` (a flag's value such as `-r x` is not followed). */
function nodeFile(words: string[], cwd: string, walk: Walk): void {
  const file = words.slice(1).find((w) => !w.startsWith('-'));
  if (file === undefined || !/[/.]/.test(file)) return;
  if (!walk.serves) return; // a step before the process (a migration) is not what the image runs
  if (!fixed(file)) walk.runs.unknown = `\`${words.join(' ')}\` runs ${file}, a path ecsfix cannot establish`;
  else walk.runs.file = within(cwd, file);
}

/** Where a script named on the command line is in the image: a path from `cwd`, or a bare name on the stage's PATH. */
function scriptInImage(word: string, cwd: string, input: ProcessCwdInput): { path: string; text: string } | null {
  const { imageFile, read } = input;
  if (!imageFile || !read || !fixed(word)) return null;
  for (const path of word.includes('/') ? [within(cwd, word)] : programCandidates(word, cwd, imageFile.searchPath)) {
    const rel = imageFile(path);
    const text = rel === null ? null : read(rel);
    if (rel !== null && text !== null) return { path: rel, text };
  }
  return null;
}

/**
 * An entrypoint script (`ENTRYPOINT ["./docker-entrypoint.sh"]`, `sh /app/start.sh`) with its
 * arguments. Read when the image holds it from the repo: its `cd <dir>`s move the shell, and the
 * process is what `exec "$@"` runs (the arguments), else its last command. A `cd` ecsfix cannot
 * follow (to a variable, inside an `if`/loop/function, after a test) leaves the directory unknown.
 * A script the repo does not provide (the base image's docker-entrypoint.sh) is taken to exec its
 * arguments where it starts.
 */
function scriptFileCwd(words: string[], cwd: string, walk: Walk, viaShell: boolean): string {
  const [name = '', ...args] = words;
  const script = scriptInImage(name, cwd, walk.input);
  if (!script) return args.length && (viaShell || /\.sh$/.test(name)) ? argvCwd(unwrapInit(args), cwd, walk) : cwd;
  if (walk.depth > 4) return cwd;
  const inner: Walk = { ...walk, at: { file: script.path, line: 1 }, depth: walk.depth + 1 };
  const said = `${script.path} (run by ${walk.at.file}:${walk.at.line})`;
  let here = cwd;
  let last: string[] | null = null;
  for (const step of scriptSteps(script.text, said)) {
    inner.at = { file: script.path, line: step.line };
    if (step.words[0] === 'cd') {
      here = scriptCd(step, here, name, said);
      walk.via.push(`\`cd ${step.words[1] ?? ''}\` in ${script.path}:${step.line}`);
    } else if (/^\$[@*]$/.test(step.words[0] ?? '')) return args.length ? argvCwd(unwrapInit(args), here, walk) : here;
    else last = step.words;
    if (last === step.words && step.last) return commandCwd(last, here, inner);
    if (last === step.words) stepScripts(last, here, inner);
  }
  return last ? commandCwd(last, here, inner) : here;
}

/** A script's commands, line by line (comments and the shebang left out), with whether each is the script's last. */
function scriptSteps(text: string, said: string): { words: string[]; line: number; depth: number; guarded: boolean; last: boolean }[] {
  const steps: { words: string[]; line: number; depth: number; guarded: boolean; last: boolean }[] = [];
  let depth = 0;
  let functions = false;
  scriptLines(text).forEach(({ text: raw, line: i }) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      for (const c of shellCommands(line)) {
        const words = c.words.map((w) => w.value);
        const first = words[0] ?? '';
        if (/^(?:function\s+[\w-]+|[\w-]+\s*\(\s*\))/.test(line)) functions = true;
        if (/^(?:if|case|while|until|for|select)$/.test(first)) depth++;
        // `[ -d x ] && cd x`, `... || cd x`, `(cd x && ...)`: the command runs only under a condition, or in a subshell.
        const before = line.slice(0, c.start);
        const guarded = /\|\||(?:^|[^$])\(|(?:\]|\btest\b[^;&|]*)\s*&&\s*$/.test(before);
        steps.push({ words, line: i, depth, guarded, last: false });
        if (/^(?:fi|esac|done)$/.test(first)) depth = Math.max(0, depth - 1);
      }
    });
  const moves = steps.filter((s) => /^(?:cd|pushd|popd)$/.test(s.words[0] ?? ''));
  if (moves.length && (functions || moves.some((m) => m.words[0] !== 'cd'))) throw new Unknown(`${said} moves the shell with ${functions ? 'a cd in a script that defines functions' : 'pushd/popd'}, which ecsfix does not follow`);
  const final = steps.filter((s) => s.depth === 0 && !s.guarded && !/^(?:fi|esac|done|set|echo|printf|export|trap|exit|:|true)$/.test(s.words[0] ?? '')).at(-1);
  if (final) final.last = true;
  return steps;
}

/** A `cd` of an entrypoint script, from `here`: a literal directory, or `$(dirname "$0")` (the script's own). */
function scriptCd(step: { words: string[]; line: number; depth: number; guarded: boolean }, here: string, script: string, said: string): string {
  const dir = step.words[1] ?? '';
  const where = `\`cd ${dir}\` at ${said.replace(/ \(run by.*$/, '')}:${step.line}`;
  if (step.depth > 0 || step.guarded) throw new Unknown(`${where} runs only under a condition, so the directory the process starts in is not established`);
  if (/^\$\(dirname\s+"?\$0"?\)$/.test(dir)) return posix.dirname(within(here, script));
  if (!fixed(dir) || dir === '-' || step.words.length > 2) throw new Unknown(`${where} moves to a directory ecsfix cannot establish`);
  return within(here, dir);
}

/** Splits `--flag value` / `--flag=value` / `-f value` flags from the positional words. */
function parseFlags(words: string[], valueFlags: ReadonlySet<string>): { flags: [string, string][]; positional: string[] } {
  const flags: [string, string][] = [];
  const positional: string[] = [];
  for (let k = 0; k < words.length; k++) {
    const w = words[k] as string;
    if (w === '--') {
      positional.push(...words.slice(k + 1));
      break;
    }
    if (!w.startsWith('-')) {
      positional.push(w);
      continue;
    }
    const eq = w.indexOf('=');
    if (eq > 0) flags.push([w.slice(0, eq), w.slice(eq + 1)]);
    else if (valueFlags.has(w)) flags.push([w, words[++k] ?? '']);
    else flags.push([w, '']);
  }
  return { flags, positional };
}

const NPM_VALUE_FLAGS = new Set(['--prefix', '-C', '--workspace', '-w']);

function npmCwd(words: string[], cwd: string, walk: Walk): string {
  const { flags, positional } = parseFlags(words.slice(1), NPM_VALUE_FLAGS);
  const verb = positional[0] ?? '';
  if (!SCRIPT_RUNNERS.has(verb)) return cwd;
  const script = verb === 'run' || verb === 'run-script' ? (positional[1] ?? '') : verb;
  const said = `\`${words.join(' ')}\``;
  if (flags.some(([f]) => f === '--workspaces' || f === '-ws')) throw new Unknown(`${said} runs the script in every workspace`);
  const prefix = flags.filter(([f]) => f === '--prefix' || f === '-C').at(-1)?.[1];
  const root = prefix === undefined ? cwd : placed(prefix, cwd, said);
  const selectors = flags.filter(([f]) => f === '--workspace' || f === '-w').map(([, v]) => v);
  if (selectors.length > 1) throw new Unknown(`${said} runs the script in several workspaces`);
  const pkg = selectors.length ? workspaceIn(root, selectors[0] as string, 'npm', said, walk) : null;
  return runScript(pkg ? pkg.dir : root, pkg?.pkg ?? null, script, said, walk, 'npm');
}

const PNPM_VALUE_FLAGS = new Set(['-C', '--dir', '--filter', '-F']);

function pnpmCwd(words: string[], cwd: string, walk: Walk): string {
  const { flags, positional } = parseFlags(words.slice(1), PNPM_VALUE_FLAGS);
  const said = `\`${words.join(' ')}\``;
  const first = positional[0] ?? '';
  if (/^(?:exec|dlx|install|i|add|deploy|prune)$/.test(first) || !first) return cwd;
  const script = first === 'run' || first === 'run-script' ? (positional[1] ?? '') : first;
  if (flags.some(([f]) => f === '-r' || f === '--recursive')) throw new Unknown(`${said} runs the script in every workspace package`);
  const dir = flags.filter(([f]) => f === '-C' || f === '--dir').at(-1)?.[1];
  const root = dir === undefined ? cwd : placed(dir, cwd, said);
  const selectors = flags.filter(([f]) => f === '--filter' || f === '-F').map(([, v]) => v);
  if (selectors.length > 1) throw new Unknown(`${said} runs the script in several packages`);
  const pkg = selectors.length ? workspaceIn(root, selectors[0] as string, 'pnpm', said, walk) : null;
  return runScript(pkg ? pkg.dir : root, pkg?.pkg ?? null, script, said, walk, 'pnpm');
}

function yarnCwd(words: string[], cwd: string, walk: Walk): string {
  const { flags, positional } = parseFlags(words.slice(1), new Set(['--cwd']));
  const said = `\`${words.join(' ')}\``;
  const dir = flags.filter(([f]) => f === '--cwd').at(-1)?.[1];
  const root = dir === undefined ? cwd : placed(dir, cwd, said);
  if (positional[0] === 'workspace') {
    const name = positional[1] ?? '';
    const rest = positional.slice(2);
    const pkg = workspaceIn(root, name, 'yarn', said, walk);
    return runScript(pkg.dir, pkg.pkg, rest[0] === 'run' ? (rest[1] ?? '') : (rest[0] ?? ''), said, walk, 'yarn');
  }
  const first = positional[0] ?? '';
  if (!first || /^(?:install|add|dlx|exec|node|workspaces)$/.test(first)) return cwd;
  return runScript(root, null, first === 'run' ? (positional[1] ?? '') : first, said, walk, 'yarn');
}

/** A directory given to a flag, from `cwd`. */
function placed(dir: string, cwd: string, said: string): string {
  if (!fixed(dir)) throw new Unknown(`${said} runs in ${dir || 'a directory it does not name'}, which ecsfix cannot establish`);
  return within(cwd, dir);
}

/**
 * The workspace package a selector names (a name, or a path from the workspace root), and where it
 * is in the image: the workspace root is the directory the command runs in, which must hold the
 * repo's workspace root (its package.json / pnpm-workspace.yaml), and the package must be there.
 */
function workspaceIn(root: string, selector: string, pm: string, said: string, walk: Walk): { dir: string; pkg: WorkspacePackage } {
  const { imageFile, packages } = walk.input;
  if (!fixed(selector.replace(/^@/, ''))) throw new Unknown(`${said} names the package with ${selector || 'nothing'}, which ecsfix cannot establish`);
  const manifest = imageFile?.(posix.join(root, pm === 'pnpm' ? 'pnpm-workspace.yaml' : 'package.json')) ?? imageFile?.(posix.join(root, 'package.json'));
  if (!manifest) throw new Unknown(`${said}: ecsfix cannot establish which workspace root the image holds at ${root === '.' ? 'the WORKDIR' : root}`);
  const rootRel = posix.dirname(manifest) === '.' ? '' : posix.dirname(manifest);
  const path = posix.join(rootRel, selector.replace(/^\{(.*)\}$/, '$1').replace(/^\.\//, '').replace(/\/$/, ''));
  const matches = packages.filter((p) => p.name === selector || (pm !== 'yarn' && p.dir === path)).filter((p) => rootRel === '' || p.dir.startsWith(rootRel + '/'));
  if (matches.length !== 1) throw new Unknown(`${said} names ${selector}, ${matches.length ? 'several' : 'no'} workspace package${matches.length ? 's' : ''} of the repo`);
  const pkg = matches[0] as WorkspacePackage;
  const dir = posix.join(root, rootRel ? posix.relative(rootRel, pkg.dir) : pkg.dir);
  if (imageFile?.(posix.join(dir, 'package.json')) !== posix.join(pkg.dir, 'package.json'))
    throw new Unknown(`${said} runs in ${pkg.name}'s directory, which the image does not hold at ${dir}`);
  walk.via.push(`${said} runs in ${pkg.name}'s directory ${dir} (${walk.at.file}:${walk.at.line})`);
  if (walk.serves) walk.runs.pkg = pkg;
  return { dir, pkg };
}

/**
 * A package manager runs `script` of the package in `dir`: the script's own `cd`s move the process
 * further. npm runs the `pre<script>` hook first, in its own shell (pnpm and yarn run hooks only in
 * some versions and settings, which are not established here).
 */
function runScript(dir: string, known: WorkspacePackage | null, script: string, said: string, walk: Walk, pm: 'npm' | 'pnpm' | 'yarn'): string {
  const { imageFile, packages, servicePackage } = walk.input;
  const manifest = imageFile?.(posix.join(dir, 'package.json'));
  const pkg = known ?? (manifest ? packages.find((p) => posix.join(p.dir, 'package.json') === manifest) : dir === '.' ? servicePackage : undefined);
  const body = pkg?.scripts[script];
  if (!body || !pkg) return dir;
  const file = posix.join(pkg.dir, 'package.json');
  const inner: Walk = { ...walk, at: { file, line: 1 }, depth: walk.depth + 1 };
  const pre = pm === 'npm' ? pkg.scripts[`pre${script}`] : undefined;
  if (pre !== undefined) {
    walk.scripts.push({ file, script: `pre${script}`, body: pre, command: said, at: walk.at, serves: false, hook: true });
    for (const c of shellCommands(pre)) stepScripts(c.words.map((w) => w.value), dir, { ...inner, serves: false });
  }
  walk.scripts.push({ file, script, body, command: said, at: walk.at, serves: walk.serves });
  const to = scriptCwd(body, dir, inner);
  if (to !== dir && !known) walk.via.push(`${said} runs the "${script}" script of ${posix.join(pkg.dir, 'package.json')}`);
  return to;
}

/** An instruction's arguments as argv: the exec form as written, the shell form through `/bin/sh -c`. */
function instructionArgv(args: string): string[] {
  const text = args.trim();
  if (text.startsWith('[')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed) && parsed.every((w) => typeof w === 'string')) return parsed as string[];
    } catch {
      // not JSON: Docker runs it with the shell
    }
  }
  return ['/bin/sh', '-c', text.replace(/\\\r?\n/g, ' ')];
}

/**
 * The working directory of a service's process: the deployed stage's CMD/ENTRYPOINT (`inForce`, its
 * instructions with its parents') and the deployed compose service's `entrypoint` (which drops the
 * image's CMD), `command` and `working_dir`.
 */
export function serviceProcessCwd(
  dockerfile: string | null,
  inForce: readonly { keyword: string; args: string; line: number }[],
  compose: ComposeService | null,
  context: Pick<ProcessCwdInput, 'packages' | 'servicePackage' | 'imageFile' | 'env' | 'read'>,
): ProcessCwd {
  const image = (keyword: string) => {
    const ins = inForce.filter((i) => i.keyword === keyword).at(-1);
    return ins ? { argv: instructionArgv(ins.args), at: { file: dockerfile ?? '', line: ins.line } } : null;
  };
  const deployed = deployedProcess(compose);
  const at = deployed ? { file: deployed.file, line: deployed.line } : { file: '', line: 1 };
  const entrypoint = deployed?.entrypointArgs ? { argv: deployed.entrypointArgs, at } : image('ENTRYPOINT');
  const command = deployed?.commandArgs ? { argv: deployed.commandArgs, at } : deployed?.entrypointArgs ? null : image('CMD');
  const wd = deployed?.workingDir;
  return processCwd({ ...context, entrypoint, command, workingDir: wd ? { value: wd.value, at: { file: wd.file, line: wd.line } } : null });
}

/**
 * The directory one CMD/ENTRYPOINT's own script moves to before its last command (`cd worker &&
 * exec node index.js`), from the WORKDIR: what a check of that instruction alone (the node script
 * it runs) resolves paths against. No package manager's script is followed here.
 */
export function instructionCwd(args: string, at: CommandAt): ProcessCwd {
  return processCwd({ entrypoint: null, command: { argv: instructionArgv(args), at }, workingDir: null, packages: [], servicePackage: null });
}
