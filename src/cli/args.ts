/**
 * argv -> flags and positionals, with errors in ecsfix's own words: an unknown option is named with
 * the closest real one, a missing value says what value, never Node's parser text.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { didYouMean } from './suggest.js';

export interface Flags {
  transform: string[];
  skip: string[];
  /** `--only <path>`: limit changes to these files (repo-relative; repeatable or comma-separated). */
  only: string[];
  yes: boolean;
  json: boolean;
  allowDirty: boolean;
  quiet: boolean;
  verbose: boolean;
  maxWarnings?: number;
  pnpmVersion?: string;
  /** `--require`: compose-secret-defaults writes `${VAR:?VAR must be set}`. */
  requireSecrets?: boolean;
}

export interface ParsedArgs {
  flags: Flags;
  positionals: string[];
  help: boolean;
  version: boolean;
}

/** Every option, with what its value is (for "needs a value" errors) when it takes one. */
const OPTIONS = {
  transform: { type: 'string', short: 't', multiple: true, value: 'a transform id' },
  skip: { type: 'string', multiple: true, value: 'a transform id' },
  only: { type: 'string', multiple: true, value: 'a file path' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  'allow-dirty': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean' },
  'max-warnings': { type: 'string', value: 'a number' },
  'pnpm-version': { type: 'string', value: 'a version such as 8.15.0' },
  require: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type OptionName = keyof typeof OPTIONS;
const NAMES = Object.keys(OPTIONS) as OptionName[];
const SPELLINGS = NAMES.map((n) => `--${n}`);

function option(name: string): (typeof OPTIONS)[OptionName] | undefined {
  return (OPTIONS as Record<string, (typeof OPTIONS)[OptionName]>)[name];
}

export function parseArgv(argv: string[]): ParsedArgs {
  const { tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: Object.fromEntries(
      NAMES.map((n) => {
        const spec: { type: 'string' | 'boolean'; short?: string; multiple?: boolean } = OPTIONS[n];
        return [n, { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) }];
      }),
    ),
  });
  const strings = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (const token of tokens ?? []) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const spec = option(token.name);
    if (!spec) throw new UsageError(`unknown option "${token.rawName}"${didYouMean(token.rawName, SPELLINGS)}. Run "ecsfix --help" for the options`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`option ${token.rawName} takes no value (got "${token.value}")`);
      booleans.add(token.name);
    } else {
      if (token.value === undefined || token.value === '') throw new UsageError(`option ${token.rawName} needs ${'value' in spec ? spec.value : 'a value'}`);
      strings.set(token.name, [...(strings.get(token.name) ?? []), token.value]);
    }
  }
  const last = (name: OptionName) => strings.get(name)?.at(-1);
  const flags: Flags = {
    transform: strings.get('transform') ?? [],
    skip: strings.get('skip') ?? [],
    only: (strings.get('only') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean),
    yes: booleans.has('yes'),
    json: booleans.has('json'),
    allowDirty: booleans.has('allow-dirty'),
    quiet: booleans.has('quiet'),
    verbose: booleans.has('verbose'),
    ...(booleans.has('require') ? { requireSecrets: true } : {}),
  };
  if (flags.quiet && flags.verbose) throw new UsageError('--quiet and --verbose contradict each other; pass one');
  const maxWarnings = last('max-warnings');
  if (maxWarnings !== undefined) {
    if (!/^\d+$/.test(maxWarnings)) throw new UsageError(`--max-warnings "${maxWarnings}" is not a whole number such as 0 or 10`);
    flags.maxWarnings = Number(maxWarnings);
  }
  const pnpmVersion = last('pnpm-version');
  if (pnpmVersion !== undefined) {
    if (!/^\d+(\.\d+){0,2}(-[\w.]+)?$/.test(pnpmVersion)) throw new UsageError(`--pnpm-version "${pnpmVersion}" is not a version such as 8.15.0`);
    flags.pnpmVersion = pnpmVersion;
  }
  return { flags, positionals, help: booleans.has('help'), version: booleans.has('version') };
}

/**
 * Options, of any command, whose value is the next word (`--format json`): that word is not the
 * command. `check` and `verify` parse options of their own, so main() finds their command word
 * before any parser runs, wherever it stands (`ecsfix --verbose check . --format json`).
 */
const VALUE_OPTIONS = new Set([
  ...NAMES.filter((n) => OPTIONS[n].type === 'string').flatMap((n) => {
    const spec: { type: string; short?: string } = OPTIONS[n];
    return [`--${n}`, ...(spec.short ? [`-${spec.short}`] : [])];
  }),
  ...['-f', '--format', '--fail-on', '-o', '--output'], // check
  ...['--engine', '--service', '--start-seconds', '--timeout', '--parallel'], // verify
]);

/** The position of the command word in argv (the first word that is no option and no option's value), or -1. */
export function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!word.startsWith('-') || word === '-') return i;
    if (VALUE_OPTIONS.has(word)) i++;
  }
  return -1;
}
