/**
 * The condition of a shell `if` around a line of an entrypoint script (`if [ "$1" = "node" ] || [ -z "$1" ]; then`),
 * and whether it holds for a service: tests on env variables are settled by the values the
 * container gets (the image's ENV, compose's `environment`), tests on the positional parameters
 * (`$1`) by the arguments the script is started with (the rest of the ENTRYPOINT, then compose's
 * `command` or the image's CMD). Three-valued: null when a value it tests is not established.
 */

/** The innermost open `if` before line `at` (0-based) of a script, as written, and its tests. */
export interface ShellGuard {
  /** The condition as written, between `if` and `; then`. */
  text: string;
  /** Its tests, joined by `||` or `&&` (one operator throughout; null when they are mixed or not readable). */
  tests: GuardTest[] | null;
  join: '||' | '&&';
  /** Whether any test reads a positional parameter (`$1`, `$@`). */
  positional: boolean;
}

/** `[ A = B ]`, `[ A != B ]`, `[ -z A ]`, `[ -n A ]`: each operand a variable reference or a literal. */
export interface GuardTest {
  op: '=' | '!=' | '-z' | '-n';
  left: Operand;
  right: Operand | null;
}

type Operand = { variable: string; fallback: string | null } | { literal: string };

export function guardAround(lines: readonly string[], at: number): ShellGuard | null {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (/^\s*fi\b/.test(line)) depth++;
    else if (/^\s*if\b/.test(line)) {
      if (depth > 0) {
        depth--;
        continue;
      }
      return parseGuard(line);
    }
  }
  return null;
}

function parseGuard(line: string): ShellGuard | null {
  const text = /^\s*if\s+(.*?)\s*(?:;\s*then\b.*)?$/.exec(line)?.[1]?.trim();
  if (!text) return null;
  const ors = text.split(/\s*\|\|\s*/);
  const ands = text.split(/\s*&&\s*/);
  const join = ors.length > 1 ? '||' : '&&';
  const parts = join === '||' ? ors : ands;
  const mixed = ors.length > 1 && ands.length > 1;
  const tests = mixed ? null : parts.map(parseTest);
  const readable = tests && tests.every((t): t is GuardTest => t !== null) ? tests : null;
  return { text, tests: readable, join, positional: /\$\{?[1-9@*#]/.test(text) };
}

function parseTest(part: string): GuardTest | null {
  const inner = /^(?:\[\[?\s+(.*?)\s+\]\]?|test\s+(.*))$/.exec(part.trim());
  const body = inner?.[1] ?? inner?.[2];
  if (!body) return null;
  const words = [...body.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => ({ text: m[1] ?? m[2] ?? m[3] ?? '', quoted: m[2] !== undefined }));
  const operand = (w: { text: string; quoted: boolean } | undefined): Operand | null => {
    if (!w) return null;
    if (w.quoted) return { literal: w.text };
    const v = /^\$\{?(\w+|[@*#])(?::?-([^}]*))?\}?$/.exec(w.text);
    if (v) return { variable: v[1] ?? '', fallback: v[2] ?? null };
    return w.text.includes('$') ? null : { literal: w.text };
  };
  if (words.length === 2 && (words[0]?.text === '-z' || words[0]?.text === '-n')) {
    const left = operand(words[1]);
    return left ? { op: words[0].text as '-z' | '-n', left, right: null } : null;
  }
  if (words.length === 3 && /^(?:=|==|!=)$/.test(words[1]?.text ?? '')) {
    const left = operand(words[0]);
    const right = operand(words[2]);
    return left && right ? { op: words[1]?.text === '!=' ? '!=' : '=', left, right } : null;
  }
  return null;
}

/** What the script's run settles: env values (null: set from outside, not known) and its arguments (null: not known). */
export interface GuardInputs {
  env: Record<string, string | null>;
  args: string[] | null;
}

/** Whether the guard holds: null when a value it tests is not established. */
export function guardHolds(guard: ShellGuard, inputs: GuardInputs): boolean | null {
  if (!guard.tests) return null;
  const results = guard.tests.map((t) => testHolds(t, inputs));
  if (guard.join === '||') return results.some((r) => r === true) ? true : results.every((r) => r === false) ? false : null;
  return results.some((r) => r === false) ? false : results.every((r) => r === true) ? true : null;
}

function testHolds(test: GuardTest, inputs: GuardInputs): boolean | null {
  const left = valueOf(test.left, inputs);
  if (left === null) return null;
  if (test.op === '-z') return left === '';
  if (test.op === '-n') return left !== '';
  const right = test.right ? valueOf(test.right, inputs) : null;
  if (right === null) return null;
  return (left === right) === (test.op === '=');
}

function valueOf(operand: Operand, { env, args }: GuardInputs): string | null {
  if ('literal' in operand) return operand.literal;
  const { variable, fallback } = operand;
  let value: string | null | undefined;
  if (/^[1-9]$/.test(variable)) value = args === null ? null : (args[Number(variable) - 1] ?? '');
  else if (variable === '#') value = args === null ? null : String(args.length);
  else if (variable === '@' || variable === '*') value = args === null ? null : args.join(' ');
  else {
    // Not set by the image or compose: the task definition may set it, so only its fallback is known.
    const set = env[variable];
    value = set === undefined ? fallback : set;
  }
  if (value === null) return null;
  // ${1:-x}: x when unset or empty.
  return value === '' && fallback !== null ? fallback : value;
}
