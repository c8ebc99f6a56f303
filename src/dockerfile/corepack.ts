/**
 * Whether `corepack` runs in a stage: its node base image ships it (node 14.19/16.9 to 24; Node.js no
 * longer distributes it from 25 on), or a RUN before installs it (`npm i -g corepack`). Read by the
 * build check (ECS506's fix, ECS507) and by the transforms that write a pnpm install.
 */
import { classifyBaseImage, INSTALLS_COREPACK, shipsCorepack, type BaseImage } from '../repo/baseImage.js';
import { effectiveInstructions, stageChain, type DockerInstruction, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';
import { substitute, variableAssignments } from './variables.js';

/** The stage chain's base image, with `${VAR}` in its reference expanded by the global ARG defaults. */
export function resolvedBase(parsed: ParsedDockerfile, stage: DockerStage): BaseImage {
  const root = stageChain(parsed, stage).pop() ?? stage;
  if (!root.fromRef.includes('$')) return root.base;
  const defaults = new Map<string, string | null>();
  for (const ins of parsed.instructions) if (ins.stageIndex === -1 && ins.keyword === 'ARG') for (const [name, value] of variableAssignments(ins.args, 'ARG')) defaults.set(name, value);
  const reference = substitute(root.fromRef, (name) => defaults.get(name) ?? null);
  return reference === null ? root.base : classifyBaseImage(reference);
}

/**
 * true: corepack runs at `at` (or at the stage's end); false: established that it does not (a node
 * image without it, nothing installs it); null: not established (another base, a tag that names no
 * major, a COPY or PATH change that may bring it).
 */
export function corepackAvailable(parsed: ParsedDockerfile, stage: DockerStage, at?: DockerInstruction): boolean | null {
  let maybe = false;
  for (const ins of effectiveInstructions(parsed, stage)) {
    if (ins === at) break;
    if (ins.keyword === 'RUN' && INSTALLS_COREPACK.test(ins.args)) return true;
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && /corepack|\s\/usr\/|\s\/opt\//.test(` ${ins.args}`)) maybe = true;
    if (ins.keyword === 'ENV' && /\bPATH\b/.test(ins.args)) maybe = true;
  }
  const ships = shipsCorepack(resolvedBase(parsed, stage));
  return ships === false && maybe ? null : ships;
}
