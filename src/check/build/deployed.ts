/** The deployed stage of a followed build: its files and the CMD/ENTRYPOINT that starts it. */
import { deployedStage, type DockerInstruction, type ParsedDockerfile } from '../../repo/dockerfile.js';
import type { ImageBuild } from '../../dockerfile/imageBuild.js';
import { absPath, type StageFiles } from '../../dockerfile/imageFiles.js';
import type { BuildCheckContext } from './context.js';

export function deployedOf(build: ImageBuild, target: string | null | undefined): BuildCheckContext['deployed'] {
  const stage = deployedStage(build.parsed, target);
  if (!stage) return null;
  const cmd = [...stage.instructions].reverse().find((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  return { stage, files: build.stages[stage.index] as StageFiles, cmd };
}

/** The WORKDIR in force at an instruction (literal WORKDIRs only), through the stages it is built FROM. */
export function workdirBefore(parsed: ParsedDockerfile, stageIndex: number, at: DockerInstruction): string {
  const chain: number[] = [];
  let s: number | null = stageIndex;
  while (s !== null && !chain.includes(s)) {
    chain.unshift(s);
    s = parsed.stages[s]?.parentStage ?? null;
  }
  let wd = '/';
  for (const index of chain)
    for (const ins of parsed.stages[index]?.instructions ?? []) {
      if (index === stageIndex && ins.start >= at.start) break;
      if (ins.keyword === 'WORKDIR' && !ins.args.includes('$')) wd = absPath(wd, ins.args.trim().replace(/^["']|["']$/g, ''));
    }
  return wd;
}

