/**
 * A consumer class of the service's own code, made by another of its files (review6 R15):
 * `svc/consumer.js` declares `class OrderConsumer` whose `start()` opens an amqplib connection and
 * channel and consumes, and whose `stop()` closes both; `svc/index.js` does `const consumer = new
 * OrderConsumer(...)` and `consumer.start()`. The idiomatic shutdown is one SIGTERM handler in the
 * file that holds the instance (`await consumer.stop()`), not module-level refs in the class's
 * module: the shutdown codemod reads this fact in both files' runs, so they agree on where it goes.
 *
 * Only when it is established: the class's module is a source file of the service that consumes a
 * queue, the class's stop method closes the channel and connection its methods open (module-api.ts),
 * and exactly one file of the service makes it, once, keeping it in a variable (`const x = new X(`).
 */
import { moduleApi } from '../source/api.js';
import { relativeSource } from './relativeSource.js';

export interface ImportedConsumer {
  /** The class's module and name, and the method that stops it. */
  file: string;
  className: string;
  stop: string;
  /** The file that makes the one instance, and the line of its `new`. */
  importer: string;
  line: number;
}

const SOURCE = /\.(?:[cm]?[jt]sx?)$/;

export function importedConsumers(sourceFiles: readonly string[], consumerFiles: readonly string[], read: (path: string) => string | null, importsOf: (file: string) => Record<string, string> | undefined): ImportedConsumer[] {
  const found: ImportedConsumer[] = [];
  for (const file of consumerFiles.filter((f) => SOURCE.test(f))) {
    const text = read(file);
    if (text === null) continue;
    for (const [className, api] of Object.entries(moduleApi(file, text).factories)) {
      if (!api.amqpStop || !/Consumer/.test(className)) continue;
      const made = new RegExp(`\\bnew\\s+${className}\\s*[(<]`, 'g');
      const kept = new RegExp(`\\b(?:const|let|var)\\s+[A-Za-z_$][\\w$]*\\s*(?::[^=;]+)?=\\s*new\\s+${className}\\s*[(<]`, 'g');
      const users = sourceFiles.filter((f) => f !== file && relativeSource(f, importsOf(f)?.[className] ?? '', sourceFiles) === file);
      const uses = users.map((f) => ({ f, t: read(f) ?? '' })).map(({ f, t }) => ({ f, t, made: [...t.matchAll(made)], kept: [...t.matchAll(kept)] }));
      const only = uses.filter((u) => u.made.length > 0);
      const one = only[0];
      if (only.length !== 1 || !one || one.made.length !== 1 || one.kept.length !== 1 || new RegExp(made.source).test(text)) continue;
      found.push({ file, className, stop: api.amqpStop, importer: one.f, line: one.t.slice(0, one.made[0]?.index ?? 0).split('\n').length });
    }
  }
  return found;
}
