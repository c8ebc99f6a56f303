/** `exec` in front of the server a CMD runs through a shell (ECS140): which form the CMD is written in. */
import { describe, expect, it } from 'vitest';
import { deployedStage, effectiveInstructions, parseDockerfile } from '../src/repo/dockerfile.js';
import { applyEdits } from '../src/edits.js';
import { execShellCmd } from '../transforms/lib/exec-cmd.js';
import type { Service } from '../src/repo/model.js';

function execOf(dockerfile: string, daemonConfig?: Service['daemonConfig']) {
  const parsed = parseDockerfile(dockerfile);
  const stage = deployedStage(parsed);
  const fix = stage ? execShellCmd(parsed, stage, effectiveInstructions(parsed, stage), daemonConfig) : null;
  return fix && { line: fix.line, program: fix.program, shell: fix.shell, cmd: applyEdits(dockerfile, [fix.edit]).split('\n').find((l) => l.startsWith('CMD')) };
}

describe('execShellCmd', () => {
  // review6 R19 (billing): ECS140 described an exec-form `CMD ["sh", "-c", ...]` as shell form.
  it('an exec-form ["sh", "-c", "…"] names its shell; a shell-form CMD names none', () => {
    expect(execOf('FROM node:20-slim\nWORKDIR /app\nCMD ["sh", "-c", "node scripts/migrate.js && node src/server.js"]\n')).toEqual({
      line: 3,
      program: 'node',
      shell: 'sh',
      cmd: 'CMD ["sh", "-c", "node scripts/migrate.js && exec node src/server.js"]',
    });
    expect(execOf('FROM node:20-slim\nCMD ["/bin/bash", "-c", "node src/server.js"]\n')).toMatchObject({ line: 2, shell: '/bin/bash' });
    expect(execOf('FROM node:20-slim\nWORKDIR /app\nCMD node src/server.js\n')).toEqual({ line: 3, program: 'node', shell: null, cmd: 'CMD exec node src/server.js' });
  });

  it('no exec where /bin/sh is not established to be dash, or where the server goes to the background', () => {
    expect(execOf('FROM node:20-alpine\nCMD node src/server.js\n')).toBeNull();
    expect(execOf('FROM python:3.12-slim\nCMD gunicorn -b 0.0.0.0:8000 app:app\n')).toMatchObject({ program: 'gunicorn' });
    expect(execOf('FROM python:3.12-slim\nCMD gunicorn --daemon -b 0.0.0.0:8000 app:app\n')).toBeNull();
    expect(execOf('FROM node:20-slim\nCMD pm2 start app.js && pm2 logs\n')).toBeNull();
    const conf = { server: 'gunicorn' as const, option: 'daemon = True', file: 'gunicorn.conf.py', line: 3 };
    expect(execOf('FROM python:3.12-slim\nCMD gunicorn -c gunicorn.conf.py app:app\n', conf)).toBeNull();
    expect(execOf('FROM python:3.12-slim\nCMD gunicorn -c gunicorn.conf.py app:app && tail -f /dev/null\n', conf)).toBeNull();
  });
});
