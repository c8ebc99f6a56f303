// The plan validates a Dockerfile once, on its final text, and re-runs the chain validating every
// step only when that text has a new problem (src/run/plan.ts). These tests pin the fallback: a
// transform that breaks a Dockerfile still has its change dropped (ECS004) and the others' changes
// are the same as without it.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES } from './helpers/tmp.js';
import { modelOf, readTree } from './helpers/repo.js';
import { planChanges } from '../src/run/plan.js';
import type { Transform } from '../src/transform.js';
import { TRANSFORMS } from '../transforms/index.js';

const FILE = 'chat_service/Dockerfile';

/** A buggy transform: misspells the first FROM of one Dockerfile. */
const breaker: Transform = {
  id: 'breaker',
  title: 'breaks a Dockerfile',
  kinds: ['dockerfile'],
  safety: 'safe',
  fixes: 'nothing',
  appliesTo: (path) => path === FILE,
  run: ({ text }) => {
    const at = text.indexOf('FROM ');
    return { edits: at < 0 ? [] : [{ start: at, end: at + 4, text: 'FORM' }], findings: [] };
  },
};

describe('Dockerfile validation in the plan', () => {
  const tree = readTree(join(FIXTURES, 'peerprep'));
  const repo = modelOf(tree);
  const plan = (transforms: Transform[]) => planChanges(repo, transforms, {}, (rel) => tree.get(rel) ?? '');
  const reference = plan([...TRANSFORMS]);

  it.each([
    ['first', [breaker, ...TRANSFORMS]],
    ['in the middle', [...TRANSFORMS.slice(0, 3), breaker, ...TRANSFORMS.slice(3)]],
    ['last', [...TRANSFORMS, breaker]],
  ])('drops the change of a transform that breaks the file (%s) and keeps the others', (_, transforms) => {
    const result = plan(transforms);
    expect(result.failures).toEqual([expect.objectContaining({ code: 'ECS004', file: FILE, transform: 'breaker' })]);
    expect(result.changes.find((c) => c.path === FILE)?.after).toBe(reference.changes.find((c) => c.path === FILE)?.after);
    expect(result.changes.find((c) => c.path === FILE)?.transforms).not.toContain('breaker');
    expect(result.changes.map((c) => [c.path, c.after])).toEqual(reference.changes.map((c) => [c.path, c.after]));
  });
});
