/**
 * ECS418 (review8 R14): a compose named volume that two deployed services of one project mount
 * (`static`: the Django admin's collectstatic fills it, nginx serves it read-only). Each ECS service
 * runs as its own task and a compose volume has no Fargate counterpart but EFS: on ECS each container
 * gets its own empty directory there, so what one writes never reaches the other (nginx answers 404
 * for every static file). Volumes of image-only services count as sharers; the findings go to the
 * repo's own services. Mounts a local-development layer or a development profile adds are not
 * deployed and are not counted. The fact is the model's (`Service.sharedVolumes`,
 * src/repo/composeProject.ts): the finding and the task definition's note both read it.
 */
import type { Finding } from '../../findings/finding.js';
import type { SharedVolume } from '../../repo/composeProject.js';
import type { ComposeService } from '../../repo/compose.js';
import type { Service } from '../../repo/model.js';
import { finding, type CheckContext } from '../context.js';

/** What a service's task definition cannot carry over: a line per volume it shares. */
export function sharedVolumeNotes(service: Service): string[] {
  return (service.sharedVolumes ?? []).map(sharedVolumeNote);
}

function sharedVolumeNote(m: SharedVolume): string {
  return `compose volume ${m.volume.source} (${m.volume.target}) is shared with ${m.others.join(', ')}: not carried over (an ECS task has no compose volume); bake the files into the image, serve them from the service that makes them, or mount one EFS file system in each task definition`;
}

/** The line of the mount in its compose file: the first one naming the volume and the path after the service's own line. */
function mountLine(text: string, compose: ComposeService, m: SharedVolume): number | undefined {
  const lines = text.split('\n');
  const from = (m.volume.file ?? compose.file) === compose.file ? compose.line : 0;
  const at = lines.findIndex((l, i) => i >= from && l.includes(m.volume.source ?? '') && l.includes(m.volume.target));
  return at >= 0 ? at + 1 : undefined;
}

export function composeSharedVolume(ctx: CheckContext): Finding[] {
  return ctx.repo.services.flatMap((service) => {
    const compose = service.compose;
    if (!compose) return [];
    return (service.sharedVolumes ?? []).map((m) => {
      const file = m.volume.file ?? compose.file;
      const line = mountLine(ctx.read(file) ?? '', compose, m);
      return finding(ctx, 'ECS418', {
        service: service.name,
        file,
        ...(line ? { line } : {}),
        message: `"${service.name}" mounts the compose volume ${m.volume.source} at ${m.volume.target}, which ${m.others.join(', ')} mount${m.others.length === 1 ? 's' : ''} too: each ECS service runs as its own task with no compose volumes, so on ECS this container gets an empty directory there and nothing written by one reaches the other. Bake the files into the image (a build stage that makes them), serve them from the service that makes them, or mount one EFS file system in both task definitions`,
      });
    });
  });
}
