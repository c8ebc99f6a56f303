/**
 * The pnpm version a Dockerfile should pin, decided once for every transform that writes one
 * (dockerfile-pnpm-pin, dockerfile-worker-multistage): the installs of pnpm an image runs, what
 * each pins, and the repo's version in the documented order (see dockerfile-pnpm-pin).
 */
import { servicesForFile, type RepoModel } from '../../src/repo/model.js';
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../../src/repo/dockerfile.js';
import type { PnpmVersion } from '../../src/repo/workspace.js';
import type { Finding } from '../../src/findings/finding.js';
import { positionals, program, runCommands, subcommandIndex, type ShellCommand, type ShellWord } from '../../src/dockerfile/shell.js';
import { resolveVariable, substitute } from '../../src/dockerfile/variables.js';

export type PnpmSpecKind = 'exact' | 'range' | 'floating' | 'variable';

export interface PnpmInstall {
  /** How pnpm is installed, for findings: `corepack prepare`, `npm install -g`, ... */
  how: string;
  word: ShellWord;
  /** The version spec as written (`latest`, `8.15.0`, `$PNPM_VERSION`), null when there is none. */
  spec: string | null;
  kind: PnpmSpecKind;
  /** `pnpm self-update [version]` takes the version as its own argument, not `pnpm@version`. */
  selfUpdate: boolean;
  instruction: DockerInstruction;
  stage: DockerStage;
}

const NPM_INSTALL = new Set(['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add']);
const NPM_VALUE_FLAGS = new Set(['--location', '--prefix', '--registry', '--cache', '--loglevel', '--userconfig', '--tag', '-w', '--workspace', '--omit', '--include']);
const PNPM_VALUE_FLAGS = new Set(['--filter', '-F', '-C', '--dir', '--reporter', '--loglevel', '--store-dir', '--global-dir']);

/** Classifies what follows `pnpm@`. */
export function classifySpec(spec: string | null): PnpmSpecKind {
  if (spec === null || spec === '') return 'floating';
  if (spec.includes('$')) return 'variable';
  if (/^v?\d+\.\d+\.\d+(?:-[\w.]+)?(?:\+[\w.]+)?$/.test(spec)) return 'exact';
  // A major-only or partial pin, a semver range, or a per-major dist-tag (`latest-8`): pinned enough.
  if (/^(?:[\^~]|>=?|<=?)?\s*v?\d+(?:\.(?:\d+|x|\*))*(?:\s.*)?$/.test(spec) || /^(?:latest|next)-\d+$/.test(spec)) return 'range';
  return 'floating';
}

function pnpmArg(word: ShellWord): { spec: string | null } | null {
  const m = /^pnpm(?:@(.*))?$/.exec(word.value);
  return m ? { spec: m[1] ?? null } : null;
}

/** The pnpm installs in one shell command. */
function installsInCommand(command: ShellCommand): { how: string; word: ShellWord; spec: string | null; selfUpdate: boolean }[] {
  const prog = program(command);
  const words = command.words;
  const found: { how: string; word: ShellWord; spec: string | null; selfUpdate: boolean }[] = [];
  const addPackages = (how: string, args: ShellWord[]) => {
    for (const w of args) {
      const arg = pnpmArg(w);
      if (arg) found.push({ how, word: w, spec: arg.spec, selfUpdate: false });
    }
  };
  if (prog === 'corepack') {
    const sub = subcommandIndex(command, new Set());
    const name = words[sub]?.value;
    if (name === 'prepare' || name === 'use' || name === 'install') addPackages(`corepack ${name}`, positionals(command, sub + 1, new Set()));
  } else if (prog === 'npm') {
    const sub = subcommandIndex(command, NPM_VALUE_FLAGS);
    const name = words[sub]?.value ?? '';
    const global = words.some((w, k) => w.value === '-g' || w.value === '--global' || w.value === '--location=global' || (w.value === '--location' && words[k + 1]?.value === 'global'));
    if (NPM_INSTALL.has(name) && global) addPackages(`npm ${name} -g`, positionals(command, sub + 1, NPM_VALUE_FLAGS));
  } else if (prog === 'yarn') {
    const sub = subcommandIndex(command, new Set());
    if (words[sub]?.value === 'global' && words[sub + 1]?.value === 'add') addPackages('yarn global add', positionals(command, sub + 2, new Set()));
  } else if (prog === 'pnpm') {
    const sub = subcommandIndex(command, PNPM_VALUE_FLAGS);
    const name = words[sub]?.value ?? '';
    const global = words.some((w) => w.value === '-g' || w.value === '--global');
    if ((name === 'add' || name === 'install' || name === 'i') && global) addPackages(`pnpm ${name} -g`, positionals(command, sub + 1, PNPM_VALUE_FLAGS));
    if (name === 'self-update') {
      const version = positionals(command, sub + 1, PNPM_VALUE_FLAGS)[0];
      found.push({ how: 'pnpm self-update', word: version ?? (words[sub] as ShellWord), spec: version ? version.value : null, selfUpdate: true });
    }
  } else if (prog === 'npx') {
    // `npx pnpm@latest install`: a floating tag only (a bare `npx pnpm` runs the installed one).
    const first = positionals(command, 1, new Set(['-p', '--package']))[0];
    const arg = first && pnpmArg(first);
    if (arg && arg.spec !== null) found.push({ how: 'npx', word: first, spec: arg.spec, selfUpdate: false });
  }
  return found;
}

