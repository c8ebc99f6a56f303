/**
 * The layering the README's "Layout" section describes, checked on the import graph of the source
 * tree: no import cycle, the engine (src/run), the repo model (src/repo) and the checks (src/check)
 * depend on no transform or codemod (the CLI hands the registry in), and no transform imports
 * another transform (a decision two of them share lives in the model or in a shared module).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const TREES = ['src', 'transforms', 'codemods'];

function sourceFiles(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = posix.join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) return name === 'node_modules' || name === '__testfixtures__' ? [] : sourceFiles(rel);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [rel] : [];
  });
}

/** Repo-relative .ts files each file imports (static, re-exports, dynamic; type-only imports count too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of TREES.flatMap(sourceFiles)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      const target = posix.normalize(posix.join(posix.dirname(file), m[1] as string)).replace(/\.js$/, '.ts');
      const resolved = existsSync(join(ROOT, target)) ? target : posix.join(target.replace(/\.ts$/, ''), 'index.ts');
      targets.push(resolved);
    }
    graph.set(file, targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === 'done') return null;
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

describe('architecture', () => {
  const graph = importGraph();

  it('reads the tree it checks', () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(graph.get('src/cli/main.ts')).toContain('src/cli/io.ts');
  });

  it('has no import cycle', () => {
    expect(findCycle(graph)).toBeNull();
  });

  it('keeps the engine, the repo model and the checks free of transforms and codemods', () => {
    const offending = [...graph].flatMap(([file, targets]) =>
      /^src\/(?:run|repo|check|dockerfile|source|findings)\//.test(file) ? targets.filter((t) => /^(?:transforms|codemods)\//.test(t)).map((t) => `${file} -> ${t}`) : [],
    );
    expect(offending).toEqual([]);
  });

  it('lets no transform import another transform (shared decisions live in transforms/lib or the model)', () => {
    const isTransform = (f: string) => /^transforms\/[^/]+\.ts$/.test(f) && f !== 'transforms/index.ts';
    const offending = [...graph].flatMap(([file, targets]) => (isTransform(file) ? targets.filter(isTransform).map((t) => `${file} -> ${t}`) : []));
    expect(offending).toEqual([]);
    expect([...graph.keys()].filter(isTransform).length).toBeGreaterThan(3);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['a']]]))).toEqual(['a', 'b', 'a']);
  });
});


describe('function size', () => {
  it('keeps every function in src/repo and src/check within 80 lines', async () => {
    const ts = (await import('typescript')).default;
    const long: string[] = [];
    for (const file of [...sourceFiles('src/repo'), ...sourceFiles('src/check')]) {
      const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: import('typescript').Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const from = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
          const to = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (to - from + 1 > 80) long.push(`${file}:${from + 1} (${to - from + 1} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });
});
