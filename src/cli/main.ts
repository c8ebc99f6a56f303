/**
 * The command line: parses argv, runs a command, returns the exit code. Only this layer (and
 * bin/) prints; the engine returns data. Diffs go to stdout; warnings, errors and the one-line
 * summary to stderr.
 */
import { TRANSFORMS } from '../../transforms/index.js';
import { writeChanges } from '../run/engine.js';
import { dirtyFiles, gitOperationInProgress } from '../run/gitGuard.js';
import type { FileChange } from '../run/plan.js';
import { commandIndex, parseArgv, type Flags } from './args.js';
import { UsageError } from './errors.js';
import { EXIT, type Io } from './io.js';
import { colorizePatch, filePatch, terminalPatch } from './patch.js';
import { collectDiagnostics, countRun, formatDiagnostic, planJson, plural, safetySummary, shown, tally, type Verbosity } from './report.js';
import { sameSelection, scriptLine } from './scriptLine.js';
import { findTarget } from './root.js';
import { loadSession, resolveDir, selectTransforms, servicesInScope, type Session } from './session.js';
import { bold, colorEnabled, dim, printable } from './style.js';
import { didYouMean } from './suggest.js';

const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, stdinIsTTY: Boolean(process.stdin.isTTY) });

interface Command {
  name: string;
  usage: string;
  summary: string;
  run(dir: string | undefined, flags: Flags, io: Io): number | Promise<number>;
}

/** The commands, in the order help and the README list them. */
const COMMANDS: Command[] = [
  { name: 'wizard', usage: 'wizard [dir]', summary: 'the interactive wizard (what plain "ecsfix" runs in a terminal)', run: (dir, flags, io) => runWizard(flags, io, dir) },
  { name: 'list', usage: 'list', summary: 'every transform: id, title, file kinds, safety', run: (_dir, flags, io) => list(flags, io) },
  { name: 'diff', usage: 'diff  [dir]', summary: 'unified diff of every pending change on stdout; writes nothing', run: diff },
  { name: 'apply', usage: 'apply [dir]', summary: 'write the changes; asks per file in a terminal, needs --yes otherwise', run: apply },
  { name: 'check', usage: 'check [dir]', summary: 'readiness report per service (--format, --fail-on: "ecsfix check --help")', run: async (dir, flags, io) => (await import('./check.js')).runCheck((await import('./check.js')).checkOptions(dir, flags), io, VERSION) },
  // verify has options of its own (--engine, --keep, ...): main() hands it the whole argv first.
  { name: 'verify', usage: 'verify [dir]', summary: 'build the changed images and smoke-start them as their user (verify --help)', run: (dir, _flags, io) => runVerify(dir ? ['verify', dir] : ['verify'], io) },
];
const COMMAND_NAMES = [...COMMANDS.map((c) => c.name), 'help'];

const EXIT_CODES = `Exit codes:
  diff    0 nothing to change       1 changes pending
  apply   0 done
  check   0 nothing at or above --fail-on (default blocking)   1 findings at or above it
  any     1 more warnings than --max-warnings
          2 an error: a file that does not parse, a bad flag or path, an unknown transform id,
            files with uncommitted changes
          130 interrupted (Ctrl-C); what was accepted before it was written`;

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length)) + 2;
  return `ecsfix — make a docker-compose monorepo ready for AWS ECS Fargate behind an ALB

Usage:
  ${'ecsfix'.padEnd(width + 7)}the wizard on the current directory (in a terminal)
${COMMANDS.map((c) => `  ecsfix ${c.usage.padEnd(width)}${c.summary}`).join('\n')}
  ${'ecsfix help'.padEnd(width + 7)}this help (also -h, --help)

Options:
  -t, --transform <id>        only these transforms (repeatable or comma-separated)
      --skip <id>             leave these transforms out
      --only <path>           only these files or directories (repo-relative; repeatable)
  -y, --yes                   apply without asking
      --json                  machine-readable result on stdout (includes the info notes)
  -q, --quiet                 print errors only
      --verbose               also print the info notes (where each value came from)
      --max-warnings <n>      exit 1 when more than n warnings remain (CI)
      --allow-dirty           write even when the files have uncommitted git changes
      --pnpm-version <v>      the pnpm version to pin (overrides packageManager and the lockfile)
      --require               compose-secret-defaults: \${VAR:?VAR must be set} instead of \${VAR}, so compose fails fast
  -h, --help                  this help
  -v, --version               the version

${EXIT_CODES}`;
}

