/**
 * ECS416 (review5 P14): compose bind-mounts a file of the repo into a deployed service's container
 * (`./proxy/default.conf:/etc/nginx/conf.d/default.conf:ro`) and the image does not COPY it there.
 * ECS tasks have no bind mounts from the repo: on ECS the container runs with whatever the image has
 * at that path (nginx's stock welcome page answering the ALB on `/`), silently. Only files (a
 * mounted source directory is the usual hot-reload setup over code the image copies anyway), only
 * mounts of the files a deployment uses (not the local-development layer's), only where the image's
 * files are established not to hold it.
 */
import { posix } from 'node:path';
import type { Finding } from '../../findings/finding.js';
import { deployedVolumes, developmentOnly } from '../../repo/compose.js';
import { presence } from '../../dockerfile/imageFiles.js';
import { stageFilesAt } from '../../dockerfile/imageBuild.js';
import { finding, serviceImage, type CheckContext } from '../context.js';

export function composeBindMount(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const files = new Set(ctx.repo.files);
  for (const service of ctx.repo.services) {
    const compose = service.compose;
    const image = serviceImage(ctx.repo, service);
    if (!compose || !image || developmentOnly(compose)) continue;
    for (const volume of deployedVolumes(compose)) {
      const declaredIn = volume.file ?? compose.file;
      if (!volume.source || !/^\.\.?\//.test(volume.source)) continue;
      const source = posix.normalize(posix.join(posix.dirname(declaredIn), volume.source));
      if (!files.has(source)) continue;
      const { stage, files: index } = stageFilesAt(image.parsed, image.stage, null, service.buildContext, ctx.repo, undefined, service.dockerfile);
      if (presence(stage, volume.target, index).presence !== 'no') continue;
      const text = ctx.read(declaredIn) ?? '';
      const line = text.split('\n').findIndex((l) => l.includes(volume.source ?? '') && l.includes(volume.target)) + 1;
      findings.push(
        finding(ctx, 'ECS416', {
          service: service.name,
          file: declaredIn,
          ...(line > 0 ? { line } : {}),
          message: `compose bind-mounts ${source} into "${service.name}" at ${volume.target}, and the image does not COPY it there: an ECS task has no bind mount from the repo, so on ECS the container runs without it. COPY it into the image (or load it from S3/SSM at start)`,
        }),
      );
    }
  }
  return findings;
}
