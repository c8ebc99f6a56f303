/**
 * A codemod is a jscodeshift module: run on its own with the jscodeshift CLI (facts it finds in the file
 * and, for a workspace wrapper, in the workspace package on disk) it must make exactly the change
 * `ecsfix apply` makes with the repo model (issue 8's check line). One jscodeshift invocation over every
 * JS/TS source of a copy of kodingcaravan, `ecsfix apply -t worker-graceful-shutdown --yes` on another
 * copy: the two trees must be byte-identical, and the change must be the five worker entry files.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelOf, readTree } from './helpers/repo.js';
import { copySample, runCli, tempDir } from './helpers/tmp.js';

const REPO = join(import.meta.dirname, '..');
const JSCODESHIFT = join(REPO, 'node_modules', '.bin', 'jscodeshift');

function files(root: string, dir = root): string[] {
  return readdirSync(join(dir), { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === '.git') return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? files(root, path) : [relative(root, path)];
  });
}

function tree(root: string): Map<string, string> {
  return new Map(files(root).map((f) => [f, readFileSync(join(root, f), 'utf8')]));
}

function jscodeshift(cwd: string, files: string[]) {
  return spawnSync(JSCODESHIFT, ['-t', join(REPO, 'codemods', 'worker-graceful-shutdown.ts'), '--parser=ts', '--run-in-band', '--silent', ...files], {
    cwd,
    encoding: 'utf8',
    // babel-register's compile cache of the codemod, kept with ecsfix's own dependencies instead of in the copy.
    env: { ...process.env, BABEL_CACHE_PATH: join(REPO, 'node_modules', '.cache', 'ecsfix-codemod-babel.json') },
  });
}

describe('worker-graceful-shutdown under the jscodeshift CLI', () => {
  it('gives byte-for-byte the files ecsfix apply gives on kodingcaravan', async () => {
    const viaEcsfix = copySample('kodingcaravan');
    const viaJscodeshift = copySample('kodingcaravan');
    const original = tree(viaEcsfix);

    expect((await runCli(['apply', viaEcsfix, '-t', 'worker-graceful-shutdown', '--yes'])).code).toBe(0);

    const sources = files(viaJscodeshift).filter((f) => /\.[cm]?[jt]sx?$/.test(f) && !/\.d\.[cm]?ts$/.test(f));
    const run = jscodeshift(viaJscodeshift, sources);
    expect(run.status, run.stderr).toBe(0);

    const ecsfixTree = tree(viaEcsfix);
    const jscodeshiftTree = tree(viaJscodeshift);
    expect([...jscodeshiftTree.keys()].sort()).toEqual([...ecsfixTree.keys()].sort());
    for (const [path, text] of ecsfixTree) expect(jscodeshiftTree.get(path), path).toBe(text);

    // Not vacuous: both made the change the sample needs, in the five worker entries and nowhere else.
    const changed = [...ecsfixTree].filter(([path, text]) => original.get(path) !== text).map(([path]) => path);
    expect(changed.sort()).toEqual(['allocation-worker', 'cache-worker', 'notification-worker', 'purchase-worker', 'session-worker'].map((w) => `services/${w}/src/index.ts`));
    expect(sources.length).toBeGreaterThan(30);
  });

  it('decides a wrapper\'s stop method from its type (ts-morph under babel-register) as ecsfix does', () => {
    // The fixture whose stop() only the type checker finds: re-exported default class, inherited method.
    const fixture = join(REPO, 'fixtures', 'transforms', 'worker-graceful-shutdown', 'typed-wrapper-reexport');
    const dir = tempDir();
    cpSync(join(fixture, 'before'), dir, { recursive: true });
    const worker = 'services/ledger-sync/src/index.ts';
    const run = jscodeshift(dir, [worker]);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(dir, worker), 'utf8')).toBe(readFileSync(join(fixture, 'after', worker), 'utf8'));
  });

  it('follows a shared queue package\'s createWorker() to its new Worker(...) as ecsfix does', () => {
    const fixture = join(REPO, 'fixtures', 'transforms', 'worker-graceful-shutdown', 'workspace-queue-bullmq');
    const dir = tempDir();
    cpSync(join(fixture, 'before'), dir, { recursive: true });
    const worker = 'apps/emails/src/index.ts';
    const run = jscodeshift(dir, [worker, 'apps/digest/src/index.ts']);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(dir, worker), 'utf8')).toBe(readFileSync(join(fixture, 'after', worker), 'utf8'));
    expect(readFileSync(join(dir, 'apps/digest/src/index.ts'), 'utf8')).toBe(readFileSync(join(fixture, 'before', 'apps/digest/src/index.ts'), 'utf8'));
  });

  it('follows a shared messaging package\'s startConsumer() to the amqplib connection it returns as ecsfix does', () => {
    const fixture = join(REPO, 'fixtures', 'transforms', 'worker-graceful-shutdown', 'workspace-amqp-consumer');
    const dir = tempDir();
    cpSync(join(fixture, 'before'), dir, { recursive: true });
    const notifier = 'services/notifier/src/index.js';
    const audit = 'services/audit/src/index.js';
    const run = jscodeshift(dir, [notifier, audit]);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(dir, notifier), 'utf8')).toBe(readFileSync(join(fixture, 'after', notifier), 'utf8'));
    expect(readFileSync(join(dir, audit), 'utf8')).toBe(readFileSync(join(fixture, 'before', audit), 'utf8'));
  });

  it('counts a service that consumes through the shared messaging package as a worker', () => {
    const repo = modelOf(readTree(join(REPO, 'fixtures', 'transforms', 'worker-graceful-shutdown', 'workspace-amqp-consumer', 'before')));
    expect(repo.services.map((s) => [s.name, s.role])).toEqual([
      ['notifier', 'worker'],
      ['audit', 'worker'],
    ]);
  });
});
