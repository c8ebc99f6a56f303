/**
 * run-corepack (ECS507): a RUN calls `corepack` (`corepack enable`, `corepack prepare pnpm@9
 * --activate`) on a node image that has none. Node.js stopped distributing corepack with 25, so the
 * node 25+ images lack it and the step fails with `corepack: not found`.
 *
 * Blocking when established: the stage chain's base is a node image of a major without corepack and
 * nothing before the RUN installs it (`npm i -g corepack`). Info when the tag names no major (`lts`,
 * `current`, `alpine`, none): whichever major it resolves to decides. Any other base: nothing.
 */
import { corepackAvailable } from '../../dockerfile/corepack.js';
import { instructionWords } from '../../dockerfile/shell.js';
import { INSTALLS_COREPACK } from '../../repo/baseImage.js';
import type { BuildCheckContext, BuildFinding } from './context.js';
import { stageLabel } from './context.js';

const FIX = 'install pnpm without corepack (`npm install -g pnpm@<version>`), or install corepack first (`npm install -g corepack`)';

export function runCorepack(ctx: BuildCheckContext): BuildFinding[] {
  const { parsed } = ctx.build;
  const out: BuildFinding[] = [];
  for (const stage of parsed.stages) {
    const { base } = stage;
    if (base.family !== 'node') continue;
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'RUN' || !instructionWords(parsed, ins).words.some((w) => w.value === 'corepack')) continue;
      // `npm i -g corepack && corepack enable`: the RUN installs it before it calls it.
      const available = INSTALLS_COREPACK.test(ins.args) ? true : corepackAvailable(parsed, stage, ins);
      if (available === false)
        out.push({ code: 'ECS507', severity: 'blocking', line: ins.line, message: `RUN runs corepack in the ${stageLabel(stage)} stage, but ${base.reference} ships none (node images dropped it in 25) and no earlier step installs it: the build fails with "corepack: not found"; ${FIX}` });
      else if (available === null && !/^\d/.test(base.tag ?? '') && !/\$/.test(base.reference))
        out.push({ code: 'ECS507', severity: 'info', line: ins.line, message: `could not confirm that corepack, which this RUN of the ${stageLabel(stage)} stage runs, is in ${base.reference}: the tag names no node major, and node images from 25 on ship no corepack; if it resolves to one, ${FIX}` });
      break; // one finding per stage: the first corepack call fails the build
    }
  }
  return out;
}
