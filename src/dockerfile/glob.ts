/**
 * The one glob matcher: COPY sources, pnpm `--filter` selectors and workspace package globs. `*`
 * and `?` stay within a path segment, `[abc]` / `[!abc]` are character classes, a `**` segment
 * matches any depth; a trailing `/` is ignored.
 */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => (segment === '**' ? '.*' : segmentPattern(segment)))
    .join('/');
  return new RegExp(`^${body}$`);
}

export const isGlob = (s: string): boolean => /[*?[]/.test(s);

function segmentPattern(segment: string): string {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    const close = c === '[' ? segment.indexOf(']', i + 2) : -1;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (close > 0) {
      const set = segment.slice(i + 1, close);
      re += `[${set.startsWith('!') ? '^' + set.slice(1) : set}]`.replace(/\\/g, '\\\\');
      i = close;
    } else re += /[.+^${}()|[\]\\]/.test(c) ? '\\' + c : c;
  }
  return re;
}
