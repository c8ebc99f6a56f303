/**
 * Mutated inputs through the real CLI: a truncated Dockerfile, binary bytes, a 5 MB Dockerfile and
 * a 5 MB source, a directory named like a Dockerfile, a dangling symlink where compose expects a
 * Dockerfile, a file the user cannot read. Each gives at most a per-file error naming the file and
 * its line (exit 2) or, where compose names a Dockerfile that is not a regular file, a warning on
 * the compose line saying what it is; never a stack trace; the broken file is never written; the
 * other services still get their changes.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { copySample, runCli } from './helpers/tmp.js';

const BROKEN = 'chat_service/Dockerfile';
const OTHER = 'matching_service/Dockerfile';
const STACK = /\n\s+at .+:\d+:\d+/;

async function applyMutated(mutate: (dir: string) => void, expectFailure: boolean) {
  const dir = copySample('peerprep');
  const otherBefore = readFileSync(join(dir, OTHER), 'utf8');
  mutate(dir);
  let brokenBefore: Buffer | null = null;
  try {
    brokenBefore = readFileSync(join(dir, BROKEN));
  } catch {
    /* not a readable file */
  }
  const result = await runCli(['apply', dir, '--yes']);
  expect(result.stderr, 'no stack trace').not.toMatch(STACK);
  expect(result.stderr).not.toMatch(/internal error/);
  if (expectFailure) {
    expect(result.code).toBe(2);
    expect(result.stderr, 'a per-file error with its line and code').toMatch(new RegExp(`${BROKEN.replace('/', '\\/')}:\\d+ ECS\\d{3} `));
    if (brokenBefore) expect(readFileSync(join(dir, BROKEN)).equals(brokenBefore), 'the broken file is not written').toBe(true);
  } else expect(result.code).toBe(0);
  expect(readFileSync(join(dir, OTHER), 'utf8'), 'the other services still change').not.toBe(otherBefore);
  return { dir, result };
}

describe('mutated inputs', () => {
  it('a Dockerfile truncated in the middle of an instruction', async () => {
    await applyMutated((dir) => {
      const text = readFileSync(join(dir, BROKEN), 'utf8');
      writeFileSync(join(dir, BROKEN), text.slice(0, text.indexOf('FROM') + 3));
    }, true);
  });

  it('a Dockerfile cut inside a continuation: whatever it does, the file stays well-formed', async () => {
    const { dir } = await applyMutated((dir) => {
      writeFileSync(join(dir, BROKEN), 'FROM python:3.12-slim\nWORKDIR /app\nRUN pip install \\\n');
    }, false);
    expect(readFileSync(join(dir, BROKEN), 'utf8')).toMatch(/^FROM python:3.12-slim\nWORKDIR \/app\nRUN pip install \\\n/);
  });

  it('binary bytes in a Dockerfile', async () => {
    await applyMutated((dir) => {
      writeFileSync(join(dir, BROKEN), Buffer.concat([Buffer.from('\x00\x01\xff\xfe\x89PNG\r\n\x1a\n'), readFileSync(join(dir, BROKEN))]));
    }, true);
  });

  it('a 5 MB Dockerfile is handled (or refused) without hanging, and a 5 MB source does not stop the run', async () => {
    const started = performance.now();
    const { result } = await applyMutated((dir) => {
      const text = readFileSync(join(dir, BROKEN), 'utf8');
      writeFileSync(join(dir, BROKEN), '# padding line of a generated file\n'.repeat(150_000) + text);
      writeFileSync(join(dir, 'matching_service/app/generated.py'), `DATA = [\n${'    "0123456789abcdef0123456789abcdef",\n'.repeat(130_000)}]\n`);
    }, false);
    expect(result.code).toBe(0);
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('a directory named like the Dockerfile compose builds', async () => {
    const { result } = await applyMutated((dir) => {
      rmSync(join(dir, BROKEN));
      mkdirSync(join(dir, BROKEN));
      writeFileSync(join(dir, BROKEN, 'README'), 'not a Dockerfile\n');
    }, false);
    expect(result.stderr).toMatch(new RegExp(`chat_service/docker-compose.yml:\\d+ .*${BROKEN}.* is a directory`));
  });

  it('a dangling symlink where compose expects the Dockerfile', async () => {
    const { result } = await applyMutated((dir) => {
      rmSync(join(dir, BROKEN));
      symlinkSync(join(dir, 'does-not-exist'), join(dir, BROKEN));
    }, false);
    expect(result.stderr).toMatch(new RegExp(`chat_service/docker-compose.yml:\\d+ .*${BROKEN}.* is a dangling symlink`));
  });

  it('a Dockerfile the user cannot read (as root: run as nobody)', () => {
    const dir = copySample('peerprep');
    chmodSync(join(dir, BROKEN), 0o000);
    for (let d = dir; d !== '/'; d = join(d, '..')) {
      try {
        chmodSync(d, 0o755);
      } catch {
        break;
      }
      if (d.split('/').length <= 3) break;
    }
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const [cmd, ...args] = asNobody as [string, ...string[]];
    const out = spawnSync(cmd, [...args, join(import.meta.dirname, '..', 'bin', 'ecsfix'), 'diff', dir], { encoding: 'utf8' });
    if (out.error || /setpriv: /.test(out.stderr)) {
      console.warn(`SKIPPED: cannot drop privileges to test an unreadable file (${out.error?.message ?? out.stderr.trim()})`);
      return;
    }
    expect(out.stderr).not.toMatch(STACK);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain(BROKEN);
    expect(out.stdout).toContain(`b/${OTHER}`);
  });
});
