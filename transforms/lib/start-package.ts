/**
 * ECS168: one image that holds several workspace packages and picks one at run time, for a service
 * whose start command does not establish which (service.startPackageUnknown). Every transform that
 * acts on what the service's code does (the user it can run as, the port it reads, the worker it
 * is) leaves such an image alone and says so, on the start command's line when it is in this file.
 */
import type { Finding } from '../../src/findings/finding.js';
import type { Service } from '../../src/repo/model.js';

/** The finding for the first of `services` whose package is not established; null when every one's is. */
export function startPackageUnknown(path: string, services: readonly Service[], change: string): Finding | null {
  const service = services.find((s) => s.startPackageUnknown);
  const unknown = service?.startPackageUnknown;
  if (!service || !unknown) return null;
  const at = unknown.file === path ? { line: unknown.line } : {};
  const where = unknown.file && unknown.file !== path ? ` (${unknown.file}:${unknown.line})` : '';
  return {
    code: 'ECS168',
    severity: 'warning',
    service: service.name,
    message: `which workspace package "${service.name}"'s image runs is not established: ${unknown.because}${where}; the image holds ${service.dir ? `every package under ${service.dir}/` : 'the whole workspace'}, so what its code writes, reads or listens on is not known and ${change}. Give the variable a value per service (compose \`build.args\` or \`environment:\`), or start the package by name, then run ecsfix again`,
    ...at,
  };
}
