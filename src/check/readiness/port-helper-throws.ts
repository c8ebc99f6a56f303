/**
 * ECS402 (seed 001 C.2, E.11): a port helper that throws when neither the service's port variable
 * nor PORT is set (`getServicePortSync`), called at module top level, so the process exits before
 * it listens. An image that sets `ENV PORT` mitigates it (then the finding is info); otherwise
 * `dockerfile-port-env` is the fix. An `ENV PORT` whose value the build does not establish (it
 * expands an ARG with no value) mitigates nothing that is established: the finding stays a warning.
 */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';
import { throwingEnvHelpers } from '../env-helpers.js';
import { calleeName, isFunction, isJsFile, parseJs, walk } from '../js-source.js';

export function portHelperThrows(ctx: CheckContext): Finding[] {
  const helpers = new Map([...throwingEnvHelpers(ctx)].filter(([, h]) => h.port));
  if (helpers.size === 0) return [];
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if (service.language !== 'node' || service.role === 'worker') continue;
    const envPort = service.imageEnv.get('PORT');
    for (const path of service.sourceFiles.filter(isJsFile)) {
      const text = ctx.read(path);
      const source = text === null || ![...helpers.keys()].some((name) => text.includes(name)) ? null : parseJs(path, text);
      if (!source) continue;
      walk(source.program, (node, ancestors) => {
        if (node.type !== 'CallExpression' || ancestors.some(isFunction)) return;
        const helper = helpers.get(calleeName(node) ?? '');
        if (!helper) return;
        const where = `${helper.file}:${helper.line}`;
        findings.push(
          finding(ctx, 'ECS402', {
            service: service.name,
            file: path,
            line: source.line(node.start),
            fixFile: service.dockerfile ?? undefined,
            ...(envPort?.value
              ? { severity: 'info' as const, message: `${helper.name}() runs at module load and throws when no port variable is set (${where}); mitigated: the image sets ENV PORT=${envPort.value}, keep PORT set in the task definition` }
              : envPort && envPort.value === null
                ? { message: `${helper.name}() runs at module load and throws when no port variable is set (${where}); the image's ENV PORT (${service.dockerfile}:${envPort.line}) ${unknownNames(envPort.unknown)}, so the port it sets is not established: set PORT in the task definition` }
                : { message: `${helper.name}() runs at module load and throws when neither its port variable nor PORT is set (${where}); the image does not set ENV PORT, so a task definition without it exits before listening` }),
          }),
        );
      });
    }
  }
  return findings;
}

/** Why an ENV value is not established, for a message. */
function unknownNames(names: string[]): string {
  return names.length ? `expands ${names.map((n) => `$${n}`).join(', ')}, which the repo gives no value` : 'has no value';
}
