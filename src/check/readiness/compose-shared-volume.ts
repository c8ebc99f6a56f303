/**
 * ECS418 (review8 R14): a compose named volume that two deployed services of one project mount
 * (`static`: the Django admin's collectstatic fills it, nginx serves it read-only). Each ECS service
 * runs as its own task and a compose volume has no Fargate counterpart but EFS: on ECS each container
 * gets its own empty directory there, so what one writes never reaches the other (nginx answers 404
 * for every static file). Volumes of image-only services count as sharers; the findings go to the
 * repo's own services. Mounts a local-development layer or a development profile adds are not
 * deployed and are not counted.
 */
import type { Finding } from '../../findings/finding.js';
import { deployedVolumes, developmentOnly, type ComposeService, type ComposeVolume } from '../../repo/compose.js';
import type { RepoModel, Service } from '../../repo/model.js';
import { finding, type CheckContext } from '../context.js';

/** A Compose volume name (`static`, `pg_data`), not a host path. */
const NAMED_VOLUME = /^[A-Za-z0-9][\w.-]*$/;

export interface SharedMount {
  service: ComposeService;
  volume: ComposeVolume;
  /** The other deployed compose services of the project that mount the same volume. */
  others: string[];
}

/** Every deployed mount of a named volume that another deployed service of its compose project mounts too. */
export function sharedVolumeMounts(repo: RepoModel): SharedMount[] {
  const out: SharedMount[] = [];
  for (const project of repo.compose.projects) {
    const users = new Map<string, { service: ComposeService; volume: ComposeVolume }[]>();
    for (const service of project.services) {
      if (developmentOnly(service)) continue;
      for (const volume of deployedVolumes(service)) {
        if (!volume.source || !NAMED_VOLUME.test(volume.source)) continue;
        users.set(volume.source, [...(users.get(volume.source) ?? []), { service, volume }]);
      }
    }
    for (const mounts of users.values()) {
      const names = [...new Set(mounts.map((m) => m.service.name))];
      if (names.length < 2) continue;
      for (const m of mounts) out.push({ ...m, others: names.filter((n) => n !== m.service.name) });
    }
  }
  return out;
}

/** What a service's task definition cannot carry over: a line per volume it shares. */
export function sharedVolumeNotes(repo: RepoModel, service: Service): string[] {
  const own = service.compose;
  return own ? sharedVolumeMounts(repo).filter((m) => m.service === own).map(sharedVolumeNote) : [];
}

function sharedVolumeNote(m: SharedMount): string {
  return `compose volume ${m.volume.source} (${m.volume.target}) is shared with ${m.others.join(', ')}: not carried over (an ECS task has no compose volume); bake the files into the image, serve them from the service that makes them, or mount one EFS file system in each task definition`;
}

/** The line of the mount in its compose file: the first one naming the volume and the path after the service's own line. */
function mountLine(text: string, m: SharedMount): number | undefined {
  const lines = text.split('\n');
  const from = (m.volume.file ?? m.service.file) === m.service.file ? m.service.line : 0;
  const at = lines.findIndex((l, i) => i >= from && l.includes(m.volume.source ?? '') && l.includes(m.volume.target));
  return at >= 0 ? at + 1 : undefined;
}

export function composeSharedVolume(ctx: CheckContext): Finding[] {
  // A service's compose definition is the very object of its project (two projects may both name a service `web`).
  const own = new Set(ctx.repo.services.map((s) => s.compose));
  return sharedVolumeMounts(ctx.repo)
    .filter((m) => own.has(m.service))
    .map((m) => {
      const file = m.volume.file ?? m.service.file;
      const line = mountLine(ctx.read(file) ?? '', m);
      return finding(ctx, 'ECS418', {
        service: m.service.name,
        file,
        ...(line ? { line } : {}),
        message: `"${m.service.name}" mounts the compose volume ${m.volume.source} at ${m.volume.target}, which ${m.others.join(', ')} mount${m.others.length === 1 ? 's' : ''} too: each ECS service runs as its own task with no compose volumes, so on ECS this container gets an empty directory there and nothing written by one reaches the other. Bake the files into the image (a build stage that makes them), serve them from the service that makes them, or mount one EFS file system in both task definitions`,
      });
    });
}
