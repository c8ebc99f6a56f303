/**
 * A file that cannot be parsed never changes what happens to the others: for every compose file,
 * package.json and pnpm-workspace.yaml of both samples made unparsable in turn, the changes made
 * are a subset of the clean run's changes, byte for byte; the broken file is reported, and what is
 * held back is named.
 */
import { posix, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import { planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const BREAKS = /(?:^|\/)(?:package\.json|pnpm-workspace\.yaml|(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml)$/;

/** The text made unparsable as its kind: an unterminated JSON object, an unclosed YAML flow sequence. */
function broken(path: string, text: string): string {
  return posix.basename(path) === 'package.json' ? `${text.trimEnd().replace(/\}\s*$/, '')},\n` : `${text}\nbroken: [\n`;
}

describe.each(['kodingcaravan', 'peerprep'])('%s with one file unparsable', (sample) => {
  const tree = readTree(join(FIXTURES, sample));
  const clean = planTree(tree, [...TRANSFORMS]).plan;
  const cleanAfter = new Map(clean.changes.map((c) => [c.path, c.after]));
  const targets = [...tree.keys()].filter((f) => BREAKS.test(f)).sort();

  it('has files to break and changes to compare', () => {
    expect(targets.length).toBeGreaterThan(0);
    expect(clean.changes.length).toBeGreaterThan(3);
  });

  it.each(targets)('%s: a subset of the clean run, byte for byte; the file is an error; the rest is withheld by name', (target) => {
    const damaged = new Map(tree);
    damaged.set(target, broken(target, tree.get(target) as string));
    const { plan } = planTree(damaged, [...TRANSFORMS]);
    for (const change of plan.changes) expect(change.after, change.path).toBe(cleanAfter.get(change.path));
    expect(plan.changes.map((c) => c.path)).not.toContain(target);
    expect(plan.failures.map((f) => f.file)).toContain(target);
    // Every clean change that is missing was withheld because of this file (or is the file itself).
    const made = new Set(plan.changes.map((c) => c.path));
    const withheld = new Map(plan.withheld.map((w) => [w.path, w.dependsOn]));
    for (const path of cleanAfter.keys()) if (!made.has(path) && path !== target) expect(withheld.get(path), path).toBe(target);
    if (plan.withheld.length) expect(plan.findings).toContainEqual(expect.objectContaining({ code: 'ECS008', file: target }));
  });
});

it('changes that do not depend on the broken file proceed (peerprep: a broken frontend package.json holds back only the frontend)', () => {
  const tree = readTree(join(FIXTURES, 'peerprep'));
  const clean = planTree(tree, [...TRANSFORMS]).plan;
  const damaged = new Map(tree);
  damaged.set('frontend/package.json', broken('frontend/package.json', tree.get('frontend/package.json') as string));
  const { plan } = planTree(damaged, [...TRANSFORMS]);
  expect(plan.changes.map((c) => c.path)).toEqual(clean.changes.map((c) => c.path).filter((p) => !p.startsWith('frontend/')));
  expect(plan.withheld.every((w) => w.path.startsWith('frontend/'))).toBe(true);
});
