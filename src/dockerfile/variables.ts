/**
 * Dockerfile variables: which ARG/ENV value a `$NAME` has at an instruction, and the one `$VAR`
 * expansion everything that reads Dockerfile text uses.
 */
import { effectiveInstructions, type DockerInstruction, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';
import { variableAssignments } from './expand.js';

export { expandVariables, substitute, variableAssignments, type Expansion } from './expand.js';

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

/** The names of the variables a word expands (`pnpm@${PNPM_VERSION}` -> ['PNPM_VERSION']). */
export function expandedNames(value: string): string[] {
  return [...value.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1] as string);
}