/** Exported for tests: the commands help lists, in order. */
export const commandNames = (): string[] => COMMANDS.map((c) => c.name);

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  try {
    // `check` has options of its own (--format, --fail-on, --output): src/cli/check.ts parses them.
    const at = commandIndex(argv);
    if (argv[at] === 'check') return (await import('./check.js')).checkCommand([...argv.slice(0, at), ...argv.slice(at + 1)], io, VERSION);
    if (argv[at] === 'verify') return await runVerify(argv, io);
    const { flags, positionals, help, version } = parseArgv(argv);
    if (help || positionals[0] === 'help') {
      io.stdout.write(usage() + '\n');
      return EXIT.ok;
    }
    if (version) {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const [name, dir, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}" after the directory; to limit the files, use --only ${extra[0]}`);
    if (name === undefined) {
      if (!io.stdinIsTTY || !io.stderr.isTTY) throw new UsageError('no command given and not in a terminal; use "ecsfix diff" or "ecsfix apply --yes" (see --help)');
      return await runWizard(flags, io);
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}"${didYouMean(name, COMMAND_NAMES)}; commands: ${COMMAND_NAMES.join(', ')} (see --help)`);
    return await command.run(dir, flags, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`ecsfix: ${printable(error.message)}\n`);
      return EXIT.error;
    }
    const err = error as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.path) {
      io.stderr.write(printable(`ecsfix: ${err.path}: ${err.code} ${err.syscall ?? ''}`.trimEnd()) + '\n');
      return EXIT.error;
    }
    io.stderr.write(`ecsfix: internal error: ${err?.stack ?? String(error)}\nPlease report this with the command you ran; nothing was written after the error.\n`);
    return EXIT.error;
  }
}

async function runVerify(argv: string[], io: Io): Promise<number> {
  const { verifyCommand } = await import('./verify.js');
  return verifyCommand(argv, io);
}

declare const __ECSFIX_VERSION__: string | undefined;
const VERSION = typeof __ECSFIX_VERSION__ === 'string' ? __ECSFIX_VERSION__ : '0.0.0-dev';

function list(flags: Flags, io: Io): number {
  if (flags.json) {
    io.stdout.write(
      JSON.stringify(
        TRANSFORMS.map(({ id, title, kinds, safety, fixes, verify, behaviorChangingWhen }) => ({ id, title, kinds, safety, behaviorChangingWhen: behaviorChangingWhen ?? null, fixes, verify: verify ?? null })),
        null,
        2,
      ) + '\n',
    );
    return EXIT.ok;
  }
  const color = colorEnabled(io.stdout);
  const width = Math.max(...TRANSFORMS.map((t) => t.id.length));
  for (const t of TRANSFORMS) {
    io.stdout.write(`${bold(color, t.id.padEnd(width))}  ${t.title}\n`);
    io.stdout.write(`${' '.repeat(width)}  ${dim(color, `${t.kinds.join(', ')} · ${t.safety} · fixes: ${t.fixes}`)}\n`);
    if (t.behaviorChangingWhen) io.stdout.write(`${' '.repeat(width)}  ${dim(color, `behaviour-changing when ${t.behaviorChangingWhen} (each such change says so)`)}\n`);
    if (t.verify) io.stdout.write(`${' '.repeat(width)}  ${dim(color, `verify: ${t.verify}`)}\n`);
  }
  return EXIT.ok;
}

const verbosity = (flags: Flags): Verbosity => (flags.quiet ? 'quiet' : flags.verbose ? 'verbose' : 'normal');

