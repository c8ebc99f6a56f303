/**
 * What stops dockerfile-worker-multistage before it reads a worker image's steps: the facts of the
 * repo and the image it needs (one workspace package, pnpm-lock.yaml, a node base image with a
 * shell, the repo root as the build context). Shared with dockerfile-frozen-lockfile, whose ECS145
 * points at the rewrite only when none of them stops it (review8 R17).
 */
import type { ParsedDockerfile } from '../../src/repo/dockerfile.js';
import type { RepoModel, Service } from '../../src/repo/model.js';
import { hasFile } from '../../src/repo/files.js';

/** Why the rewrite is refused for these services' single-stage image (with the line), or null. */
export function workerRewriteBlocker(repo: RepoModel, services: Service[], parsed: ParsedDockerfile): { reason: string; line?: number } | null {
  const packagesBuilt = [...new Set(services.map((s) => s.packageName))];
  const service = services[0];
  if (!service) return null;
  if (packagesBuilt.length !== 1) return { reason: `built for several workers (${services.map((s) => s.name).join(', ')})` };
  const stage = parsed.stages[0];
  if (!stage) return null;
  if (parsed.escape !== '\\') return { reason: `the file sets \`# escape=${parsed.escape}\`; rewrite it by hand` };
  if (!service.packageName) return { reason: `${service.name} is not a workspace package (no package.json under a workspace glob at ${service.dir || '.'})` };
  if (!hasFile(repo.files, 'pnpm-lock.yaml')) return { reason: 'the repo has no pnpm-lock.yaml to install from' };
  if (stage.base.family !== 'node' || (stage.base.distro !== 'alpine' && stage.base.distro !== 'debian'))
    return { reason: `the base image ${stage.base.reference} is not a node image with a shell`, line: stage.from.line };
  const context = service.buildContext === '.' ? '' : service.buildContext.replace(/^\.\//, '');
  if (context !== '') return { reason: `the build context is ${service.buildContext}; pnpm-lock.yaml and the workspace packages are outside it (build from the repo root)` };
  return null;
}
