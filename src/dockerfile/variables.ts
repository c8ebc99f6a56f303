/**
 * Dockerfile variables: which ARG/ENV value a `$NAME` has at an instruction, and the one `$VAR`
 * expansion everything that reads Dockerfile text uses.
 */
import { effectiveInstructions, type DockerInstruction, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';

export interface VariableValue {
  name: string;
  /** The value the build sees by default; null when the ARG has no default (a build arg). */
  value: string | null;
  /** The ARG/ENV instruction that sets it. */
  instruction: DockerInstruction | null;
}

/**
 * Resolves `$NAME` / `${NAME}` at an instruction of a stage through the ARG and ENV instructions
 * in force before it (a stage inherits its parent stage's, and a global ARG re-declared in the
 * stage keeps its default).
 */
export function resolveVariable(parsed: ParsedDockerfile, stage: DockerStage, at: DockerInstruction, name: string): VariableValue {
  const globalArgs = parsed.instructions.filter((i) => i.stageIndex === -1 && i.keyword === 'ARG');
  let found: VariableValue = { name, value: null, instruction: null };
  for (const ins of effectiveInstructions(parsed, stage)) {
    if (ins === at) break;
    if (ins.keyword !== 'ARG' && ins.keyword !== 'ENV') continue;
    for (const [key, value] of variableAssignments(ins.args, ins.keyword)) {
      if (key !== name) continue;
      if (ins.keyword === 'ARG' && value === null) {
        const global = globalArgs.flatMap((g) => variableAssignments(g.args, 'ARG').filter(([k]) => k === name).map(([, v]) => ({ v, g })))[0];
        found = { name, value: global?.v ?? null, instruction: global?.v != null ? global.g : ins };
      } else found = { name, value, instruction: ins };
    }
  }
  return found;
}

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

/** The names of the variables a word expands (`pnpm@${PNPM_VERSION}` -> ['PNPM_VERSION']). */
export function expandedNames(value: string): string[] {
  return [...value.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1] as string);
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
