/**
 * The command line: parses argv, runs a command, returns the exit code. Only this layer (and
 * bin/) prints; the engine returns data. Diffs go to stdout, status and progress to stderr.
 */
import { parseArgs } from 'node:util';
import { TRANSFORMS } from '../../transforms/index.js';
import { dirtyFiles } from '../run/gitGuard.js';
import type { FileChange } from '../run/plan.js';
import { writeFileAtomic } from '../run/write.js';
import { UsageError } from './errors.js';
import { colorizePatch, filePatch } from './patch.js';
import { formatDiagnostics, planJson } from './report.js';
import { loadSession, resolveRoot, selectTransforms, type Session } from './session.js';
import { bold, colorEnabled, dim } from './style.js';

export const EXIT = { ok: 0, pending: 1, error: 2 } as const;

const USAGE = `ecsfix — make a docker-compose monorepo ready for AWS ECS Fargate behind an ALB

Usage:
  ecsfix                      interactive wizard on the current directory (in a terminal)
  ecsfix wizard [dir]         the same wizard on another directory
  ecsfix list                 every transform: id, title, file kinds, safety
  ecsfix diff  [dir]          unified diff of every pending change; writes nothing
  ecsfix apply [dir]          write the changes; asks per file in a terminal, needs --yes otherwise
  ecsfix verify [dir]         build the changed images and smoke-start them as their user (see verify --help)

Options:
  -t, --transform <id>        only these transforms (repeatable or comma-separated)
      --skip <id>             leave these transforms out
      --yes                   apply without asking
      --json                  machine-readable result on stdout
      --allow-dirty           write even when the files have uncommitted git changes
      --pnpm-version <v>      the pnpm version to pin (overrides packageManager and the lockfile)
  -h, --help                  this help
  -v, --version               the version

Exit codes: diff 0 = nothing to change, 1 = changes pending; apply 0 = done;
any command 2 = an error (unparsable file, bad flag, unknown transform id).`;

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdinIsTTY: boolean;
}

const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, stdinIsTTY: Boolean(process.stdin.isTTY) });

interface Flags {
  transform: string[];
  skip: string[];
  yes: boolean;
  json: boolean;
  allowDirty: boolean;
  pnpmVersion?: string;
}

function parse(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        transform: { type: 'string', short: 't', multiple: true },
        skip: { type: 'string', multiple: true },
        yes: { type: 'boolean', short: 'y' },
        json: { type: 'boolean' },
        'allow-dirty': { type: 'boolean' },
        'pnpm-version': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
    const flags: Flags = {
      transform: values.transform ?? [],
      skip: values.skip ?? [],
      yes: values.yes ?? false,
      json: values.json ?? false,
      allowDirty: values['allow-dirty'] ?? false,
      ...(values['pnpm-version'] ? { pnpmVersion: values['pnpm-version'] } : {}),
    };
    if (flags.pnpmVersion !== undefined && !/^\d+(\.\d+){0,2}(-[\w.]+)?$/.test(flags.pnpmVersion))
      throw new UsageError(`--pnpm-version "${flags.pnpmVersion}" is not a version such as 8.15.0`);
    return { flags, positionals, help: values.help ?? false, version: values.version ?? false };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${message}. Run "ecsfix --help" for the options`);
  }
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  try {
    // verify has flags of its own (--engine, --keep, ...): src/cli/verify.ts parses them.
    if (argv.find((a) => !a.startsWith('-')) === 'verify') return await (await import('./verify.js')).verifyCommand(argv, io);
    const { flags, positionals, help, version } = parse(argv);
    if (help) {
      io.stdout.write(USAGE + '\n');
      return EXIT.ok;
    }
    if (version) {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const [command, dir, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    switch (command) {
      case undefined:
        if (!io.stdinIsTTY || !io.stderr.isTTY) throw new UsageError('no command given and not in a terminal; use "ecsfix diff" or "ecsfix apply --yes" (see --help)');
        return await runWizard(flags, io);
      case 'list':
        return list(flags, io);
      case 'diff':
        return diff(dir, flags, io);
      case 'apply':
        return await apply(dir, flags, io);
      case 'wizard':
        return await runWizard(flags, io, dir);
      default:
        throw new UsageError(`unknown command "${command}"; commands: list, diff, apply (see --help)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`ecsfix: ${error.message}\n`);
      return EXIT.error;
    }
    const err = error as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.path) {
      io.stderr.write(`ecsfix: ${err.path}: ${err.code} ${err.syscall ?? ''}`.trimEnd() + '\n');
      return EXIT.error;
    }
    io.stderr.write(`ecsfix: internal error: ${err?.stack ?? String(error)}\nPlease report this with the command you ran; nothing was written after the error.\n`);
    return EXIT.error;
  }
}

