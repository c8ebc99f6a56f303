/** runtime-user (ECS505): the deployed stage runs as root, a required fix in the audits (seed 000 section 11), so blocking. */
import { isRootUser } from '../../repo/dockerfile.js';
import { stageLabel, type BuildCheckContext, type BuildFinding } from './context.js';

export function runtimeUser(ctx: BuildCheckContext): BuildFinding[] {
  const deployed = ctx.deployed;
  if (!deployed || !isRootUser(deployed.stage.user)) return [];
  return [{ code: 'ECS505', severity: 'blocking', line: (deployed.cmd ?? deployed.stage.from).line, message: `the ${stageLabel(deployed.stage)} stage runs as root` }];
}
