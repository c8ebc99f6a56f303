/**
 * Functions anywhere in the repo's JS/TS that read the environment and throw when the value is
 * missing (`getServicePortSync`, `requireEnv`): `if (!x) throw` in their own body, on a value read
 * from `process.env`. The readiness rules follow calls to them across files: a port helper called
 * at module load (ECS402), a required variable in the start-up path (ECS401).
 */
import type { CheckContext } from './context.js';
import { isFunction, isJsFile, isNode, namedFunctions, parseJs, walk, type Node } from './js-source.js';

export interface EnvHelper {
  name: string;
  file: string;
  /** Line of the throwing guard. */
  line: number;
  /** The helper reads PORT (a port helper). */
  port: boolean;
}

const cache = new WeakMap<CheckContext['repo'], Map<string, EnvHelper>>();

export function throwingEnvHelpers(ctx: CheckContext): Map<string, EnvHelper> {
  const hit = cache.get(ctx.repo);
  if (hit) return hit;
  const helpers = new Map<string, EnvHelper>();
  for (const path of ctx.repo.files) {
    if (!isJsFile(path) || /(^|\/)(test|tests|__tests__|dist|build)\//.test(path) || /\.(test|spec)\./.test(path)) continue;
    const text = ctx.read(path);
    if (text === null || !text.includes('throw') || !text.includes('process.env')) continue;
    const source = parseJs(path, text);
    if (!source) continue;
    for (const [name, fn] of namedFunctions(source.program)) {
      const body = text.slice(fn.start, fn.end);
      if (!body.includes('process.env')) continue;
      const guard = throwingGuard(fn);
      if (guard) helpers.set(name, { name, file: path, line: source.line(guard.start), port: /PORT/.test(body) });
    }
  }
  cache.set(ctx.repo, helpers);
  return helpers;
}

/** `if (!x) throw ...` in the function's own body (not in a nested function). */
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