declare const __ECSFIX_VERSION__: string | undefined;
const VERSION = typeof __ECSFIX_VERSION__ === 'string' ? __ECSFIX_VERSION__ : '0.0.0-dev';

function list(flags: Flags, io: Io): number {
  if (flags.json) {
    io.stdout.write(JSON.stringify(TRANSFORMS.map(({ id, title, kinds, safety, fixes, verify }) => ({ id, title, kinds, safety, fixes, verify: verify ?? null })), null, 2) + '\n');
    return EXIT.ok;
  }
  const color = colorEnabled(io.stdout);
  const width = Math.max(...TRANSFORMS.map((t) => t.id.length));
  for (const t of TRANSFORMS) {
    io.stdout.write(`${bold(color, t.id.padEnd(width))}  ${t.title}\n`);
    io.stdout.write(`${' '.repeat(width)}  ${dim(color, `${t.kinds.join(', ')} · ${t.safety} · fixes: ${t.fixes}`)}\n`);
    if (t.verify) io.stdout.write(`${' '.repeat(width)}  ${dim(color, `verify: ${t.verify}`)}\n`);
  }
  return EXIT.ok;
}

function statusLine(io: Io, line: string) {
  io.stderr.write(line + '\n');
}

function reportDiagnostics(session: Session, io: Io) {
  for (const line of formatDiagnostics(session.plan, session.repo.problems, colorEnabled(io.stderr))) statusLine(io, line);
}

function diff(dir: string | undefined, flags: Flags, io: Io): number {
  const transforms = selectTransforms({ transforms: flags.transform, skip: flags.skip });
  const session = loadSession(resolveRoot(dir), transforms, flags);
  const { plan } = session;
  if (flags.json) io.stdout.write(JSON.stringify(planJson(session.repo, plan), null, 2) + '\n');
  else {
    const color = colorEnabled(io.stdout);
    for (const change of plan.changes) io.stdout.write(colorizePatch(filePatch(change), color));
    reportDiagnostics(session, io);
    // Like a linter: a clean run in a script prints nothing; a terminal always gets the summary.
    if (io.stderr.isTTY || plan.changes.length || plan.failures.length)
      statusLine(io, `${plan.changes.length} file(s) to change, ${plan.failures.length} error(s), ${session.repo.services.length} service(s) found`);
  }
  if (plan.failures.length) return EXIT.error;
  return plan.changes.length ? EXIT.pending : EXIT.ok;
}

/** Refuses, before any prompt, to overwrite files with uncommitted changes. */
function guardDirty(session: Session, changes: FileChange[], flags: Flags) {
  if (flags.allowDirty) return;
  const dirty = dirtyFiles(session.root, changes.map((c) => c.path));
  if (dirty.length)
    throw new UsageError(`refusing to overwrite files with uncommitted changes: ${dirty.join(', ')}. Commit or stash them, or pass --allow-dirty`);
}

export function writeChanges(session: Session, changes: FileChange[]): string[] {
  const written: string[] = [];
  for (const change of changes) {
    writeFileAtomic(session.root, change.path, change.after);
    written.push(change.path);
  }
  return written;
}

async function apply(dir: string | undefined, flags: Flags, io: Io): Promise<number> {
  const transforms = selectTransforms({ transforms: flags.transform, skip: flags.skip });
  const session = loadSession(resolveRoot(dir), transforms, flags);
  guardDirty(session, session.plan.changes, flags);
  let accepted = session.plan.changes;
  if (!flags.yes) {
    if (!io.stdinIsTTY) throw new UsageError('apply writes files: pass --yes when not running in a terminal (or use "ecsfix diff" to preview)');
    const { reviewChanges } = await import('./wizard.js');
    accepted = (await reviewChanges(session.plan.changes, io)).accepted;
  }
  const written = writeChanges(session, accepted);
  if (flags.json) io.stdout.write(JSON.stringify(planJson(session.repo, session.plan, { written }), null, 2) + '\n');
  else {
    reportDiagnostics(session, io);
    for (const path of written) statusLine(io, `wrote ${path}`);
    statusLine(io, `${written.length} file(s) written, ${session.plan.failures.length} error(s)`);
  }
  return session.plan.failures.length ? EXIT.error : EXIT.ok;
}

async function runWizard(flags: Flags, io: Io, dir?: string): Promise<number> {
  const { wizard } = await import('./wizard.js');
  return wizard(resolveRoot(dir), flags, io, { guardDirty, writeChanges });
}
