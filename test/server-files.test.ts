/**
 * Pid, log and socket files app servers and process managers open at start (review10 R34):
 * gunicorn, uWSGI, pm2 and node's profile/report directories, read from the image's CMD/ENTRYPOINT,
 * the compose command, the entrypoint script, GUNICORN_CMD_ARGS, gunicorn.conf.py and uwsgi.ini, are
 * runtime writes of the service (src/repo/serverFiles.ts): handed to the runtime user when their
 * directory is established, unresolved (the image stays root, ECS155) when it is not. The fixture
 * pairs under fixtures/transforms/dockerfile-non-root/{gunicorn,uwsgi}-* cover the transform's output.
 */
import { describe, expect, it } from 'vitest';
import { modelOf } from './helpers/repo.js';
import type { RuntimeWrite } from '../src/repo/runtimeWrites.js';
import { startCommands } from '../src/dockerfile/shell.js';

const PY = {
  'web/requirements.txt': 'flask==3.0\ngunicorn==22.0\n',
  'web/app.py': 'from flask import Flask\napp = Flask(__name__)\n\n@app.get("/health")\ndef health():\n    return "ok"\n',
};

function writesOf(files: Record<string, string>, service = 'web'): RuntimeWrite[] {
  return modelOf(new Map(Object.entries(files))).services.find((s) => s.name === service)?.runtimeWrites ?? [];
}
const shape = (writes: RuntimeWrite[]) => writes.map((w) => (w.unresolved ? `unresolved ${w.file}:${w.line}` : w.home ? `~/${w.path}` : `${w.path}${w.absolute ? '' : ' (workdir)'}`)).sort();

describe('server pid/log/socket files are runtime writes (review10 R34)', () => {
  it('gunicorn flags in the compose command (over the image CMD), split at && and with = values; stdout and /dev/shm are not written', () => {
    const writes = writesOf({
      ...PY,
      'docker-compose.yml': 'services:\n  web:\n    build: ./web\n    command: sh -c "python -m flask db upgrade && gunicorn -b unix:/run/gunicorn/web.sock --access-logfile=logs/access.log --error-logfile - --worker-tmp-dir /dev/shm app:app"\n',
      'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "-p", "/var/run/web.pid", "app:app"]\n',
    });
    expect(shape(writes)).toEqual(['/run/gunicorn', '/var/run', 'logs (workdir)']);
  });

  it('a -c config ecsfix cannot read is unresolved at the command line; a python: module config too', () => {
    const base = { ...PY, 'docker-compose.yml': 'services:\n  web:\n    build: ./web\n' };
    const cmd = (c: string) => writesOf({ ...base, 'web/Dockerfile': `FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n${c}\n` });
    expect(shape(cmd('CMD ["gunicorn", "-c", "/etc/gunicorn/conf.py", "app:app"]'))).toEqual(['unresolved web/Dockerfile:4']);
    expect(shape(cmd('CMD ["gunicorn", "--config", "python:web.gunicorn_conf", "app:app"]'))).toEqual(['unresolved web/Dockerfile:4']);
    // No -c and no ./gunicorn.conf.py: gunicorn reads no config file; nothing is written.
    expect(shape(cmd('CMD ["gunicorn", "app:app"]'))).toEqual([]);
    // The config named and copied: its settings are read (worker_tmp_dir a directory, accesslog = None nothing).
    const conf = 'bind = "0.0.0.0:8000"\nworkers = 2\npidfile = "run/web.pid"\naccesslog = None\nworker_tmp_dir = "/var/lib/gunicorn-hb"\n';
    expect(shape(writesOf({ ...base, 'web/deploy/gunicorn.py': conf, 'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn", "-c", "deploy/gunicorn.py", "app:app"]\n' }))).toEqual(['/var/lib/gunicorn-hb', 'run (workdir)']);
  });

  it('uWSGI options from the command line and UWSGI_* variables: pidfile, logger file:, a unix socket; TCP and abstract sockets are not files', () => {
    const writes = writesOf({
      ...PY,
      'docker-compose.yml': 'services:\n  web:\n    build: ./web\n    environment:\n      UWSGI_LOGTO: /var/log/uwsgi/web.log\n',
      'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD uwsgi --http-socket :8000 --socket /run/uwsgi/web.sock --stats @stats --pidfile /run/uwsgi/web.pid --req-logger file:/var/log/uwsgi/req.log --module app:app\n',
    });
    expect(shape(writes)).toEqual(['/run/uwsgi', '/var/log/uwsgi']);
  });

  it('pm2 keeps its pids and logs in ~/.pm2 (or PM2_HOME); its --log file; node --cpu-prof-dir before the script, not the script\'s own flags', () => {
    const node = {
      'docker-compose.yml': 'services:\n  api:\n    build: ./api\n',
      'api/package.json': '{ "name": "api", "version": "1.0.0", "main": "server.js", "scripts": { "start": "node --cpu-prof-dir=/var/profiles server.js --report-dir /nope" } }\n',
      'api/server.js': "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT || 3000);\n",
    };
    const pm2 = writesOf({ ...node, 'api/Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD ["pm2-runtime", "start", "server.js", "--log", "/var/log/api/pm2.log"]\n' }, 'api');
    expect(shape(pm2)).toEqual(['/var/log/api', '~/.pm2']);
    const home = writesOf({ ...node, 'api/Dockerfile': 'FROM node:20-slim\nENV PM2_HOME=/opt/pm2\nWORKDIR /app\nCOPY . .\nCMD ["pm2-runtime", "server.js"]\n' }, 'api');
    expect(shape(home)).toEqual(['/opt/pm2']);
    const prof = writesOf({ ...node, 'api/Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD ["npm", "start"]\n' }, 'api');
    expect(shape(prof)).toEqual(['/var/profiles']);
  });
});

describe('start commands as the shell reads them (src/dockerfile/shell.ts)', () => {
  it('exec form, sh -c strings, scripts with continuations, comments, quotes and heredocs', () => {
    expect(startCommands('["gunicorn", "--pid", "/run/a b.pid", "app:app"]')).toEqual([{ words: ['gunicorn', '--pid', '/run/a b.pid', 'app:app'], line: 1 }]);
    expect(startCommands('["sh", "-c", "flask db upgrade && exec gunicorn -p /run/g.pid app:app"]').map((c) => c.words)).toEqual([
      ['flask', 'db', 'upgrade'],
      ['gunicorn', '-p', '/run/g.pid', 'app:app'],
    ]);
    const script = "#!/bin/sh\nset -e\n# gunicorn --pid /nowhere\ncat <<EOF > /tmp/x\ngunicorn --pid /heredoc\nEOF\nexec gunicorn \\\n  --access-logfile '/var/log/app/access log' app:app\n";
    const commands = startCommands(script);
    // The comment and the heredoc body are not commands; the continuation is numbered by its first line.
    expect(commands.map((c) => [c.words[0], c.line])).toEqual([['set', 2], ['cat', 4], ['gunicorn', 7]]);
    expect(commands[2]?.words).toEqual(['gunicorn', '--access-logfile', '/var/log/app/access log', 'app:app']);
  });
});
