/** The command line as scripts and CI use it: flags, exit codes, stdout vs stderr, JSON. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { copySample, FIXTURES, git, gitInit, runCli, tempDir } from './helpers/tmp.js';
import { TRANSFORMS } from '../transforms/index.js';

describe('ecsfix CLI', () => {
  it('list shows every transform with its safety', async () => {
    const { code, stdout } = await runCli(['list']);
    expect(code).toBe(0);
    for (const t of TRANSFORMS) {
      expect(stdout).toContain(t.id);
      expect(stdout).toContain(t.safety);
    }
  });

  it('rejects an unknown transform id with the valid ids, exit 2', async () => {
    const { code, stderr, stdout } = await runCli(['diff', '-t', 'dockerfile-nope', tempDir()]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('"dockerfile-nope"');
    for (const t of TRANSFORMS) expect(stderr).toContain(t.id);
  });

  it('check takes its own options wherever its command word stands', async () => {
    const repo = copySample('kodingcaravan');
    const first = await runCli(['check', repo, '--format', 'json']);
    for (const argv of [['--verbose', 'check', repo, '--format', 'json'], ['--format', 'json', 'check', repo], ['-t', 'dockerfile-non-root', 'check', repo, '--format', 'json']]) {
      const { code, stdout, stderr } = await runCli(argv);
      expect(stderr).toBe('');
      expect(code).toBe(first.code);
      expect(JSON.parse(stdout).summary).toBeDefined();
    }
  });

  it('ECSFIX_TIMING=1 reports where the time went on stderr, per transform that ran; stdout stays the JSON', async () => {
    const repo = copySample('kodingcaravan');
    const quiet = await runCli(['diff', '--json', repo]);
    process.env.ECSFIX_TIMING = '1';
    try {
      const { code, stdout, stderr } = await runCli(['diff', '--json', repo]);
      expect(code).toBe(quiet.code);
      expect(JSON.parse(stdout)).toEqual(JSON.parse(quiet.stdout));
      const ms = (label: string) => Number(new RegExp(`^\\s*${label}\\s+(\\d+)$`, 'm').exec(stderr)?.[1]);
      const changedBy = new Set<string>((JSON.parse(stdout).changes as { transforms: string[] }[]).flatMap((c) => c.transforms));
      expect(changedBy.size).toBeGreaterThan(3);
      for (const label of ['repo model', 'planning \\(every transform, output checks\\)', 'TS/JS codemods', ...changedBy]) expect(ms(label)).toBeGreaterThanOrEqual(0);
      expect(ms('TS/JS codemods')).toBeLessThanOrEqual(ms('planning \\(every transform, output checks\\)'));
    } finally {
      delete process.env.ECSFIX_TIMING;
    }
    expect(quiet.stderr).not.toContain('timing');
  });

  it('rejects a bad flag and an unknown command in one line of its own, exit 2', async () => {
    const flag = await runCli(['diff', '--stat']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
    expect(flag.stderr).toContain('--stat');
    expect(flag.stderr).not.toContain('positional'); // not Node's parser text
    const unknown = await runCli(['dif']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"diff"');
    const missing = await runCli(['diff', '-t']);
    expect(missing.code).toBe(2);
  });

  it('suggests the transform id a partial one means', async () => {
    const { code, stderr } = await runCli(['-t', 'non-root', 'diff', tempDir()]);
    expect(code).toBe(2);
    expect(stderr).toContain('"dockerfile-non-root"?');
  });

  it('tells a missing directory from a file', async () => {
    const missing = await runCli(['diff', join(tempDir(), 'nope')]);
    const file = join(tempDir(), 'file.txt');
    writeFileSync(file, 'x');
    const notDir = await runCli(['diff', file]);
    expect([missing.code, notDir.code]).toEqual([2, 2]);
    expect(missing.stderr).not.toBe(notDir.stderr.replace(file, join(tempDir(), 'nope')));
  });

  it('"ecsfix help" is --help, and the README lists the same commands', async () => {
    const help = await runCli(['help']);
    expect(help).toEqual(await runCli(['--help']));
    const { commandNames } = await import('../src/cli/main.js');
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf('```\necsfix '), readme.indexOf('```', readme.indexOf('```\necsfix ') + 3));
    const inReadme = [...block.matchAll(/^ecsfix (\w+)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(inReadme).toEqual(commandNames());
    for (const name of commandNames()) expect(help.stdout).toContain(`ecsfix ${name}`);
  });

  it('default output: the patch on stdout, only warnings and the behaviour-changing changes then one summary line on stderr; --verbose adds info, -q shows none', async () => {
    const dir = copySample('kodingcaravan');
    const normal = await runCli(['diff', dir]);
    expect(normal.code).toBe(1);
    const lines = normal.stderr.trim().split('\n');
    expect(lines.slice(0, -1).every((l) => l.startsWith('warning ') || l.startsWith('blocking ') || l.startsWith('behaviour-changing '))).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toContain(`ecsfix apply ${dir}`);
    const verbose = await runCli(['diff', dir, '--verbose']);
    expect(verbose.stdout).toBe(normal.stdout);
    expect(verbose.stderr.split('\n').filter((l) => l.startsWith('info ')).length).toBeGreaterThan(10);
    const quiet = await runCli(['diff', dir, '-q']);
    expect(quiet).toEqual({ code: 1, stdout: normal.stdout, stderr: '' });
  });

  it('--max-warnings: exit 1 when more warnings remain', async () => {
    const dir = copySample('kodingcaravan');
    expect((await runCli(['diff', dir, '-t', 'dockerfile-port-env', '--max-warnings', '0'])).code).toBe(1);
    expect((await runCli(['apply', dir, '--yes', '--max-warnings', '0'])).code).toBe(1);
    expect((await runCli(['apply', dir, '--yes', '--max-warnings', '100'])).code).toBe(0);
  });

  it('a binary "Dockerfile": one error line naming it, no raw bytes, exit 2', async () => {
    const dir = copySample('peerprep');
    writeFileSync(join(dir, 'chat_service/Dockerfile'), Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0, 1, 2, 0xff, 0x0d, 0x0a, 0x07, 0x41]));
    const { code, stderr } = await runCli(['diff', dir]);
    expect(code).toBe(2);
    // eslint-disable-next-line no-control-regex
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(stderr.split('\n').filter((l) => l.startsWith('error '))).toEqual([expect.stringContaining('chat_service/Dockerfile')]);
  });

  it('run in a subdirectory: the same patch for the files under it as at the root, the root named, nothing written outside', async () => {
    const dir = copySample('kodingcaravan');
    gitInit(dir);
    const atRoot = await runCli(['diff', dir]);
    const inServices = await runCli(['diff', join(dir, 'services')]);
    expect(inServices.code).toBe(1);
    const patches = (out: string) => out.split(/^(?=diff --git )/m).filter(Boolean);
    const underServices = patches(atRoot.stdout).filter((p) => p.startsWith('diff --git a/services/'));
    expect(underServices.length).toBeGreaterThan(5);
    expect(patches(inServices.stdout)).toEqual(underServices);
    expect(inServices.stderr.split('\n')[0]).toContain(dir);
    expect((await runCli(['apply', join(dir, 'services/cache-worker'), '--yes'])).code).toBe(0);
    expect(git(dir, 'diff', '--name-only').trim().split('\n')).toEqual(['services/cache-worker/Dockerfile', 'services/cache-worker/src/index.ts']);
    const whole = copySample('kodingcaravan');
    expect((await runCli(['apply', whole, '--yes'])).code).toBe(0);
    const worker = 'services/cache-worker/Dockerfile';
    expect(readFileSync(join(dir, worker), 'utf8')).toBe(readFileSync(join(whole, worker), 'utf8'));
  });

  // review9 R42/R26 (lumen): infra/docker-compose.yml builds ../frontend, whose nginx moves to 8080.
  it('run in infra/ or --only one compose file: the compose port is not moved without nginx (ECS010), nothing written; the no-service message says where the services are', async () => {
    const dir = join(tempDir(), 'lumen');
    cpSync(join(FIXTURES, 'transforms/dockerfile-nginx-non-root/two-compose-projects/before'), dir, { recursive: true });
    gitInit(dir);
    const inInfra = await runCli(['apply', join(dir, 'infra'), '--yes']);
    expect(inInfra.code).toBe(0);
    expect(inInfra.stderr).toMatch(/ECS010/);
    const only = await runCli(['apply', dir, '--yes', '--only', 'deploy/compose.prod.yml', '-t', 'dockerfile-nginx-non-root']);
    expect(only.stderr).toMatch(/ECS010/);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const secrets = await runCli(['diff', join(dir, 'infra'), '-t', 'compose-secret-defaults']);
    expect(secrets.stderr).toContain('infra/docker-compose.yml builds "web", "worker", "realtime", "frontend" from Dockerfiles outside it');
  });

  it('an empty directory says there are no services, exit 0 for diff', async () => {
    const { code, stdout, stderr } = await runCli(['diff', tempDir()]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--only limits apply to the files named', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    expect((await runCli(['apply', dir, '--yes', '--only', 'chat_service/Dockerfile,user_service'])).code).toBe(0);
    expect(git(dir, 'diff', '--name-only').trim().split('\n')).toEqual(['chat_service/Dockerfile', 'user_service/Dockerfile', 'user_service/docker-compose.yml']);
    expect((await runCli(['diff', dir, '--only', 'no/such/file'])).code).toBe(2);
  });

  it('diff exits 1 with a patch on stdout, then 0 and silent once applied', async () => {
    const dir = copySample('peerprep');
    const first = await runCli(['diff', dir]);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^diff --git a\//);
    expect(first.stderr.trim().split('\n').at(-1)).toContain('ecsfix apply');
    const applied = await runCli(['apply', dir, '--yes']);
    expect(applied.code).toBe(0);
    const second = await runCli(['diff', dir, '-t', 'dockerfile-port-env']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe('');
  });

  it('kodingcaravan: the PORT/HEALTHCHECK patch applies with git apply, equals apply --yes, and a second diff is silent', async () => {
    const transforms = ['-t', 'dockerfile-port-env,dockerfile-healthcheck-env'];
    const viaPatch = copySample('kodingcaravan');
    const viaApply = copySample('kodingcaravan');
    gitInit(viaPatch);
    const first = await runCli(['diff', viaPatch, ...transforms]);
    expect(first.code).toBe(1);
    const patchFile = join(tempDir(), 'ecs.patch');
    writeFileSync(patchFile, first.stdout);
    git(viaPatch, 'apply', patchFile);
    expect((await runCli(['apply', viaApply, ...transforms, '--yes'])).code).toBe(0);
    const files = git(viaPatch, 'diff', '--name-only').trim().split('\n');
    expect(files).toHaveLength(12);
    for (const f of files) expect(readFileSync(join(viaPatch, f), 'utf8')).toBe(readFileSync(join(viaApply, f), 'utf8'));
    const second = await runCli(['diff', viaPatch, ...transforms]);
    expect(second).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('the diff applies with git apply and gives the same tree as apply --yes', async () => {
    const viaPatch = copySample('peerprep');
    const viaApply = copySample('peerprep');
    gitInit(viaPatch);
    const patch = (await runCli(['diff', viaPatch])).stdout;
    const patchFile = join(tempDir(), 'ecs.patch');
    writeFileSync(patchFile, patch);
    git(viaPatch, 'apply', patchFile);
    expect((await runCli(['apply', viaApply, '--yes'])).code).toBe(0);
    const files = git(viaPatch, 'diff', '--name-only').trim().split('\n');
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(readFileSync(join(viaPatch, f), 'utf8')).toBe(readFileSync(join(viaApply, f), 'utf8'));
  });

  it('the patch also applies to CRLF, BOM and no-final-newline files', async () => {
    const viaPatch = copySample('peerprep');
    const viaApply = copySample('peerprep');
    for (const dir of [viaPatch, viaApply]) {
      const chat = join(dir, 'chat_service/Dockerfile');
      writeFileSync(chat, '\uFEFF' + readFileSync(chat, 'utf8').replace(/\n/g, '\r\n'));
      const matching = join(dir, 'matching_service/Dockerfile');
      writeFileSync(matching, readFileSync(matching, 'utf8').replace(/\n+$/, ''));
    }
    gitInit(viaPatch);
    const patchFile = join(tempDir(), 'ecs.patch');
    writeFileSync(patchFile, (await runCli(['diff', viaPatch])).stdout);
    git(viaPatch, 'apply', patchFile);
    expect((await runCli(['apply', viaApply, '--yes'])).code).toBe(0);
    for (const f of ['chat_service/Dockerfile', 'matching_service/Dockerfile'])
      expect(readFileSync(join(viaPatch, f), 'utf8'), f).toBe(readFileSync(join(viaApply, f), 'utf8'));
    expect(readFileSync(join(viaPatch, 'chat_service/Dockerfile'), 'utf8')).toMatch(/^\uFEFF[^]*ENV PORT=8000\r\n/);
  });

  it('after applying everything, a second diff of kodingcaravan is silent: info findings on unchanged files stay in --json', async () => {
    const dir = copySample('kodingcaravan');
    expect((await runCli(['apply', dir, '--yes'])).code).toBe(0);
    expect(await runCli(['diff', dir])).toEqual({ code: 0, stdout: '', stderr: '' });
    const json = JSON.parse((await runCli(['diff', dir, '--json'])).stdout);
    expect(json.findings.length).toBeGreaterThan(0);
    expect(json.findings.every((f: { severity: string }) => f.severity === 'info')).toBe(true);
  });

  it('apply without --yes and without a terminal refuses, writing nothing', async () => {
    const dir = copySample('peerprep');
    const before = readFileSync(join(dir, 'chat_service/Dockerfile'), 'utf8');
    const { code, stderr } = await runCli(['apply', dir]);
    expect(code).toBe(2);
    expect(stderr).toContain('--yes');
    expect(readFileSync(join(dir, 'chat_service/Dockerfile'), 'utf8')).toBe(before);
  });

  it('apply -t writes only that transform\'s changes', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    expect((await runCli(['apply', dir, '-t', 'dockerfile-port-env', '--yes'])).code).toBe(0);
    const diff = git(dir, 'diff');
    expect(diff).toContain('+ENV PORT=8000');
    expect(diff).not.toMatch(/^\+HEALTHCHECK/m);
  });

  it('--json on diff lists the services and each change with its patch', async () => {
    const dir = copySample('peerprep');
    const { code, stdout } = await runCli(['diff', dir, '--json', '-t', 'dockerfile-port-env']);
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    const chat = json.services.find((s: { name: string }) => s.name === 'chat-service');
    expect(chat).toMatchObject({ role: 'http', port: 8000, dockerfile: 'chat_service/Dockerfile' });
    expect(json.services.find((s: { name: string }) => s.name === 'frontend')).toMatchObject({ role: 'frontend', port: 80 });
    const change = json.changes.find((c: { path: string }) => c.path === 'chat_service/Dockerfile');
    expect(change.transforms).toEqual(['dockerfile-port-env']);
    expect(change.patch).toContain('+ENV PORT=8000');
    // The shell-form CMD gets exec so uvicorn, not /bin/sh, is PID 1 (review4 Q12).
    expect(change.patch).toContain('+CMD exec uvicorn app.main:socket_app');
    expect(change.findings).toEqual([
      expect.objectContaining({ code: 'ECS101', severity: 'info', file: 'chat_service/Dockerfile', service: 'chat-service', transform: 'dockerfile-port-env', fixedBy: 'dockerfile-port-env' }),
      expect.objectContaining({ code: 'ECS140', severity: 'warning', file: 'chat_service/Dockerfile', service: 'chat-service', transform: 'dockerfile-port-env', fixedBy: 'dockerfile-port-env' }),
    ]);
  });

  it('the git guard refuses dirty files by name, ignores untracked ones, and --allow-dirty overrides', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    const dockerfile = join(dir, 'chat_service/Dockerfile');
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8') + '# local edit\n');
    writeFileSync(join(dir, 'untracked.txt'), 'scratch\n');
    const refused = await runCli(['apply', dir, '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('chat_service/Dockerfile');
    expect(git(dir, 'diff', '--name-only').trim()).toBe('chat_service/Dockerfile');
    const forced = await runCli(['apply', dir, '--yes', '--allow-dirty']);
    expect(forced.code).toBe(0);
    expect(readFileSync(dockerfile, 'utf8')).toContain('ENV PORT=8000');
  });

  it('a directory outside git counts as clean', async () => {
    const dir = copySample('peerprep');
    expect((await runCli(['apply', dir, '--yes'])).code).toBe(0);
  });

  it('npm run demo with an unknown sample names the samples that exist', () => {
    const demo = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'demo.mjs'), 'nosuch'], { encoding: 'utf8' });
    expect(demo.status).toBe(2);
    expect(demo.stderr).toContain('kodingcaravan');
    expect(demo.stderr).toContain('peerprep');
    expect(demo.stderr).not.toMatch(/\n\s+at /);
  });

  it('bin/ecsfix runs the built CLI and sets the exit code', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'ecsfix');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('ecsfix diff');
    const bad = spawnSync(process.execPath, [bin, 'diff', '-t', 'nope', tempDir()], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // a one-line error, no stack trace
    expect(execFileSync(process.execPath, [bin, 'list'], { encoding: 'utf8' })).toContain('dockerfile-port-env');
  });

  it('stops quietly when the reader closes the pipe early (ecsfix ... | head): no EPIPE stack trace', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'ecsfix');
    // `true` exits without reading, so every write of the CLI meets a closed pipe.
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" --help | true; "${process.execPath}" "${bin}" list | true`], { encoding: 'utf8' });
    expect(piped.stderr).toBe('');
  });
});
