/**
 * The source layer: each JS/TS file the model or a codemod needs is parsed once per run and its facts
 * shared. A file whose text has none of the relevant tokens is never parsed ({@link mayMatter}).
 *
 *   sourceFacts(path, text)   the facts of one file (cached by path and text)
 *   listenFacts(service)      where and on which port/env var a service's HTTP server listens
 */
import type { Service } from '../repo/model.ts';
import { extractJsFacts, syntaxErrorOf, type JsSourceFacts, type ServiceListen } from './facts.ts';
import { mayMatter } from './patterns.ts';

export type { ConsumerFact, DatastoreFact, EnvRead, JsSourceFacts, ListenFact, MountHint, NestRouterPath, NestVersioning, PortHint, RouteHint, ServiceListen, StartupAwait } from './facts.ts';
export { mayMatter } from './patterns.ts';

const cache = new Map<string, { text: string; facts: JsSourceFacts }>();
const MAX_CACHED = 20_000;

/**
 * The facts of a JS/TS file, parsed at most once for a given path and text. `onProgram` gets the
 * program when this call parses the file cleanly (after the facts are read from it).
 */
export function sourceFacts(path: string, text: string, onProgram?: (program: unknown) => void): JsSourceFacts {
  let hit = cache.get(path);
  if (hit && hit.text === text) return hit.facts;
  if (supplier) {
    supplier();
    hit = cache.get(path);
    if (hit && hit.text === text) return hit.facts;
  }
  const facts = extractJsFacts(path, text, onProgram);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(path, { text, facts });
  return facts;
}

/** Called when a file's facts are not cached, to take what another thread has computed meanwhile (see {@link supplyFacts}). */
let supplier: (() => void) | null = null;

/**
 * Lets another thread compute facts ahead of this one (src/run/parallel.ts): `take` is called on a
 * miss and hands over what has arrived through {@link offerFacts}; null ends it. Facts are a pure
 * function of a file's path and text, and an offered text must equal the one asked about.
 */
export function supplyFacts(take: (() => void) | null): void {
  supplier = take;
}

/** Facts computed elsewhere for `text`; kept unless this thread already has the file's. */
export function offerFacts(path: string, text: string, facts: JsSourceFacts): void {
  if (cache.has(path)) return;
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(path, { text, facts });
}

/**
 * The first syntax error of a JS/TS file, or null: read from its facts when the model already
 * parsed this text, otherwise from a parse that builds no AST objects.
 */
export function sourceSyntaxError(path: string, text: string): { line: number; message: string } | null {
  const hit = cache.get(path);
  if (hit && hit.text === text && mayMatter(text)) return hit.facts.syntaxError;
  const checked = lastChecked.get(path);
  if (checked && checked.text === text) return checked.error;
  const error = syntaxErrorOf(path, text);
  if (lastChecked.size >= MAX_CACHED) lastChecked.clear();
  lastChecked.set(path, { text, error });
  return error;
}

/** A file's syntax as this thread knows it: for another thread planning the same files (src/run/parallel.ts). */
export interface KnownSyntax {
  path: string;
  text: string;
  error: { line: number; message: string } | null;
}

/** What this thread already knows of these files' syntax (from their facts or an earlier check). */
export function knownSyntax(paths: readonly string[]): KnownSyntax[] {
  const known: KnownSyntax[] = [];
  for (const path of paths) {
    const hit = cache.get(path);
    if (hit && mayMatter(hit.text)) known.push({ path, text: hit.text, error: hit.facts.syntaxError });
    else {
      const checked = lastChecked.get(path);
      if (checked) known.push({ path, ...checked });
    }
  }
  return known;
}

/** Takes what another thread knew of these files' syntax: {@link sourceSyntaxError} answers from it for the same texts. */
export function rememberSyntax(known: readonly KnownSyntax[]): void {
  for (const { path, text, error } of known) lastChecked.set(path, { text, error });
}

/**
 * The last text of each file checked without facts: a codemod's output is checked before it is
 * accepted, and the next codemod of the chain checks the same text as its input.
 */
const lastChecked = new Map<string, { text: string; error: { line: number; message: string } | null }>();

/** The listen calls the model found in a service's sources (the entry file's first). */
export function listenFacts(service: Service): ServiceListen[] {
  return service.listen ?? [];
}
