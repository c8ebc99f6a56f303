/**
 * The git guard against a real git repository: `apply` refuses to overwrite a file with
 * uncommitted changes (staged or not) and names it, writes nothing at all when it refuses, allows
 * dirty files it does not touch and untracked files, gives way to --allow-dirty (keeping the
 * user's edit), and refuses while a merge is half done.
 */
import { readFileSync, writeFileSync, appendFileSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample, git, gitInit, runCli } from './helpers/tmp.js';
import { readTree } from './helpers/repo.js';

const TOUCHED = 'chat_service/Dockerfile';
const UNTOUCHED = 'chat_service/app/main.py';

function repo(): string {
  const dir = copySample('peerprep');
  gitInit(dir);
  return dir;
}

/** Every file of the work tree (not .git) as text, to prove nothing was written. */
const snapshot = (dir: string) => readTree(dir);

describe('git guard', () => {
  it('refuses a dirty file it would touch, names it, and writes nothing', async () => {
    const dir = repo();
    appendFileSync(join(dir, TOUCHED), '# local edit\n');
    const before = snapshot(dir);
    const result = await runCli(['apply', dir, '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(TOUCHED);
    expect(result.stderr).not.toContain('matching_service/Dockerfile'); // only the dirty file is named
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a file whose changes are only staged', async () => {
    const dir = repo();
    appendFileSync(join(dir, TOUCHED), '# staged edit\n');
    git(dir, 'add', TOUCHED);
    expect(git(dir, 'status', '--porcelain')).toMatch(/^M {2}/m); // staged, work tree = index
    const before = snapshot(dir);
    const result = await runCli(['apply', dir, '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(TOUCHED);
    expect(snapshot(dir)).toEqual(before);
  });

  it('allows dirty files it does not touch, and untracked files', async () => {
    const dir = repo();
    appendFileSync(join(dir, UNTOUCHED), '# local edit\n');
    mkdirSync(join(dir, 'new_service'));
    cpSync(join(dir, TOUCHED), join(dir, 'new_service/Dockerfile')); // untracked, no compose entry
    const result = await runCli(['apply', dir, '--yes']);
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, TOUCHED), 'utf8')).toContain('ENV PORT=8000');
    expect(readFileSync(join(dir, UNTOUCHED), 'utf8')).toMatch(/# local edit\n$/);
  });

  it('--allow-dirty writes and keeps the uncommitted edit', async () => {
    const dir = repo();
    appendFileSync(join(dir, TOUCHED), '# local edit\n');
    const result = await runCli(['apply', dir, '--yes', '--allow-dirty']);
    expect(result.code).toBe(0);
    const after = readFileSync(join(dir, TOUCHED), 'utf8');
    expect(after).toContain('ENV PORT=8000');
    expect(after).toContain('# local edit\n');
  });

  it('names the dirty file when run on a subdirectory of the repo', async () => {
    const dir = repo();
    appendFileSync(join(dir, TOUCHED), '# local edit\n');
    const result = await runCli(['apply', join(dir, 'chat_service'), '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/[\s/]Dockerfile\b/);
    expect(readFileSync(join(dir, TOUCHED), 'utf8')).not.toContain('ENV PORT=8000');
  });

  describe('a repository in the middle of a merge', () => {
    function midMerge(conflicted: string): string {
      const dir = repo();
      const main = git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim();
      git(dir, 'checkout', '-qb', 'other');
      appendFileSync(join(dir, conflicted), '# theirs\n');
      git(dir, 'commit', '-qam', 'theirs');
      git(dir, 'checkout', '-q', main);
      appendFileSync(join(dir, conflicted), '# ours\n');
      git(dir, 'commit', '-qam', 'ours');
      expect(() => git(dir, 'merge', 'other')).toThrow(); // conflict: the merge stops half done
      return dir;
    }

    it('refuses when the conflict is in a file it would touch (now full of conflict markers)', async () => {
      const dir = midMerge(TOUCHED);
      const before = snapshot(dir);
      const result = await runCli(['apply', dir, '--yes']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/merge/);
      expect(snapshot(dir)).toEqual(before);
    });

    it('refuses even when the conflict is elsewhere: its changes would land in the merge commit', async () => {
      const dir = midMerge(UNTOUCHED);
      const before = snapshot(dir);
      const result = await runCli(['apply', dir, '--yes']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/merge/);
      expect(snapshot(dir)).toEqual(before);
      expect((await runCli(['apply', dir, '--yes', '--allow-dirty'])).code).toBe(0);
      expect(readFileSync(join(dir, TOUCHED), 'utf8')).toContain('ENV PORT=8000');
    });

    it('diff still works mid-merge (it writes nothing)', async () => {
      const dir = midMerge(UNTOUCHED);
      expect((await runCli(['diff', dir])).code).toBe(1);
    });
  });

  it('a directory outside git is clean', async () => {
    const dir = copySample('peerprep');
    writeFileSync(join(dir, TOUCHED), readFileSync(join(dir, TOUCHED), 'utf8') + '# edit\n');
    expect((await runCli(['apply', dir, '--yes'])).code).toBe(0);
  });
});
