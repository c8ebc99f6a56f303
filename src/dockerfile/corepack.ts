/**
 * Whether `corepack` runs in a stage: its node base image ships it (node 14.19/16.9 to 24; Node.js no
 * longer distributes it from 25 on), or a RUN before installs it (`npm i -g corepack`). Read by the
 * build check (ECS506's fix, ECS507) and by the transforms that write a pnpm install.
 */
import { INSTALLS_COREPACK, shipsCorepack } from '../repo/baseImage.js';
import { effectiveInstructions, type DockerInstruction, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';

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
  const ships = shipsCorepack(stage.base);
  return ships === false && maybe ? null : ships;
}
