/**
 * uWSGI's listen options (review9 R2): `socket =` / `uwsgi-socket =` speak the uwsgi binary protocol
 * nginx sends with `uwsgi_pass`, `http =` / `http-socket =` answer HTTP. The options come from the
 * ini file `--ini` names (or a bare `x.ini`, or UWSGI_INI), the command line and UWSGI_* variables.
 * A port that is not HTTP gets no HTTP healthCheck, target group or PORT; neither does one whose
 * protocol is not established (a config ecsfix cannot read).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers/tmp.js';
import { ecsOf } from './helpers/ecs.js';
import { uwsgiServer } from '../src/repo/uwsgiConfig.js';

const FIXTURE = 'uwsgi-socket-behind-nginx';
const at = { file: 'backend/Dockerfile', line: 30 };

/** The fixture with uwsgi.ini's listen line and the image's CMD replaced. */
function variant(listen: string | null, cmd?: string, extra: Record<string, string> = {}) {
  return ecsOf(FIXTURE, 'web', (tree) => {
    const ini = tree.get('backend/uwsgi.ini') ?? '';
    if (listen === null) tree.delete('backend/uwsgi.ini');
    else tree.set('backend/uwsgi.ini', ini.replace('socket = 0.0.0.0:5000', listen));
    if (cmd) tree.set('backend/Dockerfile', (tree.get('backend/Dockerfile') ?? '').replace('CMD ["uwsgi", "--ini", "uwsgi.ini"]', cmd));
    for (const [file, text] of Object.entries(extra)) tree.set(file, text);
  });
}

const codes = (report: ReturnType<typeof variant>['report'], code: string) => report.findings.filter((f) => f.code === code && f.service === 'web').map((f) => f.file);

