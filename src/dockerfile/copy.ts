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
  const all = instructionWords(parsed, ins);
  const { json } = all;
  let words = all.words;
  // `COPY <<EOF /usr/local/bin/entry.sh` + body lines: the sources are the heredocs (`<<EOF`), the
  // arguments end with the first line; the body is file content, not sources.
  if (words.some((w) => w.value.startsWith('<<'))) {
    const firstLineEnd = parsed.text.indexOf('\n', ins.start);
    words = words.filter((w) => firstLineEnd < 0 || w.start < firstLineEnd);
  }
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
