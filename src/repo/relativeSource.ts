/**
 * The source file a relative import names (`./consumer` from svc/index.js: svc/consumer.js, or .ts,
 * .mjs, an index file), among the repo's files. No other imports: the codemods load it under the
 * jscodeshift CLI too.
 */
import { posix } from 'node:path';

export function relativeSource(from: string, specifier: string, files: readonly string[]): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = posix.join(posix.dirname(from), specifier);
  const candidates = [base, ...['.ts', '.js', '.mjs', '.cjs', '.tsx', '.mts', '.cts', '/index.ts', '/index.js'].map((ext) => base + ext), base.replace(/\.([cm]?)js$/, '.$1ts')];
  return candidates.find((c) => files.includes(c)) ?? null;
}

