/**
 * ECS168: one image that holds several workspace packages and picks one at run time, for a service
 * whose start command does not establish which (service.startPackageUnknown). Every transform that
 * acts on what the service's code does (the user it can run as, the port it reads, the worker it
 * is) leaves such an image alone and says so, on the start command's line when it is in this file.
 */
import type { Finding } from '../../src/findings/finding.js';
import type { Service } from '../../src/repo/model.js';

/**
 * The finding for the services of `services` whose package is not established, naming each of them
 * with why (services that share a reason are named together); null when every one's is established.
 */
export function startPackageUnknown(path: string, services: readonly Service[], change: string): Finding | null {
  const unknown = services.filter((s): s is Service & Required<Pick<Service, 'startPackageUnknown'>> => s.startPackageUnknown !== undefined);
  const first = unknown[0];
  if (!first) return null;
  const inFile = unknown.find((s) => s.startPackageUnknown.file === path);
  const reasons = new Map<string, string[]>();
  for (const s of unknown) {
    const { because, file, line } = s.startPackageUnknown;
    const reason = `${because}${file && file !== path ? ` (${file}:${line})` : ''}`;
    reasons.set(reason, [...(reasons.get(reason) ?? []), `"${s.name}"`]);
  }
  const and = (names: string[]) => (names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? ''));
  const whose = unknown.length === 1 ? `"${first.name}"'s image runs is not established:` : 'the image runs is not established';
  const why = [...reasons].map(([reason, names]) => (unknown.length === 1 ? reason : `for ${and(names)}: ${reason}`)).join('; ');
  const dirs = [...new Set(unknown.map((s) => s.dir))];
  const holds = dirs.length === 1 && dirs[0] ? `every package under ${dirs[0]}/` : 'the whole workspace';
  return {
    code: 'ECS168',
    severity: 'warning',
    ...(unknown.length === 1 ? { service: first.name } : {}),
    message: `which workspace package ${whose} ${why}; the image holds ${holds}, so what its code writes, reads or listens on is not known and ${change}. Give the variable a value per service (compose \`build.args\` or \`environment:\`), or start the package by name, then run ecsfix again`,
    ...(inFile ? { line: inFile.startPackageUnknown.line } : {}),
  };
}
