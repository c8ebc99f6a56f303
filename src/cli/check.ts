/**
 * `ecsfix check [dir]`: the readiness report. Parses its own options, builds the report from the
 * session (model + plan + readiness rules), prints it in the chosen format and returns the exit
 * code: 0 = nothing at or above --fail-on, 1 = findings at or above it, 2 = an error (a file that
 * cannot be parsed, a bad flag).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Severity } from '../findings/finding.js';
import { buildCheckReport, failsAt, type CheckReport } from '../check/report.js';
import { ecsFiles, ecsJson } from '../check/format/ecs.js';
import { checkJson } from '../check/format/json.js';
import { formatMarkdown } from '../check/format/markdown.js';
import { checkSarif } from '../check/format/sarif.js';
import { formatText } from '../check/format/text.js';
import { UsageError } from './errors.js';
import { loadSession, resolveDir, selectTransforms, type Session } from './session.js';
import { colorEnabled } from './style.js';

const FORMATS = ['text', 'markdown', 'json', 'sarif', 'ecs'] as const;
type Format = (typeof FORMATS)[number];
const THRESHOLDS: Severity[] = ['blocking', 'warning', 'info'];

export const CHECK_USAGE = `ecsfix check [dir] — readiness report per service

Options:
  --format <f>           text (default) | markdown | json | sarif | ecs (--json = --format json)
  --fail-on <severity>   blocking (default) | warning | info: exit 1 when a finding at or above it remains
  --output <dir>         --format ecs: write <service>.task-definition.json and
                         <service>.target-group.json there (default: one JSON document on stdout)
  -t, --transform <id>   only these transforms' pending changes count (also --skip <id>)
  --verbose              text: also the info findings
  --pnpm-version <v>     as for diff/apply

Exit codes: 0 = no finding at or above --fail-on, 1 = there are, 2 = an error.`;

export interface CheckIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface CheckOptions {
  dir: string | undefined;
  format: Format;
  failOn: Severity;
  output: string | undefined;
  verbose: boolean;
  transform: string[];
  skip: string[];
  pnpmVersion?: string;
}

function parseCheckArgs(argv: string[]): CheckOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f' },
        json: { type: 'boolean' },
        'fail-on': { type: 'string' },
        output: { type: 'string', short: 'o' },
        verbose: { type: 'boolean' },
        transform: { type: 'string', short: 't', multiple: true },
        skip: { type: 'string', multiple: true },
        'pnpm-version': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}. Run "ecsfix check --help" for the options`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const format = (values.format ?? (values.json ? 'json' : 'text')) as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format "${values.format}" is not one of ${FORMATS.join(', ')}`);
  const failOn = (values['fail-on'] ?? 'blocking') as Severity;
  if (!THRESHOLDS.includes(failOn)) throw new UsageError(`--fail-on "${values['fail-on']}" is not one of ${THRESHOLDS.join(', ')}`);
  if (values.output !== undefined && format !== 'ecs') throw new UsageError('--output is for --format ecs (the other formats print to stdout)');
  return {
    dir: positionals[0],
    format,
    failOn,
    output: values.output,
    verbose: values.verbose ?? false,
    transform: values.transform ?? [],
    skip: values.skip ?? [],
    ...(values['pnpm-version'] ? { pnpmVersion: values['pnpm-version'] } : {}),
  };
}

export function checkCommand(argv: string[], io: CheckIo, version: string): number {
  const options = parseCheckArgs(argv);
  if (options === 'help') {
    io.stdout.write(CHECK_USAGE + '\n');
    return 0;
  }
  return runCheck(options, io, version);
}

/** The defaults for a `check` reached through the common flags (`ecsfix --verbose check`). */
export function checkOptions(dir: string | undefined, common: { json: boolean; verbose: boolean; transform: string[]; skip: string[]; pnpmVersion?: string }): CheckOptions {
  const { json, verbose, transform, skip, pnpmVersion } = common;
  return { dir, format: json ? 'json' : 'text', failOn: 'blocking', output: undefined, verbose, transform, skip, ...(pnpmVersion ? { pnpmVersion } : {}) };
}

/** The readiness report of a loaded session (the wizard shows its verdicts). */
export function readinessReport(session: Session): CheckReport {
  const read = (path: string) => {
    try {
      return readFileSync(join(session.root, path), 'utf8');
    } catch {
      return null;
    }
  };
  return buildCheckReport(session.repo, session.plan, read, session.transforms);
}

export function runCheck(options: CheckOptions, io: CheckIo, version: string): number {
  const transforms = selectTransforms({ transforms: options.transform, skip: options.skip });
  const session = loadSession(resolveDir(options.dir), transforms, options.pnpmVersion ? { pnpmVersion: options.pnpmVersion } : {}, io.stderr);
  const report = readinessReport(session);
  write(report, options, io, session.root, version);
  for (const failure of session.plan.failures)
    io.stderr.write(`ecsfix: error ${failure.file}:${failure.line} ${failure.code} ${failure.message} — fix the file and run again\n`);
  if (session.plan.failures.length) return 2;
  return failsAt(report, options.failOn) ? 1 : 0;
}

function write(report: CheckReport, options: CheckOptions, io: CheckIo, root: string, version: string) {
  const json = (value: unknown) => io.stdout.write(JSON.stringify(value, null, 2) + '\n');
  switch (options.format) {
    case 'text':
      io.stdout.write(formatText(report, { color: colorEnabled(io.stdout as NodeJS.WriteStream), verbose: options.verbose }));
      return;
    case 'markdown':
      io.stdout.write(formatMarkdown(report) + '\n');
      return;
    case 'json':
      return json(checkJson(report));
    case 'sarif':
      return json(checkSarif(report, root, version));
    case 'ecs': {
      if (options.output === undefined) return json(ecsJson(report));
      const dir = resolve(options.output);
      mkdirSync(dir, { recursive: true });
      const files = ecsFiles(report);
      for (const file of files) writeFileSync(join(dir, file.name), file.contents);
      io.stderr.write(`wrote ${files.length} file(s) to ${options.output}\n`);
    }
  }
}
