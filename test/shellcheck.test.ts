/**
 * Shell that a linter accepts: every RUN line a transform writes (and the shell of every HEALTHCHECK
 * or CMD it writes) passes shellcheck for the shell that runs it: `sh` on alpine/busybox, `dash`
 * (Debian's /bin/sh) on debian-based images, bash where the stage sets `SHELL ["/bin/bash", ...]`.
 * Inputs: every transform over the samples, the corpus and every fixture pair. Generic over the
 * registry. RUN lines must pass at every severity. HEALTHCHECK/CMD lines must pass at warning
 * severity: the info note SC2086 on an unquoted `${PORT:-8000}` (a port number, which cannot
 * split) is still reported by shellcheck there and is left for the transforms to quote.
 * shellcheck is a Debian package (.ci/run installs it); without it the test is skipped,
 * visibly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { parseDockerfile, type DockerInstruction, type DockerStage } from '../src/repo/dockerfile.js';
import { readTree, type Tree } from './helpers/repo.js';
import { runAll } from './helpers/validity.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
if (!hasShellcheck) console.warn('SKIPPED: shellcheck is not installed (apt-get install shellcheck); the RUN lines transforms write are not linted');

function inputs(): [string, Tree][] {
  const out: [string, Tree][] = [['kodingcaravan', readTree(join(FIXTURES, 'kodingcaravan'))], ['peerprep', readTree(join(FIXTURES, 'peerprep'))]];
  for (const repo of readdirSync(join(FIXTURES, 'corpus'))) out.push([`corpus/${repo}`, readTree(join(FIXTURES, 'corpus', repo))]);
  for (const id of readdirSync(join(FIXTURES, 'transforms')))
    for (const name of readdirSync(join(FIXTURES, 'transforms', id))) {
      const before = join(FIXTURES, 'transforms', id, name, 'before');
      if (existsSync(before)) out.push([`${id}/${name}`, readTree(before)]);
    }
  return out;
}

interface Snippet {
  where: string;
  keyword: string;
  shell: 'sh' | 'dash' | 'bash';
  script: string;
}

function shellOf(stage: DockerStage | undefined, parsed: ReturnType<typeof parseDockerfile>): Snippet['shell'] {
  const shellIns = parsed.instructions.filter((i) => i.keyword === 'SHELL' && stage && i.stageIndex === stage.index).pop();
  if (shellIns && /bash/.test(shellIns.args)) return 'bash';
  return stage?.base.distro === 'debian' ? 'dash' : 'sh';
}

/** The shell script of an instruction, or null for exec form and heredocs. */
function scriptOf(ins: DockerInstruction): string | null {
  let args = ins.args.trim();
  if (ins.keyword === 'HEALTHCHECK') {
    const cmd = /(?:^|\s)CMD\s+([\s\S]*)$/i.exec(args);
    if (!cmd) return null;
    args = (cmd[1] ?? '').trim();
  }
  while (/^--\w[\w-]*(=\S+)?\s/.test(args)) args = args.replace(/^--\w[\w-]*(=\S+)?\s+/, '');
  if (args.startsWith('<<')) return null;
  if (args.startsWith('[')) {
    try {
      const argv = JSON.parse(args) as string[];
      return argv[0] === 'sh' && argv[1] === '-c' && argv[2] !== undefined ? argv[2] : null;
    } catch {
      return null;
    }
  }
  return args;
}

/** The shell of every instruction a transform wrote or rewrote. */
function writtenSnippets(path: string, before: string, after: string): Snippet[] {
  const old = new Set(parseDockerfile(before).instructions.map((i) => `${i.keyword} ${i.args}`));
  const parsed = parseDockerfile(after);
  return parsed.instructions
    .filter((i) => ['RUN', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT'].includes(i.keyword) && !old.has(`${i.keyword} ${i.args}`))
    .flatMap((i) => {
      const script = scriptOf(i);
      const stage = parsed.stages[i.stageIndex];
      return script === null ? [] : [{ where: `${path}:${i.line}`, keyword: i.keyword, shell: shellOf(stage, parsed), script }];
    });
}

describe.skipIf(!hasShellcheck)('shellcheck', () => {
  // It plans every transform over every sample, corpus repo and fixture: its time grows with them, and
  // on the shared 2-core machine it passed 30 s (the default) while the suite ran.
  it('passes every shell line the transforms write', { timeout: 180_000 }, () => {
    const snippets: Snippet[] = [];
    for (const [name, tree] of inputs())
      for (const change of runAll(tree).plan.changes)
        if (isDockerfileName(change.path)) snippets.push(...writtenSnippets(`${name}/${change.path}`, change.before.replace(/\r\n/g, '\n'), change.after.replace(/\r\n/g, '\n')));
    expect(snippets.filter((s) => s.keyword === 'RUN').length).toBeGreaterThan(10);
    expect(snippets.filter((s) => s.keyword !== 'RUN').length).toBeGreaterThan(10);
    const dir = mkdtempSync(join(tmpdir(), 'ecsfix-shellcheck-'));
    try {
      const failures: string[] = [];
      for (const [shell, run] of (['sh', 'dash', 'bash'] as const).flatMap((sh) => [[sh, true], [sh, false]] as const)) {
        const mine = snippets.filter((s) => s.shell === shell && (s.keyword === 'RUN') === run);
        if (!mine.length) continue;
        const files = mine.map((s, i) => {
          const file = join(dir, `${shell}-${run ? 'run' : 'cmd'}-${i}.sh`);
          writeFileSync(file, `${s.script}\n`);
          return file;
        });
        const out = spawnSync('shellcheck', ['--shell', shell, '--severity', run ? 'style' : 'warning', '--format', 'gcc', ...files], { encoding: 'utf8' });
        for (const line of out.stdout.split('\n').filter(Boolean)) {
          const index = Number(/-(\d+)\.sh:/.exec(line)?.[1]);
          failures.push(`${mine[index]?.where} (${shell}): ${line.replace(/^[^:]+:/, '')}\n    ${mine[index]?.script}`);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
