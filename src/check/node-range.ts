/**
 * Whether a Node image of a given major satisfies an `engines.node` range. An image tag names a
 * major (node:18-alpine) whose minor floats to the newest release, so the question is whether the
 * range admits the newest release of that major. Implements the npm range grammar a package.json
 * uses (||, hyphen ranges, comparators, ^, ~, x-ranges); returns null for what it cannot read.
 */
type Version = [number, number, number];

const LATEST_MINOR = 999;

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A partial version (`18`, `18.2`, `18.x`) as [major, minor|null, patch|null]; null when not a version. */
function partial(text: string): [number, number | null, number | null] | null {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+][\w.-]*)?$/.exec(text);
  if (!m) return null;
  const num = (s: string | undefined) => (s === undefined || /[xX*]/.test(s) ? null : Number(s));
  const major = num(m[1]);
  if (major === null) return [-1, null, null];
  return [major, num(m[2]), num(m[3])];
}

type Test = (v: Version) => boolean;

function comparator(op: string, text: string): Test | null {
  const p = partial(text);
  if (!p) return null;
  const [major, minor, patch] = p;
  if (major < 0) return () => true; // *, x
  const low: Version = [major, minor ?? 0, patch ?? 0];
  // The first version above the partial: 18 -> 19.0.0, 18.2 -> 18.3.0.
  const next: Version = minor === null ? [major + 1, 0, 0] : patch === null ? [major, minor + 1, 0] : [major, minor, patch + 1];
  switch (op) {
    case '>=':
      return (v) => cmp(v, low) >= 0;
    case '>':
      return (v) => cmp(v, next) >= 0;
    case '<':
      return (v) => cmp(v, low) < 0;
    case '<=':
      return (v) => cmp(v, next) < 0;
    case '^': {
      const upper: Version = major > 0 || minor === null ? [major + 1, 0, 0] : minor > 0 || patch === null ? [0, minor + 1, 0] : [0, 0, (patch ?? 0) + 1];
      return (v) => cmp(v, low) >= 0 && cmp(v, upper) < 0;
    }
    case '~': {
      const upper: Version = minor === null ? [major + 1, 0, 0] : [major, minor + 1, 0];
      return (v) => cmp(v, low) >= 0 && cmp(v, upper) < 0;
    }
    default:
      return (v) => cmp(v, low) >= 0 && cmp(v, next) < 0; // = or bare: the whole partial range
  }
}

function conjunction(text: string): Test | null {
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
  if (hyphen) {
    const from = comparator('>=', hyphen[1] ?? '');
    const to = comparator('<=', hyphen[2] ?? '');
    return from && to ? (v) => from(v) && to(v) : null;
  }
  const tests: Test[] = [];
  for (const m of text.replace(/(>=|<=|>|<|=|\^|~>?)\s+/g, '$1').split(/\s+/).filter(Boolean)) {
    const parts = /^(>=|<=|>|<|=|\^|~>?)?(.*)$/.exec(m);
    const test = comparator((parts?.[1] ?? '').replace('~>', '~'), parts?.[2] ?? '');
    if (!test) return null;
    tests.push(test);
  }
  return (v) => tests.every((t) => t(v));
}

/** true / false, or null when the range is not one this reads. */
export function satisfiesMajor(range: string, major: number): boolean | null {
  const alternatives = range.split('||').map((r) => r.trim());
  const tests = alternatives.map((r) => (r === '' ? () => true : conjunction(r)));
  if (tests.some((t) => t === null)) return null;
  const newest: Version = [major, LATEST_MINOR, 0];
  return tests.some((t) => (t as Test)(newest));
}
