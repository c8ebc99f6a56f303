/**
 * The promises of the README ("Promises"), checked on disk through the real CLI: CRLF, BOM and file mode survive;
 * an unparsable file is named with its line and left untouched while the others change; writes
 * never follow a symlink out of the root; untouched lines stay byte-identical.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample, FIXTURES, runCli, tempDir } from './helpers/tmp.js';
import { readTree } from './helpers/repo.js';
import { buildRepoModel } from '../src/repo/discover.js';
import { planChanges } from '../src/run/plan.js';
import { TRANSFORMS } from '../transforms/index.js';

const read = (dir: string, rel: string) => readFileSync(join(dir, rel), 'utf8');

describe('promises', () => {
  it('keeps CRLF line endings and a BOM', async () => {
    const dir = copySample('peerprep');
    const rel = 'chat_service/Dockerfile';
    const crlf = '\uFEFF' + read(dir, rel).replace(/\n/g, '\r\n');
    writeFileSync(join(dir, rel), crlf);
    expect((await runCli(['apply', dir, '--yes'])).code).toBe(0);
    const after = read(dir, rel);
    expect(after.startsWith('\uFEFF')).toBe(true);
    expect(after).toContain('ENV PORT=8000\r\n');
    expect(after.replace(/\r\n/g, '')).not.toContain('\n'); // no bare LF crept in
    // Every line is kept, bar the shell-form CMD, which now execs the server (review4 Q12).
    for (const line of crlf.split('\r\n')) expect(after.split('\r\n')).toContain(line.replace(/^CMD uvicorn /, 'CMD exec uvicorn '));
  });

  it('reports an unparsable Dockerfile with its line, leaves it untouched, still changes the others, exit 2', async () => {
    const dir = copySample('peerprep');
    const broken = 'matching_service/Dockerfile';
    const text = read(dir, broken).replace(/^FROM /m, 'FORM ');
    writeFileSync(join(dir, broken), text);
    const line = text.split('\n').findIndex((l) => l.startsWith('FORM ')) + 1;
    const noFrom = 'collaboration_service/Dockerfile';
    const noFromText = read(dir, noFrom).replace(/^FROM .*\n/m, '');
    writeFileSync(join(dir, noFrom), noFromText);

    const diff = await runCli(['diff', dir]);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain(`${broken}:${line}`);
    expect(diff.stderr).toContain('FORM');
    expect(diff.stderr).toContain(noFrom);
    expect(diff.stdout).toContain('chat_service/Dockerfile');

    const apply = await runCli(['apply', dir, '--yes']);
    expect(apply.code).toBe(2);
    expect(read(dir, broken)).toBe(text);
    expect(read(dir, noFrom)).toBe(noFromText);
    expect(read(dir, 'chat_service/Dockerfile')).toContain('ENV PORT=8000');
    expect(apply.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a compose file that does not parse with its line and exits 2; what depends on it is withheld, not changed from a partial model', async () => {
    const dir = copySample('peerprep');
    const rel = 'matching_service/docker-compose.yml';
    const broken = read(dir, rel).replace(/^(\s+)ports:/m, '$1ports: [\n$1  - "8003:8000"');
    writeFileSync(join(dir, rel), broken);
    const result = await runCli(['apply', dir, '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`error ${rel}:\\d+ `));
    expect(read(dir, rel)).toBe(broken);
    // The root project includes the broken file: every service's port and role may depend on it.
    expect(read(dir, 'chat_service/Dockerfile')).toBe(read(join(FIXTURES, 'peerprep'), 'chat_service/Dockerfile'));
    expect(result.stderr).toMatch(new RegExp(`warning ${rel} ECS008 .*chat_service/Dockerfile`));
  });

  it('a Dockerfile that cannot be read is an error for that file only', () => {
    const tree = readTree(join(FIXTURES, 'peerprep'));
    const repo = buildRepoModel('/virtual', { files: [...tree.keys()].sort(), read: (rel) => (rel === 'matching_service/Dockerfile' ? null : (tree.get(rel) ?? null)) });
    const plan = planChanges(repo, [...TRANSFORMS], {}, (rel) => {
      if (rel === 'matching_service/Dockerfile') throw Object.assign(new Error('denied'), { code: 'EACCES' });
      return tree.get(rel) ?? '';
    });
    expect(plan.failures).toEqual([expect.objectContaining({ code: 'ECS003', severity: 'blocking', file: 'matching_service/Dockerfile' })]);
    expect(plan.changes.map((c) => c.path)).toContain('chat_service/Dockerfile');
  });

  it('keeps the file mode and leaves no temp file behind', async () => {
    const dir = copySample('peerprep');
    const rel = 'chat_service/Dockerfile';
    chmodSync(join(dir, rel), 0o640);
    expect((await runCli(['apply', dir, '--yes'])).code).toBe(0);
    expect(statSync(join(dir, rel)).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(dir, 'chat_service')).filter((f) => f.includes('ecsfix'))).toEqual([]);
  });

  it('never follows a symlink out of the root', async () => {
    const outside = tempDir();
    const victim = join(outside, 'Dockerfile');
    const victimText = read(copySample('peerprep'), 'chat_service/Dockerfile');
    writeFileSync(victim, victimText);
    const dir = copySample('peerprep');
    mkdirSync(join(dir, 'linked_service'));
    symlinkSync(victim, join(dir, 'linked_service/Dockerfile'));
    symlinkSync(outside, join(dir, 'linked_dir'));
    const result = await runCli(['apply', dir, '--yes']);
    expect(result.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe(victimText);
  });

  it('changes only the lines a transform must touch', async () => {
    const dir = copySample('peerprep');
    const { stdout } = await runCli(['diff', dir, '--json']);
    const changes = JSON.parse(stdout).changes as { path: string; patch: string }[];
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) {
      const removed = change.patch.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
      // Dockerfiles: only HEALTHCHECK and CMD lines are rewritten; compose files: only secret defaults.
      const rewritable = /Dockerfile/.test(change.path) ? /HEALTHCHECK|CMD/ : /\$\{\w*(?:PASSWORD|SECRET)\w*:-/;
      for (const line of removed) expect(line, `${change.path}: only ${rewritable} lines may be rewritten`).toMatch(rewritable);
      const before = read(dir, change.path).split('\n');
      const context = change.patch.split('\n').filter((l) => l.startsWith(' ')).map((l) => l.slice(1));
      for (const line of context) expect(before).toContain(line);
    }
  });
});
