/**
 * Dockerfile variable text: the `NAME=value` pairs of an ARG/ENV and the `$VAR` expansion, with no
 * model behind them (the Dockerfile model reads its FROM references with them; variables.ts adds
 * the per-instruction lookups).
 */

/** The `NAME=value` pairs of an ARG or ENV instruction (value null for an ARG without a default). */
export function variableAssignments(args: string, keyword: string): [string, string | null][] {
  const out: [string, string | null][] = [];
  const trimmed = args.trim();
  // `ENV NAME value` (legacy form: one variable, the rest of the line is the value).
  if (keyword === 'ENV' && /^[A-Za-z_]\w*\s+[^=\s]/.test(trimmed) && !/^[A-Za-z_]\w*=/.test(trimmed)) {
    const m = /^([A-Za-z_]\w*)\s+(.*)$/s.exec(trimmed);
    if (m) out.push([m[1] as string, unquote((m[2] as string).trim())]);
    return out;
  }
  for (const m of trimmed.matchAll(/([A-Za-z_]\w*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    out.push([m[1] as string, m[2] === undefined ? null : unquote(m[2])]);
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  return v;
}

/** What {@link expandVariables} made of a text. */
export interface Expansion {
  text: string;
  /** Variables with no known value and no default: kept as written in `text`. */
  unknown: string[];
}

const VARIABLE = /\$\{([A-Za-z_]\w*)(?:(:?)([-+])([^}]*))?\}|\$([A-Za-z_]\w*)/g;

/**
 * Expands `$NAME`, `${NAME}`, `${NAME:-default}` / `${NAME-default}` and `${NAME:+alt}` /
 * `${NAME+alt}` as Docker does, with the values `lookup` knows (null = not known here).
 */
export function expandVariables(value: string, lookup: (name: string) => string | null): Expansion {
  const unknown: string[] = [];
  const text = value.replace(VARIABLE, (whole, braced: string | undefined, colon: string, op: string | undefined, word: string, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const v = lookup(name);
    const set = colon ? v !== null && v !== '' : v !== null;
    if (op === '-') return set ? (v as string) : word;
    if (op === '+') return set ? word : '';
    if (v !== null) return v;
    unknown.push(name);
    return whole;
  });
  return { text, unknown };
}

/** The text with every variable expanded; null when one has no known value. */
export function substitute(value: string, lookup: (name: string) => string | null): string | null {
  const expansion = expandVariables(value, lookup);
  return expansion.unknown.length ? null : expansion.text;
}
