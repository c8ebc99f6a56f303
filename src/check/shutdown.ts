/**
 * How long a service's SIGTERM handler may take: the handler registered with
 * `process.on('SIGTERM', ...)` (inline, or a function of the same file), or NestJS's own
 * (`app.enableShutdownHooks()`), and the longest forced-exit
 * timer in it (`setTimeout(() => process.exit(1), 10_000)`). ECS sends SIGKILL `stopTimeout`
 * seconds after SIGTERM, so the task definition must give at least that long.
 */
import type { Service } from '../repo/model.js';
import type { CheckContext } from './context.js';
import { calleeName, isJsFile, isNode, namedFunctions, parseJs, walk, type Node } from './js-source.js';

export interface ShutdownFacts {
  /** A SIGTERM handler exists. */
  handled: boolean;
  /** The longest literal timer in the handler, in milliseconds, when there is one. */
  timerMs: number | null;
}

export function shutdownFacts(ctx: CheckContext, service: Service): ShutdownFacts {
  let handled = false;
  let timerMs: number | null = null;
  for (const path of service.sourceFiles.filter(isJsFile)) {
    // As the pending changes leave it: the excerpt describes the repo after `ecsfix apply` (worker-graceful-shutdown's handler).
    const text = ctx.planned(path);
    if (text === null) continue;
    // NestJS closes the app (a microservice's broker consumer too) on SIGTERM once enableShutdownHooks() is called.
    if (/\.enableShutdownHooks\s*\(/.test(text)) handled = true;
    // A workspace lifecycle helper that registers the handler (`onShutdown(() => worker.close())`).
    if (callsSignalHelper(ctx, text)) handled = true;
    if (!/['"]SIGTERM['"]/.test(text)) continue;
    const source = parseJs(path, text);
    if (!source) {
      handled = true; // the text registers one even if this parse cannot follow it
      continue;
    }
    const fns = namedFunctions(source.program);
    walk(source.program, (node) => {
      if (node.type !== 'CallExpression' || !/^process\.(?:on|once)$/.test(calleeName(node) ?? '')) return;
      const [event, handler] = node.arguments as Node[];
      if (!event || event.type !== 'Literal' || event.value !== 'SIGTERM' || !handler) return;
      handled = true;
      for (const body of handlerBodies(handler, fns)) {
        walk(body, (n) => {
          if (n.type !== 'CallExpression' || calleeName(n) !== 'setTimeout') return;
          const delay = (n.arguments as Node[])[1];
          if (delay?.type === 'Literal' && typeof delay.value === 'number') timerMs = Math.max(timerMs ?? 0, delay.value);
        });
      }
    });
  }
  return { handled, timerMs };
}

/** Whether the file imports a workspace package and calls one of its functions that handle SIGTERM (module-api's signalHelpers). */
function callsSignalHelper(ctx: CheckContext, text: string): boolean {
  for (const [pkg, api] of Object.entries(ctx.repo.moduleApis ?? {})) {
    const helpers = Object.keys(api.signalHelpers ?? {});
    if (helpers.length === 0 || !text.includes(pkg)) continue;
    const escaped = pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    if (!new RegExp(`['"]${escaped}(?:/[^'"]*)?['"]`).test(text)) continue;
    if (helpers.some((h) => new RegExp(`\\b${h}\\s*\\(`).test(text))) return true;
  }
  return false;
}

/** The handler and the same-file functions it calls directly (`() => gracefulShutdown('SIGTERM')`). */
function handlerBodies(handler: Node, fns: Map<string, Node>): Node[] {
  const bodies = [handler];
  const named = handler.type === 'Identifier' ? fns.get(handler.name as string) : undefined;
  if (named) bodies.push(named);
  walk(handler, (n) => {
    const name = n.type === 'CallExpression' ? calleeName(n) : null;
    const fn = name && isNode(n.callee) && n.callee.type === 'Identifier' ? fns.get(name) : undefined;
    if (fn && !bodies.includes(fn)) bodies.push(fn);
  });
  return bodies;
}
