/**
 * What "valid output" means per file kind, and running the transform registry over a tree in the
 * ways the trust tests need (all at once, one at a time in an order, each alone). Generic over
 * TRANSFORMS: a transform added to the registry is covered by every test that uses these.
 */
import { posix } from 'node:path';
import { ts } from 'ts-morph';
import { parseAllDocuments } from 'yaml';
import { dockerfileProblems } from '../../src/repo/dockerfile.js';
import { isDockerfileName } from '../../src/repo/dockerfileName.js';
import type { Plan } from '../../src/run/plan.js';
import type { Transform } from '../../src/transform.js';
import { TRANSFORMS } from '../../transforms/index.js';
import { applyPlan, planTree, type Tree } from './repo.js';

export type Kind = 'dockerfile' | 'compose' | 'source' | 'other';

export function kindOf(path: string): Kind {
  const base = posix.basename(path);
  if (isDockerfileName(path)) return 'dockerfile';
  if (/\.ya?ml$/.test(base) && /compose|common/.test(base)) return 'compose';
  if (/\.(?:[cm]?[jt]sx?)$/.test(base)) return 'source';
  return 'other';
}

/** Syntax problems of a file, as "line: message" strings; [] when it parses. */
export function syntaxProblems(path: string, text: string): string[] {
  switch (kindOf(path)) {
    case 'dockerfile':
      return dockerfileProblems(text).map((p) => `${p.line}: ${p.message}`);
    case 'compose':
      return parseAllDocuments(text.replace(/^\uFEFF/, '')).flatMap((d) => ('errors' in d ? d.errors.map((e) => `${e.linePos?.[0].line}: ${e.message}`) : []));
    case 'source': {
      const ext = posix.extname(path);
      const kind = /x$/.test(ext) ? ts.ScriptKind.TSX : /^\.[cm]?ts$/.test(ext) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
      const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, kind);
      const diagnostics = (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
      return diagnostics.map((d) => `${file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
    default:
      return [];
  }
}

/** A changed file must parse whenever its input parsed (a broken input may stay broken, never worse). */
export function newProblems(path: string, before: string, after: string): string[] {
  const was = new Set(syntaxProblems(path, before).map((p) => p.replace(/^\d+: /, '')));
  return syntaxProblems(path, after).filter((p) => !was.has(p.replace(/^\d+: /, '')));
}

export interface Run {
  tree: Tree;
  plan: Plan;
}

export function runAll(tree: Tree, transforms: readonly Transform[] = TRANSFORMS): Run {
  const { plan } = planTree(tree, [...transforms]);
  return { tree: applyPlan(tree, plan), plan };
}

/** Applies the transforms one run at a time, each on the previous run's whole tree. */
export function runOneAtATime(tree: Tree, transforms: readonly Transform[]): Tree {
  let current = tree;
  for (const t of transforms) current = runAll(current, [t]).tree;
  return current;
}

/** The paths whose contents differ between two trees. */
export function changedPaths(a: Tree, b: Tree): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
}
