/**
 * src/repo/processCwd.ts: the working directory a start command gives the process (review6 R1), for
 * the package-manager and shell shapes the fixture pairs do not cover one by one. The image model is
 * a map from image path (relative to the WORKDIR, or absolute) to the repo file COPY put there.
 */
import { describe, expect, it } from 'vitest';
import { processCwd, serviceProcessCwd, type ProcessCwdInput } from '../src/repo/processCwd.js';
import type { WorkspacePackage } from '../src/repo/workspace.js';
import type { ComposeService } from '../src/repo/compose.js';
import { join } from 'node:path';
import { buildCheckReport } from '../src/check/report.js';
import type { EcsService } from '../src/check/task-definition.js';
import { TRANSFORMS } from '../transforms/index.js';
import { planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const pkg = (name: string, dir: string, scripts: Record<string, string> = { start: 'node src/index.js' }): WorkspacePackage => ({ name, dir, dependencies: {}, workspaceDeps: [], scripts, main: null });
const PACKAGES = [pkg('@acme/jobs', 'apps/jobs'), pkg('@acme/web', 'apps/web', { start: 'cd server && node main.js' }), pkg('@acme/logger', 'libs/logger')];
/** The workspace copied whole into the WORKDIR (`COPY . .`). */
const WHOLE = (p: string) => {
  const rel = p.replace(/^\.\//, '').replace(/^\/app\//, '');
  return ['package.json', 'pnpm-workspace.yaml', 'apps/jobs/package.json', 'apps/web/package.json', 'libs/logger/package.json'].includes(rel) ? rel : null;
};
const at = { file: 'Dockerfile', line: 9 };
const shell = (text: string) => ['/bin/sh', '-c', text];
const run = (argv: string[], more: Partial<ProcessCwdInput> = {}) =>
  processCwd({ entrypoint: null, command: { argv, at }, workingDir: null, packages: PACKAGES, servicePackage: null, imageFile: WHOLE, ...more });
const dir = (argv: string[], more: Partial<ProcessCwdInput> = {}) => {
  const cwd = run(argv, more);
  return cwd.known ? cwd.path : `unknown: ${cwd.because}`;
};

describe('an entrypoint script the image holds (shared8 defect 3)', () => {
  const SCRIPTS: Record<string, string> = {
    'docker/entrypoint.sh': '#!/bin/sh\nset -e\n# move into the app\ncd apps/jobs\nnpx prisma migrate deploy\nexec "$@"\n',
    'docker/abs.sh': '#!/bin/sh\ncd /srv/app || exit 1\nexec node server.js\n',
    'docker/var.sh': '#!/bin/sh\ncd "$APP_DIR"\nexec "$@"\n',
    'docker/guarded.sh': '#!/bin/sh\n[ -d apps/web ] && cd apps/web\nexec "$@"\n',
    'docker/conditional.sh': '#!/bin/sh\nif [ "$1" = "web" ]; then\n  cd apps/web\nfi\nexec "$@"\n',
    'docker/functions.sh': '#!/bin/bash\nwait_for_db() {\n  until nc -z db 5432; do sleep 1; done\n}\nwait_for_db\nexec "$@"\n',
    'apps/jobs/start.sh': '#!/bin/sh\ncd "$(dirname "$0")"\nexec node src/index.js\n',
  };
  const image = (p: string) => {
    const rel = p.replace(/^\.\//, '').replace(/^\/app\//, '');
    const copied: Record<string, string> = { 'docker-entrypoint.sh': 'docker/entrypoint.sh', '/usr/local/bin/abs.sh': 'docker/abs.sh', '/usr/local/bin/var.sh': 'docker/var.sh', '/usr/local/bin/guarded.sh': 'docker/guarded.sh', '/usr/local/bin/conditional.sh': 'docker/conditional.sh', '/usr/local/bin/functions.sh': 'docker/functions.sh' };
    return copied[p] ?? copied[rel] ?? (rel === 'apps/jobs/start.sh' ? rel : WHOLE(p));
  };
  const withScript = (entry: string[], cmd: string[]) => {
    const cwd = processCwd({ entrypoint: { argv: entry, at: { file: 'Dockerfile', line: 8 } }, command: { argv: cmd, at }, workingDir: null, packages: PACKAGES, servicePackage: null, imageFile: image, read: (rel) => SCRIPTS[rel] ?? null });
    return cwd.known ? cwd.path : `unknown: ${cwd.because}`;
  };
  it('follows a literal cd before exec "$@", and a script that execs its own command', () => {
    expect(withScript(['./docker-entrypoint.sh'], ['node', 'src/index.js'])).toBe('apps/jobs');
    // The arguments run where the script moved: npm's workspace root is then apps/jobs, which holds no workspace.
    expect(withScript(['abs.sh'], ['npm', 'start'])).toBe('/srv/app');
    expect(withScript(['sh', 'apps/jobs/start.sh'], [])).toBe('apps/jobs');
  });
  it('a script that moves where ecsfix cannot follow leaves the directory unknown', () => {
    expect(withScript(['var.sh'], ['node', 'x.js'])).toMatch(/^unknown: .*cd \$APP_DIR/);
    expect(withScript(['guarded.sh'], ['node', 'x.js'])).toMatch(/^unknown: .*condition/);
    expect(withScript(['conditional.sh'], ['node', 'x.js'])).toMatch(/^unknown: .*condition/);
  });
  it('a script that does not move runs its arguments where it starts', () => {
    expect(withScript(['functions.sh'], ['npm', 'start', '-w', '@acme/jobs'])).toBe('apps/jobs');
    // One the repo does not provide (the base image's docker-entrypoint.sh) is taken to exec its arguments.
    expect(withScript(['/usr/local/bin/docker-entrypoint.sh'], ['npm', 'start', '-w', '@acme/jobs'])).toBe('apps/jobs');
  });
});

describe('the directory a start command runs the process in', () => {
  it('npm runs a workspace script in the workspace folder (name or path, -w or --workspace, start or run)', () => {
    expect(dir(shell('npm start --workspace=@acme/jobs'))).toBe('apps/jobs');
    expect(dir(['npm', 'run', 'start', '-w', 'apps/jobs'])).toBe('apps/jobs');
    expect(dir(['npm', '-w', './apps/jobs', 'start'])).toBe('apps/jobs');
    expect(dir(['npm', '--prefix', 'apps/jobs', 'start'])).toBe('apps/jobs');
    expect(dir(['npm', 'start'])).toBe('.');
  });
  it('pnpm --filter / -C and yarn workspace / --cwd', () => {
    expect(dir(['pnpm', '--filter', '@acme/jobs', 'start'])).toBe('apps/jobs');
    expect(dir(['pnpm', '-F', '{apps/jobs}', 'run', 'start'])).toBe('apps/jobs');
    expect(dir(['pnpm', '-C', 'apps/jobs', 'start'])).toBe('apps/jobs');
    expect(dir(['yarn', 'workspace', '@acme/jobs', 'start'])).toBe('apps/jobs');
    expect(dir(['yarn', '--cwd', 'apps/jobs', 'start'])).toBe('apps/jobs');
  });
  it('follows `cd` in a sh -c script and in the package.json script the package manager runs', () => {
    expect(dir(shell('cd apps/jobs && exec node src/index.js'))).toBe('apps/jobs');
    expect(dir(shell('cd /srv/app && node x.js'))).toBe('/srv/app');
    expect(dir(['npm', 'start', '-w', '@acme/web'])).toBe('apps/web/server');
    expect(dir(['tini', '--', 'npm', 'start', '-w', '@acme/web'])).toBe('apps/web/server');
    // An entrypoint script is taken to exec its arguments (the CMD).
    expect(dir(['npm', 'start', '-w', '@acme/jobs'], { entrypoint: { argv: ['docker-entrypoint.sh'], at } })).toBe('apps/jobs');
    // A package manager step before the process (a migration) does not move the shell.
    expect(dir(shell('npm run migrate -w @acme/jobs && node server.js'))).toBe('.');
  });
  it('compose working_dir is where the command starts', () => {
    expect(dir(['node', 'x.js'], { workingDir: { value: '/srv/jobs', at } })).toBe('/srv/jobs');
    expect(dir(shell('cd dist && node main.js'), { workingDir: { value: '/srv/jobs', at } })).toBe('/srv/jobs/dist');
  });
  it('does not guess: variables, unknown or several workspaces, a workspace root the image lacks', () => {
    for (const argv of [
      shell('npm start -w $APP'),
      shell('cd "$APP_HOME" && node x.js'),
      ['npm', 'start', '-w', '@acme/mailer'],
      ['npm', 'start', '--workspaces'],
      ['npm', 'start', '-w', '@acme/jobs', '-w', '@acme/web'],
      ['pnpm', '-r', 'start'],
      ['yarn', 'workspace', 'nope', 'start'],
    ])
      expect(run(argv).known, argv.join(' ')).toBe(false);
    expect(run(['npm', 'start', '-w', '@acme/jobs'], { imageFile: (p) => (p.endsWith('package.json') && !p.includes('apps/') ? 'apps/jobs/package.json' : null) }).known).toBe(false);
    expect(run(['node', 'x.js'], { workingDir: { value: '${JOBS_DIR}', at } }).known).toBe(false);
    const unknown = run(shell('npm start -w $APP'));
    expect(unknown.known ? null : unknown.at).toEqual(at);
  });
});

describe('serviceProcessCwd: compose over the image', () => {
  const compose = (over: Partial<ComposeService>): ComposeService => ({ name: 'jobs', file: 'docker-compose.yml', line: 2, build: null, image: null, containerPorts: [], environment: {}, dependsOn: [], hasHealthcheck: false, ...over });
  const image = [
    { keyword: 'WORKDIR', args: '/app', line: 3 },
    { keyword: 'CMD', args: '["npm", "start"]', line: 12 },
  ];
  const context = { packages: PACKAGES, servicePackage: null, imageFile: WHOLE };
  it('the compose command replaces the CMD; its working_dir is where it starts (npm start there runs that package\'s script)', () => {
    expect(serviceProcessCwd('Dockerfile', image, null, context)).toMatchObject({ known: true, path: '.' });
    expect(serviceProcessCwd('Dockerfile', image, compose({ command: 'npm start -w @acme/jobs', commandArgs: ['npm', 'start', '-w', '@acme/jobs'] }), context)).toMatchObject({ known: true, path: 'apps/jobs' });
    expect(serviceProcessCwd('Dockerfile', image, compose({ workingDir: { value: '/app/apps/web', file: 'docker-compose.yml', line: 5 } }), context)).toMatchObject({ known: true, path: '/app/apps/web/server' });
  });
  it('a shell-form CMD runs through sh -c', () => {
    expect(serviceProcessCwd('Dockerfile', [{ keyword: 'CMD', args: 'cd apps/jobs && node src/index.js', line: 4 }], null, context)).toMatchObject({ known: true, path: 'apps/jobs', at: { file: 'Dockerfile', line: 4 } });
  });
});

describe('one working directory for every consumer (fixture npm-workspace-cwd-shared-logger, compose working_dir)', () => {
  it('compose working_dir + command: the write, the non-root handover and the task definition agree on /app/apps/jobs', () => {
    const tree = readTree(join(FIXTURES, 'transforms', 'dockerfile-non-root', 'npm-workspace-cwd-shared-logger', 'before'));
    tree.set('docker-compose.yml', (tree.get('docker-compose.yml') as string).replace('    profiles: [workers]\n', '    profiles: [workers]\n    working_dir: /app/apps/jobs\n    command: ["node", "src/worker.js"]\n'));
    const { repo, plan } = planTree(tree, [...TRANSFORMS]);
    const jobs = repo.services.find((s) => s.name === 'jobs');
    expect(jobs?.runtimeWrites?.map((w) => [w.path, w.absolute])).toEqual([['/app/apps/jobs/logs', true]]);
    const dockerfile = plan.changes.find((c) => c.path === 'docker/jobs.Dockerfile');
    expect(dockerfile?.after).toContain('mkdir -p /app/apps/jobs/logs');
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
    const container = (report.ecs as EcsService[]).find((e) => e.service === 'jobs')?.taskDefinition.containerDefinitions[0];
    expect(container?.workingDirectory).toBe('/app/apps/jobs');
    expect(container?.command).toEqual(['node', 'src/worker.js']);
  });
});