const installsCache = new WeakMap<ParsedDockerfile, PnpmInstall[]>();

/** Every place a Dockerfile installs pnpm, with the version spec it gives. */
export function pnpmInstalls(parsed: ParsedDockerfile): PnpmInstall[] {
  const cached = installsCache.get(parsed);
  if (cached) return cached;
  const out: PnpmInstall[] = [];
  for (const stage of parsed.stages)
    for (const ins of stage.instructions)
      for (const command of runCommands(parsed, ins))
        for (const found of installsInCommand(command)) out.push({ ...found, kind: classifySpec(found.spec), instruction: ins, stage });
  installsCache.set(parsed, out);
  return out;
}

/** The version an install pins, with variables resolved; null when it pins none. */
export function pinnedVersion(parsed: ParsedDockerfile, install: PnpmInstall): string | null {
  if (install.kind === 'exact' || install.kind === 'range') return install.spec;
  if (install.kind !== 'variable' || install.spec === null) return null;
  const value = substitute(install.spec, (name) => resolveVariable(parsed, install.stage, install.instruction, name).value);
  return value !== null && (classifySpec(value) === 'exact' || classifySpec(value) === 'range') ? value : null;
}

/** The version most of the repo's other Dockerfiles pin; null on no pins or a tie. */
export function siblingPin(repo: RepoModel, exclude: string): { pin: PnpmVersion | null; detail: string | null } {
  const counts = new Map<string, string[]>();
  for (const [path, entry] of repo.dockerfiles) {
    if (path === exclude || !entry.parsed) continue;
    const versions = new Set(pnpmInstalls(entry.parsed).map((i) => pinnedVersion(entry.parsed as ParsedDockerfile, i)).filter((v): v is string => v !== null));
    for (const v of versions) counts.set(v, [...(counts.get(v) ?? []), path]);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1].length - a[1].length);
  const [best, second] = ranked;
  if (!best) return { pin: null, detail: null };
  if (second && second[1].length === best[1].length)
    return { pin: null, detail: `the other Dockerfiles disagree (${ranked.map(([v, files]) => `${v} in ${files.length}`).join(', ')})` };
  const files = best[1];
  const others = ranked.length > 1 ? `; ${ranked.slice(1).map(([v, f]) => `${v} in ${f.length}`).join(', ')}` : '';
  return {
    pin: { version: best[0], source: `the version ${files.length === 1 ? 'the repo\'s other Dockerfile pins' : `${files.length} of the repo's other Dockerfiles pin`} (${files.join(', ')}${others})`, from: 'dockerfiles' },
    detail: null,
  };
}

/** The version to pin, in the documented order, or the reason there is none. */
export function choosePnpmVersion(repo: RepoModel, path: string, flag: string | undefined): { pin: PnpmVersion | null; findings: Finding[] } {
  const fromField = repo.packageManager.pnpm?.from === 'packageManager' ? repo.packageManager.pnpm : null;
  const findings: Finding[] = [];
  if (flag) {
    if (fromField && fromField.version !== flag)
      findings.push({
        code: 'ECS132',
        severity: 'warning',
        message: `--pnpm-version ${flag} differs from pnpm@${fromField.version} in ${fromField.source}; corepack and pnpm itself follow packageManager, so update it to match`,
      });
    return { pin: { version: flag, source: '--pnpm-version (given on the command line; it overrides what the repo says)', from: 'flag' }, findings };
  }
  if (fromField) return { pin: fromField, findings };
  const siblings = siblingPin(repo, path);
  // The service's own pnpm-lock.yaml (a per-package lockfile) is what its install reads.
  const lockOf = (dir: string) => repo.packageManager.pnpmLockfiles?.[dir ? `${dir}/pnpm-lock.yaml` : 'pnpm-lock.yaml'];
  const lock = servicesForFile(repo, path).map((s) => lockOf(s.dir)).find(Boolean) ?? repo.packageManager.pnpmFromLockfile;
  // An older pnpm than the lockfile format needs cannot read it: the lockfile outranks the siblings then.
  if (siblings.pin && !(lock && Number(siblings.pin.version.split('.')[0]) < Number(lock.version.split('.')[0]))) return { pin: siblings.pin, findings };
  if (siblings.pin && lock)
    return { pin: { ...lock, source: `${lock.source} (the repo's other Dockerfiles pin pnpm ${siblings.pin.version}, which cannot read that lockfile)` }, findings };
  if (siblings.detail) findings.push({ code: 'ECS136', severity: 'info', message: siblings.detail });
  if (lock)
    return {
      pin: { ...lock, source: `${lock.source}; add "packageManager": "pnpm@<exact version>" to the root package.json for an exact pin` },
      findings,
    };
  return { pin: null, findings };
}