/** Warnings and errors (and info with --verbose) on stderr; returns the counts for the summary. */
function report(session: Session, changes: FileChange[], flags: Flags, io: Io) {
  const all = collectDiagnostics(session.repo, session.plan, { changes });
  const color = colorEnabled(io.stderr);
  for (const d of shown(all, verbosity(flags))) io.stderr.write(formatDiagnostic(d, color) + '\n');
  // Which changes are behaviour-changing, per change (the safety each transform decided for it).
  if (!flags.quiet) for (const line of safetySummary(changes, color)) io.stderr.write(line + '\n');
  return countRun(session.repo, changes, all);
}

/** Says so when there is nothing to work on: an empty directory, or one with no service. */
function noServices(session: Session, dir: string | undefined, flags: Flags, io: Io): boolean {
  const { plan } = session;
  if (servicesInScope(session).length > 0 || plan.changes.length > 0 || plan.failures.length > 0 || plan.findings.some((f) => f.code === 'ECS010')) return false;
  if (!flags.quiet && !flags.json) io.stderr.write(`ecsfix: ${noServicesReason(session, printable(dir ?? '.'))}; nothing to do\n`);
  return true;
}

/** Why a directory has no service: none at all, or its compose files build services from outside it (`infra/docker-compose.yml` with `build: ../backend`). */
function noServicesReason(session: Session, dir: string): string {
  const built = session.repo.compose.services.filter((c) => c.build && session.keep(c.file) && !session.keep(c.build.dockerfile));
  if (built.length === 0) return `no services found in ${dir} (no Dockerfile, and no compose service that builds one)`;
  const files = [...new Set(built.map((c) => c.file))];
  return `no service is in ${dir}: ${files.join(', ')} build${files.length === 1 ? 's' : ''} ${[...new Set(built.map((c) => `"${c.name}"`))].join(', ')} from Dockerfiles outside it; run ecsfix at the repo root for them`;
}

function overWarningLimit(flags: Flags, warnings: number): boolean {
  return flags.maxWarnings !== undefined && warnings > flags.maxWarnings;
}

/** The repo root for `dir` and the subtree within it; says which root when it is above `dir`. */
function locate(dir: string | undefined, flags: Flags, io: Io) {
  const target = findTarget(resolveDir(dir));
  if (target.reason && !flags.quiet && !flags.json)
    io.stderr.write(`ecsfix: using the repo root ${printable(target.root)} (${target.reason}); changes limited to ${printable(target.scope)}/\n`);
  return target;
}

function diff(dir: string | undefined, flags: Flags, io: Io): number {
  const transforms = selectTransforms({ transforms: flags.transform, skip: flags.skip });
  const { root, scope } = locate(dir, flags, io);
  const session = loadSession(root, transforms, { ...flags, scope }, io.stderr);
  const { plan } = session;
  let counts;
  if (flags.json) {
    io.stdout.write(JSON.stringify(planJson(session.repo, plan), null, 2) + '\n');
    counts = countRun(session.repo, plan.changes, collectDiagnostics(session.repo, plan));
  } else {
    if (noServices(session, dir, flags, io)) return EXIT.ok;
    const color = colorEnabled(io.stdout);
    // A pipe gets the exact bytes (git apply needs them); a terminal gets control characters escaped.
    const forScreen = (patch: string) => (io.stdout.isTTY ? terminalPatch(patch) : patch);
    for (const change of plan.changes) io.stdout.write(colorizePatch(forScreen(filePatch(change)), color));
    counts = report(session, plan.changes, flags, io);
    // Like a linter: a clean run in a script prints nothing; a terminal always gets the summary.
    const worthSaying = io.stderr.isTTY || counts.files || counts.warnings || counts.errors;
    if (!flags.quiet && worthSaying) {
      const next = counts.files ? ` — run "${scriptLine({ command: 'apply', ...sameSelection(flags, dir) })}" to write them` : '';
      io.stderr.write(
        `${counts.files ? `${plural(counts.files, 'file')} to change in ${plural(counts.services, 'service')}` : `nothing to change in ${plural(servicesInScope(session).length, 'service')}`}, ${tally(counts)}${next}\n`,
      );
    }
  }
  if (plan.failures.length) return EXIT.error;
  if (overWarningLimit(flags, counts.warnings)) {
    if (!flags.json && !flags.quiet) io.stderr.write(`ecsfix: ${plural(counts.warnings, 'warning')}, more than --max-warnings ${flags.maxWarnings}\n`);
    return EXIT.pending;
  }
  return plan.changes.length ? EXIT.pending : EXIT.ok;
}

