/**
 * Idempotency and order, everywhere: for every fixture pair input, both sample monorepos and the
 * corpus repos, and for every transform of the registry alone and all together, a second run on
 * the output changes nothing; running the transforms one at a time (a whole run each) in registry
 * order reaches byte for byte the tree of running them all at once.
 *
 * In reverse order the result differs in two documented ways, both tested here:
 *  1. lines two transforms insert at the same place come out in the other order (`USER node` above
 *     or below `ENV PORT=…`); the instructions are the same, and neither depends on the other;
 *  2. dockerfile-healthcheck-env depends on dockerfile-port-env: run before it, it sees a CMD that
 *     starts the server on a fixed port and rightly keeps that port in the probe; port-env then
 *     makes the CMD read PORT, and the probe is stale until healthcheck-env runs again. A second
 *     pass in reverse order repairs it. The registry order runs port-env first, so `apply` with
 *     every transform (or `-t` with both) never shows this; running them as separate commands in
 *     the other order does, until the next run.
 *  3. dockerfile-worker-multistage keeps the user creation the image already has: after non-root
 *     it keeps non-root's spelling of the same `addgroup`/`adduser` (same user, uid and group),
 *     run first it copies the spelling of the repo's HTTP images.
 * So: after at most two reverse passes the tree is stable and each file holds the same lines as
 * the all-at-once result.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import { readTree, type Tree } from './helpers/repo.js';
import { changedPaths, runAll, runOneAtATime } from './helpers/validity.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

function inputs(): [string, Tree][] {
  const out: [string, Tree][] = [];
  for (const sample of ['kodingcaravan', 'peerprep']) out.push([sample, readTree(join(FIXTURES, sample))]);
  for (const repo of readdirSync(join(FIXTURES, 'corpus')).sort()) out.push([`corpus/${repo}`, readTree(join(FIXTURES, 'corpus', repo))]);
  const pairs = join(FIXTURES, 'transforms');
  for (const id of readdirSync(pairs).sort())
    for (const name of readdirSync(join(pairs, id)).sort()) {
      const before = join(pairs, id, name, 'before');
      const expectFile = join(pairs, id, name, 'expect.json');
      if (existsSync(before)) out.push([`${id}/${name}`, readTree(before)]);
      else if (existsSync(expectFile) && JSON.parse(readFileSync(expectFile, 'utf8')).sample) continue; // a sample, covered above
    }
  return out;
}

const lines = (text: string | undefined) => new Set((text ?? '').split('\n'));
/** Non-blank lines, sorted; a user-creation command counts as one line whatever its flag order (3 above). */
const sortedLines = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (/\b(?:addgroup|adduser|groupadd|useradd)\b/.test(l) ? '<creates a user>' : l))
    .sort();

const forward = [...TRANSFORMS];
const reverse = [...TRANSFORMS].reverse();

describe.each(inputs())('%s', (_name, tree) => {
  it('every transform alone, and all together, is idempotent', () => {
    for (const set of [...forward.map((t) => [t]), forward]) {
      const first = runAll(tree, set);
      const second = runAll(first.tree, set);
      expect(second.plan.changes.map((c) => c.path), `${set.map((t) => t.id).join('+')}: a second run changes nothing`).toEqual([]);
    }
  });

  it('one at a time in registry order reaches the all-at-once tree byte for byte', () => {
    const together = runAll(tree).tree;
    expect(changedPaths(runOneAtATime(tree, forward), together)).toEqual([]);
  });

  it('one at a time in reverse: stable after two passes, the same lines as all at once (blank lines aside)', () => {
    const together = runAll(tree).tree;
    const once = runOneAtATime(tree, reverse);
    const twice = runOneAtATime(once, reverse);
    expect(changedPaths(runOneAtATime(twice, reverse), twice), 'a third pass changes nothing').toEqual([]);
    for (const path of changedPaths(twice, together)) expect(sortedLines(twice.get(path)), path).toEqual(sortedLines(together.get(path)));
    // Where the first pass differs in content (not just line order), it is the probe port-env made stale.
    for (const path of changedPaths(once, twice)) {
      const stale = [...lines(once.get(path))].filter((l) => !lines(twice.get(path)).has(l));
      for (const line of stale) expect(line, path).toMatch(/localhost:\d+/);
    }
  });
});
