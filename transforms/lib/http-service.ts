/**
 * The HTTP service a Dockerfile builds and the port it serves on, as the repo model established it
 * (or the finding that says why there is no one answer): shared by dockerfile-port-env and
 * dockerfile-healthcheck-env so the PORT they write and probe is decided once.
 */
import type { Finding } from '../../src/findings/finding.js';
import { servicesForFile, type RepoModel, type Service } from '../../src/repo/model.js';
import { portSourceRank } from '../../src/repo/ports.js';
import { startPackageUnknown } from './start-package.js';

/**
 * The single HTTP service a Dockerfile builds, or a finding saying why there is none to act on. A
 * one-off job (`Service.runsToCompletion`) is not one: it serves no traffic, whatever its image serves.
 */
export function httpServiceOf(path: string, repo: RepoModel): { service: Service; port: number } | { finding: Finding } | null {
  const services = servicesForFile(repo, path).filter((s) => s.role === 'http' && !s.runsToCompletion);
  if (services.length === 0) return null;
  const unknownPackage = startPackageUnknown(path, services, 'no port change is made');
  if (unknownPackage) return { finding: unknownPackage };
  const ports = [...new Set(services.map((s) => s.port))];
  const first = services[0] as Service;
  const disputed = services.find((s) => s.portDispute);
  if (disputed?.portDispute) return { finding: { code: 'ECS150', severity: 'warning', message: `${disputed.portDispute}; port left unchanged until one project is the deployed one` } };
  if (ports.length > 1)
    return {
      finding: {
        code: 'ECS151',
        severity: 'warning',
        message: `built for several services on different ports (${services.map((s) => `${s.name}:${s.port}${s.compose ? ` in ${s.compose.file}:${s.compose.line}` : ''}`).join(', ')}); set PORT per service in each task definition instead`,
      },
    };
  if (first.port === null)
    return { finding: { code: 'ECS103', severity: 'warning', message: `no port found for HTTP service "${first.name}" (no compose port, EXPOSE, HEALTHCHECK URL or port default in its code)` } };
  return { service: first, port: first.port };
}

export function describeEvidence(service: Service): string {
  // The source the model chose the port from first (the same priority it uses), then the ones that agree.
  const rank = portSourceRank;
  const [chosen, ...rest] = [...service.portEvidence].sort(
    (a, b) => (a.value === service.port ? 0 : 1) - (b.value === service.port ? 0 : 1) || rank(a.source) - rank(b.source),
  );
  if (!chosen) return '';
  const agreeing = rest.filter((e) => e.value === chosen.value).map((e) => e.source);
  return `from ${chosen.source} (${chosen.file}:${chosen.line})${agreeing.length ? `; ${[...new Set(agreeing)].join(', ')} agree` : ''}`;
}