describe('uWSGI socket = (uwsgi protocol) behind nginx uwsgi_pass (review9 R2)', () => {
  it('no healthCheck, no target group, no PORT; portMappings stay on the socket; the note says why and what to do', () => {
    const { ecs, container, env, report } = variant('socket = 0.0.0.0:5000');
    expect(container?.portMappings).toEqual([{ containerPort: 5000, protocol: 'tcp' }]);
    expect(container?.healthCheck).toBeUndefined();
    expect(ecs?.targetGroup).toBeNull();
    expect(env.PORT).toBeUndefined();
    expect(ecs?.notes.some((n) => n.includes('backend/uwsgi.ini:9') && n.includes('http-socket'))).toBe(true);
    expect(codes(report, 'ECS182')).toContain('backend/Dockerfile');
    // wsgi.py's app.run(port=5000) under __main__ is not what starts the server.
    expect(report.findings.filter((f) => f.code === 'ECS107' && f.service === 'web')).toEqual([]);
  });

  it('uwsgi-socket =, --socket on the command line, and UWSGI_SOCKET in compose are the uwsgi protocol too', () => {
    expect(variant('uwsgi-socket = :5000').ecs?.targetGroup).toBeNull();
    expect(variant('', 'CMD ["uwsgi", "--module", "wsgi:app", "--socket", ":5000", "--master"]').ecs?.targetGroup).toBeNull();
    expect(variant('', 'CMD uwsgi --module wsgi:app -s :5000').ecs?.targetGroup).toBeNull();
    const compose = 'services:\n  web:\n    build: ./backend\n    environment:\n      UWSGI_SOCKET: ":5000"\n    ports:\n      - "5000:5000"\n';
    expect(variant('', 'CMD ["uwsgi", "--module", "wsgi:app"]', { 'docker-compose.yml': compose }).ecs?.targetGroup).toBeNull();
  });

  it('http-socket = / --http / `protocol = http` answer HTTP: healthCheck and target group on the literal port, no PORT', () => {
    for (const [listen, cmd] of [
      ['http-socket = 0.0.0.0:5000', undefined],
      ['http = :5000', undefined],
      ['socket = :5000\nprotocol = http', undefined],
      ['', 'CMD ["uwsgi", "--ini", "uwsgi.ini", "--http-socket=:5000"]'],
    ] as const) {
      const { ecs, container, env } = variant(listen, cmd);
      expect(ecs?.targetGroup?.HealthCheckPath, listen || cmd).toBe('/api/health');
      expect(container?.healthCheck?.command.join(' '), listen || cmd).toContain('localhost:5000/api/health');
      expect(env.PORT, listen || cmd).toBeUndefined();
    }
  });

  it('http-socket = :$(PORT) with PORT set nowhere ecsfix reads: HTTP that follows PORT, not an unestablished protocol', () => {
    const { repo } = variant('http-socket = :$(PORT)');
    expect(repo.services.find((s) => s.name === 'web')?.uwsgiSocket).toBeUndefined();
    expect(repo.services.find((s) => s.name === 'web')?.configBind).toBeUndefined();
  });

  it('http-socket = :$(PORT) follows PORT: the task definition sets it', () => {
    const compose = 'services:\n  web:\n    build: ./backend\n    environment:\n      PORT: "5000"\n    ports:\n      - "5000:5000"\n';
    const { ecs, env } = variant('http-socket = :$(PORT)', undefined, { 'docker-compose.yml': compose });
    expect(ecs?.targetGroup?.HealthCheckPath).toBe('/api/health');
    expect(env.PORT).toBe('5000');
  });

  it('a config ecsfix cannot read (not in the repo, a section it lacks, an include): the protocol is not established, nothing HTTP is generated', () => {
    const missing = variant(null);
    expect(missing.ecs?.targetGroup).toBeNull();
    expect(missing.container?.healthCheck).toBeUndefined();
    expect(missing.ecs?.notes.some((n) => n.includes('not established') && n.includes('uwsgi.ini'))).toBe(true);
    expect(variant('socket = :5000', 'CMD ["uwsgi", "--ini", "uwsgi.ini:production"]').ecs?.targetGroup).toBeNull();
    expect(variant('ini = base.ini').ecs?.targetGroup).toBeNull();
  });

  it('with no EXPOSE and no published port, CMD uwsgi is the server: the socket gives the port mapping, still nothing HTTP', () => {
    const compose = 'services:\n  web:\n    build: ./backend\n  frontend:\n    build: ./frontend\n    ports:\n      - "8080:80"\n';
    const dockerfile = readFileSync(join(FIXTURES, 'task-definitions', FIXTURE, 'backend', 'Dockerfile'), 'utf8').replace('EXPOSE 5000\n', '');
    const { ecs, container, repo } = variant('socket = :5000', undefined, { 'docker-compose.yml': compose, 'backend/Dockerfile': dockerfile });
    const web = repo.services.find((s) => s.name === 'web');
    expect(web?.role).toBe('http');
    expect(web?.port).toBe(5000);
    expect(container?.portMappings).toEqual([{ containerPort: 5000, protocol: 'tcp' }]);
    expect(ecs?.targetGroup).toBeNull();
  });

  it('the worker that shares the image runs another command: no uwsgi fact', () => {
    const { repo } = ecsOf(FIXTURE, 'web', (tree) =>
      tree.set('docker-compose.yml', `${tree.get('docker-compose.yml') ?? ''}\n  worker:\n    build: ./backend\n    command: rq worker --url redis://redis:6379/0 tasks\n`.replace('\n\n  worker', '\n  worker')),
    );
    const worker = repo.services.find((s) => s.name === 'worker');
    expect(worker?.uwsgiSocket).toBeUndefined();
    // The entrypoint script tests `[ "$1" = "uwsgi" ]`: that line does not start uwsgi.
    expect(worker?.listen?.filter((l) => l.receiver?.startsWith('uwsgi'))).toEqual([]);
    expect(repo.services.find((s) => s.name === 'web')?.uwsgiSocket?.option).toBe('socket');
  });
});

