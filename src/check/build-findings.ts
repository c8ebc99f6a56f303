/**
 * The static build check (src/check/build/) as findings of `check`: what `docker build` or the
 * first start of each service's image would trip over (a COPY source missing from the context, a
 * CMD script the image lacks, a workspace package missing at runtime, root at runtime), on the
 * Dockerfile as it is now (codes ECS501-ECS510). A finding that a pending change removes names that
 * transform.
 */
import type { Finding } from '../findings/finding.js';
import { checkDockerfileBuild } from './build/index.js';
import type { CheckContext } from './context.js';

/** ECS505: the deployed stage runs as root. */
const RUNTIME_ROOT = 'ECS505';

export function buildCheckFindings(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    const path = service.dockerfile;
    if (!path || !ctx.repo.dockerfiles.get(path)?.parsed) continue;
    const text = ctx.read(path);
    if (text === null) continue;
    // Any pending change to the Dockerfile may be what removes the finding; name the one that does.
    const fixer = ['dockerfile-non-root', 'dockerfile-nginx-non-root', 'dockerfile-worker-multistage'].find((t) => ctx.pending(t, path));
    for (const f of checkDockerfileBuild(text, ctx.repo, { path, service })) {
      const root = f.code === RUNTIME_ROOT;
      findings.push({
        ...f,
        file: path,
        service: service.name,
        ...(root && fixer ? { fixedBy: fixer } : {}),
      });
    }
  }
  return findings;
}
