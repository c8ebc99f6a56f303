/**
 * `ecsfix verify [dir]`: the command line of src/verify. Parses its own flags, prints the report
 * (stdout) and progress (stderr), and returns the exit code: 0 no blocking finding, 1 blocking
 * findings, 2 an error (no engine, bad flag, unparsable file).
 */
import { parseArgs } from 'node:util';
import type { Finding } from '../findings/finding.js';
import { detectEngine, ENGINE_NAMES, EngineError, type EngineName } from '../verify/engine.js';
import { nodeProcessRunner, type ProcessRunner } from '../verify/process.js';
import { verdictStatus, verifyRepo, type ServiceVerdict, type VerifyResult } from '../verify/verify.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';
import { loadSession, resolveDir, selectTransforms } from './session.js';
import { bold, colorEnabled, dim, green, red, yellow } from './style.js';

export const VERIFY_USAGE = `Usage: ecsfix verify [dir] [options]

Builds each image ecsfix's pending changes touch (every service image with --all, or when nothing
is pending) for the stage compose deploys, then, as the image's runtime user: checks it is not root,
that the paths the process writes are writable, that the start program, entry file, HEALTHCHECK
program and workspace packages are there; starts the image's command for a few seconds with
compose's environment on a network of its own, and runs the HEALTHCHECK once. Nothing is pushed;
images are removed unless --keep.

Options:
      --engine <name>         docker, podman or buildah (default: the first that works here)
      --all                   every service image, not only those ecsfix changes
      --as-is                 build the files as they are, without ecsfix's pending changes
      --service <name>        only this service (repeatable)
      --keep                  keep the built images
      --start-seconds <n>     how long the smoke start runs (default 5)
      --timeout <seconds>     per build (default 600)
      --parallel <n>          images at once (default: the core count)
  -t, --transform <id>        pending changes of these transforms only; --skip <id> leaves some out
      --json                  the result as JSON on stdout
  -q, --quiet                 no progress on stderr

Exit codes: 0 no blocking finding, 1 blocking findings, 2 an error (no engine, bad flag, unparsable file).`;

function parse(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        engine: { type: 'string' },
        all: { type: 'boolean' },
        'as-is': { type: 'boolean' },
        service: { type: 'string', multiple: true },
        keep: { type: 'boolean' },
        'start-seconds': { type: 'string' },
        timeout: { type: 'string' },
        parallel: { type: 'string' },
        transform: { type: 'string', short: 't', multiple: true },
        skip: { type: 'string', multiple: true },
        'pnpm-version': { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const number = (flag: string, value: string | undefined, fallback: number, min: number) => {
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!Number.isFinite(n) || n < min) throw new UsageError(`--${flag} "${value}" is not a number of at least ${min}`);
      return n;
    };
    const engine = values.engine;
    if (engine !== undefined && !ENGINE_NAMES.includes(engine as EngineName))
      throw new UsageError(`--engine "${engine}" is not one of ${ENGINE_NAMES.join(', ')}`);
    const [command, dir, ...extra] = positionals;
    if (command !== 'verify') throw new UsageError('expected the verify command');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    return {
      dir,
      help: values.help ?? false,
      engine: engine as EngineName | undefined,
      all: values.all ?? false,
      asIs: values['as-is'] ?? false,
      services: values.service ?? [],
      keep: values.keep ?? false,
      startSeconds: number('start-seconds', values['start-seconds'], 5, 1),
      timeout: number('timeout', values.timeout, 600, 10),
      parallel: values.parallel === undefined ? undefined : Math.floor(number('parallel', values.parallel, 1, 1)),
      transform: values.transform ?? [],
      skip: values.skip ?? [],
      pnpmVersion: values['pnpm-version'],
      json: values.json ?? false,
      quiet: values.quiet ?? false,
    };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${message}. Run "ecsfix verify --help" for the options`);
  }
}

function formatFinding(f: Finding, color: boolean): string {
  const tag = f.severity === 'blocking' ? red(color, 'error') : f.severity === 'warning' ? yellow(color, 'warning') : dim(color, 'note');
  const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''} ` : '';
  return `  ${tag} ${where}${f.code} ${f.message}`;
}