describe('uwsgi started by the start script the image runs (`exec uwsgi --ini ...`)', () => {
  const script = (body: string) =>
    ecsOf(FIXTURE, 'web', (tree) => {
      tree.set('backend/docker/entrypoint.sh', `#!/bin/sh\nset -e\n${body}\n`);
      tree.set('backend/Dockerfile', (tree.get('backend/Dockerfile') ?? '').replace('CMD ["uwsgi", "--ini", "uwsgi.ini"]\n', ''));
    });

  it('the script line is read like a command: its socket is the uwsgi protocol', () => {
    const { ecs, repo } = script('flask --app wsgi db upgrade\nexec uwsgi \\\n  --ini uwsgi.ini');
    expect(ecs?.targetGroup).toBeNull();
    expect(repo.services.find((s) => s.name === 'web')?.uwsgiSocket).toMatchObject({ option: 'socket', port: 5000, file: 'backend/uwsgi.ini' });
  });

  it('after a cd, a relative ini path is not established: nothing HTTP either, and the note says why', () => {
    const { ecs, repo } = script('cd /srv\nexec uwsgi --ini uwsgi.ini');
    expect(ecs?.targetGroup).toBeNull();
    expect(repo.services.find((s) => s.name === 'web')?.uwsgiSocket).toMatchObject({ option: null, file: 'backend/docker/entrypoint.sh', line: 4 });
  });
});

describe('uwsgiServer reads the options uWSGI would', () => {
  const noEnv = () => null;
  const files: Record<string, string> = {
    'app/uwsgi.ini': '[uwsgi]\n; nginx uses uwsgi_pass\nsocket = 0.0.0.0:5000\n\n[production]\nhttp-socket = :8080\nsocket = /tmp/app.sock\n',
  };
  const config = (path: string) => {
    const file = `app/${path.replace(/^\.\//, '')}`;
    return files[file] === undefined ? null : { file, text: files[file] };
  };

  it('the [uwsgi] section, or the one after file.ini:, with each option\'s line', () => {
    expect(uwsgiServer('uwsgi --ini uwsgi.ini', at, config, noEnv)?.listens).toEqual([{ option: 'socket', protocol: 'uwsgi', port: 5000, envVar: null, file: 'app/uwsgi.ini', line: 3 }]);
    expect(uwsgiServer('["uwsgi", "--ini", "./uwsgi.ini:production"]', at, config, noEnv)?.listens.map((l) => [l.option, l.protocol, l.port, l.line])).toEqual([
      ['http-socket', 'http', 8080, 6],
      ['socket', 'uwsgi', null, 7],
    ]);
  });

  it('a bare x.ini argument and UWSGI_INI are --ini; uwsgi.ini in another command is not uwsgi', () => {
    expect(uwsgiServer('/usr/local/bin/uwsgi uwsgi.ini', at, config, noEnv)?.listens.map((l) => l.port)).toEqual([5000]);
    expect(uwsgiServer('uwsgi --master', at, config, (name) => (name === 'UWSGI_INI' ? { value: 'uwsgi.ini', file: 'docker-compose.yml', line: 7 } : null))?.listens.map((l) => l.port)).toEqual([5000]);
    expect(uwsgiServer('python check.py --config uwsgi.ini', at, config, noEnv)).toBeNull();
  });

  it('what it cannot read is named: a missing file, a missing section, an include', () => {
    expect(uwsgiServer('uwsgi --ini other.ini', at, config, noEnv)?.unread).toEqual(['ini other.ini (backend/Dockerfile:30)']);
    expect(uwsgiServer('uwsgi --ini uwsgi.ini:staging', at, config, noEnv)?.unread).toEqual(['ini uwsgi.ini:staging (backend/Dockerfile:30): no [staging] section']);
    expect(uwsgiServer('uwsgi --yaml uwsgi.yaml', at, config, noEnv)?.unread).toEqual(['yaml uwsgi.yaml (backend/Dockerfile:30)']);
  });
});
