/**
 * ECS402 (seed 001 C.2, E.11): a port helper that throws when neither the service's port variable
 * nor PORT is set (`getServicePortSync`), called at module top level, so the process exits before
 * it listens. An image that sets `ENV PORT` mitigates it (then the finding is info); otherwise
 * `dockerfile-port-env` is the fix.
 */
import type { Finding } from '../../findings/finding.js';
import { finding, imageEnv, serviceImage, type CheckContext } from '../context.js';
import { calleeName, isFunction, isJsFile, isNode, namedFunctions, parseJs, walk, type Node } from '../js-source.js';

interface Helper {
  name: string;
  file: string;
  line: number;
}

export function portHelperThrows(ctx: CheckContext): Finding[] {
  const helpers = throwingPortHelpers(ctx);
  if (helpers.size === 0) return [];
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if (service.language !== 'node' || service.role === 'worker') continue;
    const image = serviceImage(ctx.repo, service);
    const envPort = image ? imageEnv(image.parsed, image.stage).get('PORT') : undefined;
    for (const path of service.sourceFiles.filter(isJsFile)) {
      const text = ctx.read(path);
      const source = text === null ? null : parseJs(path, text);
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
            ...(envPort
              ? { severity: 'info' as const, message: `${helper.name}() runs at module load and throws when no port variable is set (${where}); mitigated: the image sets ENV PORT=${envPort}, keep PORT set in the task definition` }
              : { message: `${helper.name}() runs at module load and throws when neither its port variable nor PORT is set (${where}); the image does not set ENV PORT, so a task definition without it exits before listening` }),
          }),
        );
      });
    }
  }
  return findings;
}

/** Functions that read a port from the environment and throw when it is missing. */
function throwingPortHelpers(ctx: CheckContext): Map<string, Helper> {
  const helpers = new Map<string, Helper>();
  for (const path of ctx.repo.files) {
    if (!isJsFile(path) || /(^|\/)(test|tests|__tests__|dist|build)\//.test(path) || /\.(test|spec)\./.test(path)) continue;
    const text = ctx.read(path);
    if (text === null || !text.includes('throw') || !text.includes('process.env') || !/PORT/.test(text)) continue;
    const source = parseJs(path, text);
    if (!source) continue;
    for (const [name, fn] of namedFunctions(source.program)) {
      const body = text.slice(fn.start, fn.end);
      if (!/process\.env/.test(body) || !/PORT/.test(body)) continue;
      const guard = throwingGuard(fn);
      if (guard) helpers.set(name, { name, file: path, line: source.line(guard.start) });
    }
  }
  return helpers;
}

/** `if (!x) throw ...` in the function's own body. */
function throwingGuard(fn: Node): Node | null {
  let hit: Node | null = null;
  walk(fn, (node, ancestors) => {
    if (hit || node.type !== 'IfStatement' || ancestors.some((a) => a !== fn && isFunction(a))) return;
    const test = node.test as Node;
    const negated = test.type === 'UnaryExpression' && test.operator === '!';
    let throws = false;
    walk(node.consequent as Node, (n) => {
      if (n.type === 'ThrowStatement') throws = true;
    });
    if (negated && throws && isNode(test.argument)) hit = node;
  });
  return hit;
}
