/**
 * Parses made for the repo model's facts, kept for the codemods that will read the same files.
 *
 * On a large repo the planning worker (src/run/parallel.ts) reads the sources' facts while the main
 * thread builds the rest of the model, and then waits for its job. A source a codemod may rewrite
 * (its text has one of the codemods' tokens) is otherwise parsed twice: once for the facts, once for
 * the codemod. Here the facts' oxc program is kept instead, and reshaped into the Babel shape the
 * codemods read (src/source/babel-shape.ts) while the worker has nothing else to do, so the codemod
 * that asks for that exact text gets it without a parse. A kept parse serves one request (the
 * codemods of a chain share it after that: src/run/codemod.ts). Kept parses are bounded by the source
 * bytes they cover ({@link KEEP_BUDGET}); a file past the budget is parsed by its codemod as before.
 */
import { toBabelFile, type BabelFile } from './babel-shape.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an oxc program
type Program = any;

/**
 * Source bytes whose parses may be kept. A Babel-shaped parse holds ~27x its source in the heap, and
 * the worker's peak memory grows by about twice that (measured at 1,700 services: +114 MB with 1 MB
 * kept, +255 MB with 4 MB); 2 MB covers every source a codemod parses at 510 services.
 */
export const KEEP_BUDGET = 2_000_000;

interface Kept {
  text: string;
  /** The oxc program until reshaped. */
  program: Program | null;
  /** The reshaped file; null when it holds syntax ast-types does not know (its codemod parses with babel). */
  file?: BabelFile | null;
}

const kept = new Map<string, Kept>();
let keptBytes = 0;
/** Paths kept but not reshaped yet, in the order they were kept. */
let pending: string[] = [];

/**
 * Keeps the program of a file the facts were read from (a clean parse), within the budget: the
 * worker plans the sources in the order it read them (src/run/parallel.ts), so the first kept are
 * the first it needs.
 */
export function keepParse(path: string, text: string, program: Program): void {
  if (kept.has(path) || keptBytes + text.length > KEEP_BUDGET) return;
  kept.set(path, { text, program });
  keptBytes += text.length;
  pending.push(path);
}

/**
 * Reshapes kept programs until none is left or `until()` says stop (checked between files); true
 * when some remain. `known`: whether ast-types knows a node type (jscodeshift's namedTypes).
 */
export function reshapeKept(known: (type: string) => boolean, until: () => boolean): boolean {
  while (pending.length) {
    if (until()) return true;
    const path = pending.shift() as string;
    const entry = kept.get(path);
    if (entry?.program) reshape(entry, known);
  }
  return false;
}

function reshape(entry: Kept, known: (type: string) => boolean): BabelFile | null {
  entry.file = toBabelFile(entry.program, entry.text, known);
  entry.program = null;
  return entry.file;
}

/**
 * The Babel file kept for this exact text of `path` (reshaped now if it was not yet), removed from
 * the store; `undefined` when none is kept, `null` when it holds syntax ast-types does not know.
 */
export function takeKeptParse(path: string, text: string, known: (type: string) => boolean): BabelFile | null | undefined {
  const entry = kept.get(path);
  if (!entry || entry.text !== text) return undefined;
  kept.delete(path);
  keptBytes -= entry.text.length;
  return entry.file !== undefined ? entry.file : reshape(entry, known);
}

/** Lets every kept parse go. */
export function dropKeptParses(): void {
  kept.clear();
  keptBytes = 0;
  pending = [];
}
