/** workspace-runtime (ECS504): a workspace package the service imports that the deployed stage lacks. */
import { joinRel } from '../../dockerfile/imageFiles.js';
import { packageNamed } from '../../repo/packageIndex.js';
import { stageLabel, unfollowedReason, type BuildCheckContext, type BuildFinding } from './context.js';

export function workspaceRuntime(ctx: BuildCheckContext): BuildFinding[] {
  const { deployed, service } = ctx;
  if (!deployed || !service?.packageName) return [];
  const findings: BuildFinding[] = [];
  for (const name of service.workspaceDeps) {
    const pkg = packageNamed(ctx.repo.workspacePackages, name);
    if (!pkg || name === service.packageName) continue;
    const main = joinRel(pkg.dir, (pkg.main ?? 'index.js').replace(/^\.\//, ''));
    // Its entry file, or a directory above it, copied or built into the stage.
    const present = deployed.files.entries.some(
      (e) => e.rel !== null && e.kind !== 'dir' && e.kind !== 'named' && (e.rel === main || main.startsWith(e.rel ? e.rel + '/' : '')) && (e.kind !== 'context' || ctx.build.files.exists(main)),
    );
    if (!present)
      findings.push({
        code: 'ECS504',
        severity: deployed.files.uncertain ? 'info' : 'blocking',
        line: deployed.cmd?.line ?? deployed.stage.from.line,
        message: deployed.files.uncertain
          ? `${service.name} imports workspace package ${name}: could not confirm that the ${stageLabel(deployed.stage)} stage has ${main}: ${unfollowedReason(deployed.files)}`
          : `${service.name} imports workspace package ${name}, but the ${stageLabel(deployed.stage)} stage has no ${main}`,
      });
  }
  return findings;
}
