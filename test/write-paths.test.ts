/**
 * Where and how ecsfix writes: never outside the root (`..`, absolute paths, a directory that is a
 * symlink out of the tree), never through a symlink; files it does not change keep their bytes,
 * mode and mtime; a temp file of a dead run is removed, one of a live run is left alone.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isTempName, removeStaleTempFiles, safeTarget, UnsafePathError, writeFiles } from '../src/run/write.js';
import { copySample, runCli, tempDir } from './helpers/tmp.js';

function walk(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const child = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? walk(dir, child) : [child];
  });
}

describe('paths', () => {
  const setup = () => {
    const root = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'Dockerfile'), 'FROM alpine\n');
    mkdirSync(join(root, 'svc'));
    writeFileSync(join(root, 'svc/Dockerfile'), 'FROM alpine\n');
    symlinkSync(outside, join(root, 'linked-dir'));
    symlinkSync(join(outside, 'Dockerfile'), join(root, 'svc/Linked.Dockerfile'));
    symlinkSync(join(root, 'svc/Dockerfile'), join(root, 'svc/inside-link'));
    return { root, outside };
  };

  it.each([
    ['../escape/Dockerfile'],
    ['svc/../../Dockerfile'],
    ['/etc/passwd'],
    ['linked-dir/Dockerfile'],
    ['svc/Linked.Dockerfile'],
    ['svc/inside-link'],
  ])('refuses %s', (rel) => {
    const { root, outside } = setup();
    expect(() => safeTarget(root, rel)).toThrow(UnsafePathError);
    expect(() => writeFiles(root, [{ path: rel, contents: 'X\n' }])).toThrow(UnsafePathError);
    expect(readFileSync(join(outside, 'Dockerfile'), 'utf8')).toBe('FROM alpine\n');
    expect(readFileSync(join(root, 'svc/Dockerfile'), 'utf8')).toBe('FROM alpine\n');
  });

  it('accepts a plain file inside, including through a symlinked root', () => {
    const { root } = setup();
    const viaLink = join(tempDir(), 'root-link');
    symlinkSync(root, viaLink);
    expect(writeFiles(viaLink, [{ path: 'svc/Dockerfile', contents: 'FROM alpine:3\n' }])).toEqual(['svc/Dockerfile']);
    expect(readFileSync(join(root, 'svc/Dockerfile'), 'utf8')).toBe('FROM alpine:3\n');
  });

  it('stops at an unsafe path: the files before it are whole, none after it is written', () => {
    const { root } = setup();
    writeFileSync(join(root, 'svc/Other.Dockerfile'), 'FROM alpine\n');
    expect(() =>
      writeFiles(root, [
        { path: 'svc/Dockerfile', contents: 'FROM alpine:3\n' },
        { path: '../x', contents: 'X\n' },
        { path: 'svc/Other.Dockerfile', contents: 'FROM alpine:3\n' },
      ]),
    ).toThrow(UnsafePathError);
    expect(readFileSync(join(root, 'svc/Dockerfile'), 'utf8')).toBe('FROM alpine:3\n');
    expect(readFileSync(join(root, 'svc/Other.Dockerfile'), 'utf8')).toBe('FROM alpine\n');
    expect(readdirSync(join(root, 'svc')).filter(isTempName)).toEqual([]);
  });
});

describe('temp files', () => {
  it('removes the temp files of a dead process, keeps those of a live one and unrelated dot files', () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = `.Dockerfile.ecsfix-${dead}-0123abcd.tmp`;
    const live = `.Dockerfile.ecsfix-${process.pid}-89abcdef.tmp`;
    for (const name of [stale, live, '.Dockerfile.swp', '.env']) writeFileSync(join(dir, name), 'x');
    expect(removeStaleTempFiles(dir)).toEqual([stale]);
    expect(readdirSync(dir).sort()).toEqual(['.Dockerfile.swp', '.env', live].sort());
  });
});

describe('files ecsfix does not change', () => {
  it('keep their bytes, mode and mtime; changed files keep their mode', async () => {
    const dir = copySample('kodingcaravan');
    const files = walk(dir);
    const past = new Date('2020-01-02T03:04:05Z');
    files.forEach((f, i) => {
      chmodSync(join(dir, f), [0o644, 0o600, 0o755, 0o640][i % 4] as number);
      utimesSync(join(dir, f), past, past);
    });
    const before = new Map(files.map((f) => [f, { text: readFileSync(join(dir, f), 'utf8'), stat: statSync(join(dir, f)) }]));
    const result = await runCli(['apply', dir, '--yes', '--json']);
    expect(result.code).toBe(0);
    const written = new Set<string>(JSON.parse(result.stdout).written);
    expect(written.size).toBeGreaterThan(0);
    expect(walk(dir).sort()).toEqual([...files].sort()); // no file added or removed, no temp left
    for (const [f, { text, stat }] of before) {
      const now = statSync(join(dir, f));
      expect(now.mode, f).toBe(stat.mode);
      if (written.has(f)) continue;
      expect(readFileSync(join(dir, f), 'utf8'), f).toBe(text);
      expect(now.mtimeMs, f).toBe(stat.mtimeMs);
    }
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });
});
