/** The arguments of a COPY or ADD: its flags, sources and destination, shell or JSON form. */
import type { DockerInstruction, ParsedDockerfile } from '../repo/dockerfile.js';
import { instructionWords, type ShellWord } from './shell.js';

export interface CopyArguments {
  flags: ShellWord[];
  sources: ShellWord[];
  dest: ShellWord;
  json: boolean;
  /** The destination is a directory (ends with `/`, is `.`, or there are several sources). */
  destIsDir: boolean;
}

/** Null when the instruction names no source and destination. */
export function copyArguments(parsed: ParsedDockerfile, ins: DockerInstruction): CopyArguments | null {
  const { words, json } = instructionWords(parsed, ins);
  const flags = words.filter((w, k) => w.value.startsWith('--') && words.slice(0, k).every((p) => p.value.startsWith('--')));
  const rest = words.slice(flags.length);
  if (rest.length < 2) return null;
  const dest = rest[rest.length - 1] as ShellWord;
  const sources = rest.slice(0, -1);
  const destIsDir = sources.length > 1 || /\/$/.test(dest.value) || dest.value === '.' || dest.value === '..' || /(^|\/)\.\.?$/.test(dest.value);
  return { flags, sources, dest, json, destIsDir };
}

/** The value of a COPY flag (`--from=builder` -> `builder`); undefined when it is not given. */
export function copyFlag(args: CopyArguments, name: string): string | undefined {
  const prefix = `--${name}=`;
  const flag = args.flags.find((f) => f.value === `--${name}` || f.value.startsWith(prefix));
  return flag === undefined ? undefined : flag.value.slice(prefix.length);
}
