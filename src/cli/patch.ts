/** Unified diffs `git apply` accepts (a/ b/ paths, git headers), plain or coloured. */
import { createTwoFilesPatch } from 'diff';
import type { FileChange } from '../run/plan.js';
import { cyan, dim, green, printable, red } from './style.js';

export function filePatch(change: Pick<FileChange, 'path' | 'before' | 'after' | 'created'>): string {
  // A file the change creates is compared with /dev/null, as git does, so `git apply` creates it.
  const from = change.created ? '/dev/null' : `a/${change.path}`;
  const raw = createTwoFilesPatch(from, `b/${change.path}`, change.before, change.after, undefined, undefined, { context: 3 });
  // Drop the "Index:"/"====" preamble and the tab-separated empty headers jsdiff writes.
  const lines = raw.split('\n');
  const start = lines.findIndex((l) => l.startsWith('--- '));
  const body = lines
    .slice(start)
    .map((l) => (l.startsWith('--- ') || l.startsWith('+++ ') ? l.replace(/\t.*$/, '') : l))
    .join('\n');
  return `diff --git a/${change.path} b/${change.path}\n${change.created ? 'new file mode 100644\n' : ''}${body.endsWith('\n') ? body : body + '\n'}`;
}

/** A patch for a terminal: control characters from the files escaped, lines kept. */
export function terminalPatch(patch: string): string {
  return printable(patch, '\n\t');
}

export function colorizePatch(patch: string, on: boolean): string {
  if (!on) return patch;
  return patch
    .split('\n')
    .map((l) =>
      l.startsWith('diff --git') || l.startsWith('--- ') || l.startsWith('+++ ')
        ? dim(true, l)
        : l.startsWith('@@')
          ? cyan(true, l)
          : l.startsWith('+')
            ? green(true, l)
            : l.startsWith('-')
              ? red(true, l)
              : l,
    )
    .join('\n');
}
