/** The command line that repeats a run without asking: what the summary and the wizard print. */
import type { Flags } from './args.js';

/** Single-quoted for a POSIX shell when the word needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface ScriptLine {
  command: 'apply' | 'diff';
  /** The directory as the user gave it (omitted when it was the current one). */
  dir?: string;
  transforms?: string[];
  skip?: string[];
  only?: string[];
  pnpmVersion?: string;
  yes?: boolean;
}

export function scriptLine(line: ScriptLine): string {
  const words = ['ecsfix', line.command];
  if (line.dir !== undefined && line.dir !== '.' && line.dir !== '') words.push(line.dir);
  if (line.transforms?.length) words.push('-t', line.transforms.join(','));
  if (line.skip?.length) words.push('--skip', line.skip.join(','));
  if (line.only?.length) words.push('--only', line.only.join(','));
  if (line.pnpmVersion) words.push('--pnpm-version', line.pnpmVersion);
  if (line.yes) words.push('--yes');
  return words.map(shellWord).join(' ');
}

/** The same selection as this run's flags. */
export function sameSelection(flags: Flags, dir: string | undefined): Omit<ScriptLine, 'command'> {
  return {
    ...(dir !== undefined ? { dir } : {}),
    transforms: flags.transform.flatMap((t) => t.split(',')).filter(Boolean),
    skip: flags.skip.flatMap((t) => t.split(',')).filter(Boolean),
    only: flags.only,
    ...(flags.pnpmVersion ? { pnpmVersion: flags.pnpmVersion } : {}),
  };
}
