/**
 * The consumers one process runs and the signal handlers it already has (review9 R33). The shutdown
 * codemod decides per file; a process that loads several consumer modules (the entry `require`s
 * `./queues/report.worker` and `./queues/email.worker`) or whose entry already handles SIGTERM needs
 * ONE shutdown: a handler per module would race, the first `process.exit(0)` ending a consumer that
 * is still draining. This follows the modules the entry loads (relative imports and requires, side
 * effect ones included) among the service's source files and says when that is the case.
 */
import { blankComments, type SourceFacts } from './sourceScan.js';
import { relativeSource } from './relativeSource.js';
import type { ProcessShutdown } from './model.js';
import { mayMatter } from '../source/patterns.js';

type Read = (path: string) => string | null;

/** What a file loads: from its syntax tree, or (a file with no token the model parses for: `require('./a'); require('./b')`) by pattern. */
function loadsOf(file: string, sources: ReadonlyMap<string, SourceFacts>, read: Read): string[] {
  const js = sources.get(file)?.js;
  const text = read(file);
  if (js && (text === null || mayMatter(text))) return js.loads;
  if (text === null) return [];
  const code = blankComments(text, 'js');
  return [...code.matchAll(/\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)|\bimport\s*(?:[^'"();]*?\bfrom\s*)?(['"])([^'"]+)\3|\bimport\s*\(\s*(['"])([^'"]+)\5\s*\)/g)].map((m) => m[2] ?? m[4] ?? m[6] ?? '');
}


/** The modules `entry` loads, itself included, following relative specifiers within `sourceFiles`. */
export function loadedModules(entry: string, sourceFiles: readonly string[], sources: ReadonlyMap<string, SourceFacts>, read: Read): string[] {
  const seen = [entry];
  for (let i = 0; i < seen.length; i++) {
    const from = seen[i] as string;
    for (const spec of loadsOf(from, sources, read)) {
      const file = relativeSource(from, spec, sourceFiles);
      if (file && !seen.includes(file)) seen.push(file);
    }
  }
  return seen;
}

/**
 * Set when the entry's process loads two or more consumer modules that would each get a shutdown, or
 * one such module and a SIGTERM handler in another of its modules. `stoppedElsewhere`: consumer
 * modules whose consumer another file stops (importedConsumers): they get no handler.
 */
export function processShutdown(entry: string | null, sourceFiles: readonly string[], sources: ReadonlyMap<string, SourceFacts>, consumerFiles: readonly string[], stoppedElsewhere: readonly string[], read: Read): ProcessShutdown | null {
  if (!entry || !sources.get(entry)?.js) return null;
  const loaded = loadedModules(entry, sourceFiles, sources, read);
  const candidates = loaded.filter((f) => consumerFiles.includes(f) && !stoppedElsewhere.includes(f));
  // `new OrderConsumer()` of a class another of these modules declares is that module's consumer, counted there.
  const madeElsewhere = (file: string) => {
    const js = sources.get(file)?.js;
    const made = (js?.consumers ?? []).map((c) => /^new (\w+)$/.exec(c.factory)?.[1]).map((name) => (name ? relativeSource(file, js?.imports[name] ?? '', sourceFiles) : null));
    return made.length > 0 && made.every((m) => m !== null && m !== file && candidates.includes(m));
  };
  const consumers = candidates.filter((f) => !madeElsewhere(f)).map((file) => ({ file, line: sources.get(file)?.js?.consumers[0]?.line ?? 1 }));
  const handlers = loaded
    .filter((f) => !consumers.some((c) => c.file === f))
    .flatMap((file) => (sources.get(file)?.js?.signalHandlers ?? []).filter((h) => h.signal === 'SIGTERM').map((h) => ({ file, line: h.line, exits: h.exits })));
  if (consumers.length === 0 || (consumers.length === 1 && handlers.length === 0)) return null;
  return { entry, consumers, handlers };
}
