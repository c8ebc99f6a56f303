/**
 * What a service's compose project says about it beside the project's other deployed services,
 * computed once per service ({@link projectFactsOf}) for the readiness rules, the transforms and the
 * task definition alike:
 * - the services that wait for it to exit successfully (`depends_on: {migrate: {condition:
 *   service_completed_successfully}}`): a job that runs to completion (migrations, a seed), run once
 *   per deploy as a one-off task, not a long-running service;
 * - the named volumes it mounts that another deployed service mounts too (`static`: collectstatic
 *   fills it, nginx serves it), which an ECS task cannot share.
 * Services of a local-development layer or a development profile are not deployed and do not count.
 */
import { deployedVolumes, developmentOnly, type ComposeModel, type ComposeService, type ComposeVolume } from './compose.js';

/** A deployed service of the project that waits for this one to complete, where it says so. */
export interface CompletionWaiter {
  service: string;
  file: string;
  line: number;
}

/** A named volume the service mounts that other deployed services of its project mount too. */
export interface SharedVolume {
  volume: ComposeVolume;
  /** The other deployed compose services of the project that mount it. */
  others: string[];
}

/** A Compose volume name (`static`, `pg_data`), not a host path. */
const NAMED_VOLUME = /^[A-Za-z0-9][\w.-]*$/;

export interface ProjectFacts {
  runsToCompletion?: CompletionWaiter[];
  sharedVolumes?: SharedVolume[];
}

/** The facts of a compose service's project, for each service (absent when there are none); the project's shared mounts are read once. */
export function projectFactsOf(compose: ComposeModel): (own: ComposeService | null) => ProjectFacts {
  const shared = sharedVolumeMounts(compose);
  return (own) => {
    if (!own) return {};
    const waiters = completionWaiters(compose, own);
    const volumes = shared.filter((m) => m.service === own).map(({ volume, others }) => ({ volume, others }));
    return { ...(waiters.length ? { runsToCompletion: waiters } : {}), ...(volumes.length ? { sharedVolumes: volumes } : {}) };
  };
}

/** The deployed services of its compose project that wait for this one to complete, with where they say so. */
function completionWaiters(compose: ComposeModel, own: ComposeService): CompletionWaiter[] {
  const project = compose.projects.find((p) => p.services.includes(own));
  return (project?.services ?? [])
    .filter((s) => !developmentOnly(s))
    .flatMap((s) => (s.awaitsCompletion ?? []).filter((c) => c.service === own.name).map((c) => ({ service: s.name, file: c.file, line: c.line })));
}

/** Every deployed mount of a named volume that another deployed service of its compose project mounts too (image-only services count as sharers). */
function sharedVolumeMounts(compose: ComposeModel): (SharedVolume & { service: ComposeService })[] {
  const out: (SharedVolume & { service: ComposeService })[] = [];
  for (const project of compose.projects) {
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
