/** "Did you mean": the closest known name to a mistyped one, for flags, commands and transform ids. */

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The one known name the user most likely meant: the only one that contains what was typed
 * (`non-root` -> `dockerfile-non-root`; of several, the one strictly shortest), else the nearest within a third of its length. Null when
 * nothing is close or two candidates tie, so a suggestion is never a guess between equals.
 */
export function closest(typed: string, known: readonly string[]): string | null {
  const wanted = typed.toLowerCase();
  if (wanted.length >= 3) {
    const containing = known.filter((k) => k.toLowerCase().includes(wanted));
    if (containing.length === 1) return containing[0] ?? null;
    // Several contain it (`non-root` in dockerfile-non-root and dockerfile-nginx-non-root): the one that adds least, if only one does.
    const shortest = [...containing].sort((a, b) => a.length - b.length);
    if (shortest.length > 1 && (shortest[0]?.length ?? 0) < (shortest[1]?.length ?? 0)) return shortest[0] ?? null;
  }
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  const ranked = known.map((k) => ({ k, d: editDistance(wanted, k.toLowerCase()) })).filter((r) => r.d <= limit).sort((x, y) => x.d - y.d);
  if (ranked.length === 0 || (ranked.length > 1 && ranked[0]?.d === ranked[1]?.d)) return null;
  return ranked[0]?.k ?? null;
}

/** ` (did you mean "x"?)` or nothing. */
export function didYouMean(typed: string, known: readonly string[]): string {
  const guess = closest(typed, known);
  return guess ? ` (did you mean "${guess}"?)` : '';
}