function summary(v: ServiceVerdict): string {
  if (!v.built) return `does not build${v.withPendingChanges ? " with ecsfix's pending change" : ''}`;
  const parts = [`built in ${v.buildSeconds} s${v.withPendingChanges ? " with ecsfix's pending change" : ''}`];
  if (v.user) parts.push(`runs as ${v.user}${v.uid !== null ? ` (uid ${v.uid})` : ''}`);
  if (v.writes.length) {
    const ok = v.writes.filter((w) => w.writable).length;
    parts.push(`${ok}/${v.writes.length} written path(s) writable`);
  }
  if (v.start.outcome === 'running') parts.push('still running at the end of the smoke start');
  else if (v.start.outcome === 'exited') parts.push(`exited with code ${v.start.code} at start`);
  if (v.healthcheck) parts.push(`HEALTHCHECK ${v.healthcheck.ok ? 'passed' : 'failed'}`);
  if (v.networkIsolated === false) parts.push('on the host network');
  return parts.join(' · ');
}

function printText(result: VerifyResult, io: Io) {
  const color = colorEnabled(io.stdout);
  for (const v of result.services) {
    const status = verdictStatus(v);
    const blocking = status === 'blocking';
    // A process that exited non-zero at start did not run: never a ✓, whatever its findings' severity.
    const mark = blocking ? red(color, '✗') : status === 'exited' ? yellow(color, '!') : green(color, '✓');
    io.stdout.write(`${mark} ${bold(color, v.service)}  ${summary(v)}\n`);
    for (const f of v.findings) io.stdout.write(formatFinding(f, color) + '\n');
    if (status !== 'ok' && v.log) io.stdout.write(dim(color, v.log.split('\n').map((l) => `    | ${l}`).join('\n')) + '\n');
  }
}

export async function verifyCommand(argv: string[], io: Io, runner: ProcessRunner = nodeProcessRunner): Promise<number> {
  const flags = parse(argv);
  if (flags.help) {
    io.stdout.write(VERIFY_USAGE + '\n');
    return 0;
  }
  const transforms = selectTransforms({ transforms: flags.transform, skip: flags.skip });
  const root = resolveDir(flags.dir);
  let engine;
  try {
    engine = await detectEngine(runner, flags.engine);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    io.stderr.write(`ecsfix: ${error.message}\n`);
    return 2;
  }
  const session = loadSession(root, transforms, flags.pnpmVersion ? { pnpmVersion: flags.pnpmVersion } : {}, io.stderr);
  const unknown = flags.services.filter((s) => !session.repo.services.some((r) => r.name === s));
  if (unknown.length) throw new UsageError(`unknown service ${unknown.map((u) => `"${u}"`).join(', ')}; services: ${session.repo.services.map((s) => s.name).join(', ')}`);
  const progress = (line: string) => {
    if (!flags.quiet) io.stderr.write(`${line}\n`);
  };
  const result = await verifyRepo(session.repo, session.plan, {
    engine,
    all: flags.all,
    asIs: flags.asIs,
    keep: flags.keep,
    startSeconds: flags.startSeconds,
    buildTimeoutSeconds: flags.timeout,
    ...(flags.parallel ? { parallel: flags.parallel } : {}),
    services: flags.services,
    onProgress: progress,
  });
  const failures = session.plan.failures;
  if (flags.json) io.stdout.write(JSON.stringify({ root: session.root, ...result, failures }, null, 2) + '\n');
  else {
    if (result.selection === 'nothing-pending' && !flags.asIs) progress('nothing pending: verifying every service image as it is');
    printText(result, io);
    for (const f of failures) io.stderr.write(`ecsfix: ${f.file}:${f.line} ${f.code} ${f.message}; its image was built without ecsfix's change\n`);
    const count = (status: ReturnType<typeof verdictStatus>) => result.services.filter((v) => verdictStatus(v) === status).length;
    const exited = count('exited');
    progress(`${result.services.length} image(s) verified with ${result.engine}: ${count('ok')} ok, ${count('blocking')} with blocking findings${exited ? `, ${exited} exited at start` : ''}`);
  }
  if (failures.length) return 2;
  return result.findings.some((f) => f.severity === 'blocking') ? 1 : 0;
}