/** Refuses, before any prompt, to overwrite files with uncommitted changes. */
function guardDirty(session: Session, changes: FileChange[], flags: Pick<Flags, 'allowDirty'>) {
  if (flags.allowDirty) return;
  const dirty = dirtyFiles(session.root, changes.map((c) => c.path));
  if (dirty.length)
    throw new UsageError(`refusing to overwrite files with uncommitted changes: ${dirty.join(', ')}. Commit or stash them, or pass --allow-dirty`);
  const operation = changes.length ? gitOperationInProgress(session.root) : null;
  if (operation) throw new UsageError(`refusing to write while the repository is in the middle of ${operation}. Finish or abort it first, or pass --allow-dirty`);
}

async function apply(dir: string | undefined, flags: Flags, io: Io): Promise<number> {
  const transforms = selectTransforms({ transforms: flags.transform, skip: flags.skip });
  if (!flags.yes) {
    if (!io.stdinIsTTY) throw new UsageError('apply writes files: pass --yes when not running in a terminal (or use "ecsfix diff" to preview)');
    if (!io.stdout.isTTY)
      throw new UsageError('apply asks file by file, and stdout is not a terminal (a pipe or a file); pass --yes to write without asking, or run it without the redirection');
    // In a terminal, apply without --yes is the wizard's per-file review.
    return runWizard(flags, io, dir, false);
  }
  const { root, scope } = locate(dir, flags, io);
  const session = loadSession(root, transforms, { ...flags, scope }, io.stderr);
  if (!flags.json && noServices(session, dir, flags, io)) return EXIT.ok;
  guardDirty(session, session.plan.changes, flags);
  const written = writeChanges(session.root, session.plan.changes);
  const counts = countRun(session.repo, session.plan.changes, collectDiagnostics(session.repo, session.plan));
  if (flags.json) io.stdout.write(JSON.stringify(planJson(session.repo, session.plan, { written }), null, 2) + '\n');
  else {
    report(session, session.plan.changes, flags, io);
    if (flags.verbose) for (const path of written) io.stderr.write(`wrote ${printable(path)}\n`);
    if (!flags.quiet)
      io.stderr.write(`wrote ${plural(counts.files, 'file')} in ${plural(counts.services, 'service')}, ${tally(counts)}${counts.files ? ' — review them with "git diff"' : ''}\n`);
  }
  if (session.plan.failures.length) return EXIT.error;
  if (overWarningLimit(flags, counts.warnings)) {
    if (!flags.json && !flags.quiet) io.stderr.write(`ecsfix: ${plural(counts.warnings, 'warning')} remain, more than --max-warnings ${flags.maxWarnings}\n`);
    return EXIT.pending;
  }
  return EXIT.ok;
}

/** The wizard; `pick` false reviews every file of the selected transforms without the picker (`apply`). */
async function runWizard(flags: Flags, io: Io, dir?: string, pick = true): Promise<number> {
  const { root, scope, reason } = findTarget(resolveDir(dir));
  if (!io.stdout.isTTY) throw new UsageError('the wizard draws prompts, and stdout is not a terminal (a pipe or a file); use "ecsfix diff" or "ecsfix apply --yes" instead');
  const { wizard } = await import('./wizard.js');
  return wizard(root, { ...flags, scope }, io, { guardDirty, writeChanges: (session, changes) => writeChanges(session.root, changes) }, { ...(dir !== undefined ? { dirArg: dir } : {}), pick, rootReason: reason });
}
