/**
 * The task definition of a service whose compose `command` runs something else than the image's
 * web server (review5 P2: `celery -A config flower` in the Django image, whose CMD is gunicorn):
 * the server's health route and port are not that process's, so it gets no healthCheck, no ALB
 * target group and no ECS413, with a note naming the compose command. A command that runs the same
 * server with other flags (`gunicorn ... --workers 4`, `uvicorn ... --port 8002`) is still the server.
 */
import { describe, expect, it } from 'vitest';
import { ecsOf } from './helpers/ecs.js';

const FIXTURE = 'command-replaces-server';

describe('task definition: a compose command in place of the image server', () => {
  it('flower (string command through a <<: *django anchor): no healthCheck, no target group, a note naming docker-compose.yml:34', () => {
    const { ecs, container, repo } = ecsOf(FIXTURE, 'flower');
    expect(container?.command).toEqual(['celery', '-A', 'config', 'flower', '--port=5555']);
    expect(container?.portMappings).toEqual([{ containerPort: 5555, protocol: 'tcp' }]);
    expect(container?.healthCheck).toBeUndefined();
    expect(ecs?.targetGroup).toBeNull();
    expect(ecs?.notes.filter((n) => n.includes('docker-compose.yml:34'))).toHaveLength(1);
    const flower = repo.services.find((s) => s.name === 'flower');
    expect(flower?.healthRoute).toBeNull();
    expect(flower?.serverReplacedBy).toMatchObject({ file: 'docker-compose.yml', line: 34 });
  });

  it('metrics (list command running a module of the image): no healthCheck, no target group, a note', () => {
    const { ecs, container } = ecsOf(FIXTURE, 'metrics');
    expect(container?.command).toEqual(['python', '-m', 'config.metrics', '--listen', '9100']);
    expect(container?.healthCheck).toBeUndefined();
    expect(ecs?.targetGroup).toBeNull();
    expect(ecs?.notes.filter((n) => n.includes('docker-compose.yml:42'))).toHaveLength(1);
  });

  it('ECS413 (ALLOWED_HOSTS rejects the ALB probe) is reported for web and web-tuned, never for flower or metrics', () => {
    const { report } = ecsOf(FIXTURE, 'web');
    const services = report.findings.filter((f) => f.code === 'ECS413').map((f) => f.service);
    expect(services.sort()).toEqual(['web', 'web-tuned']);
  });

  it('web and web-tuned (gunicorn with other flags) keep the Django probe on /healthz/ at 8000', () => {
    for (const name of ['web', 'web-tuned']) {
      const { ecs, container } = ecsOf(FIXTURE, name);
      expect(container?.healthCheck?.command.join(' '), name).toContain('http://localhost:8000/healthz/');
      expect(ecs?.targetGroup).toMatchObject({ Port: 8000, HealthCheckPath: '/healthz/' });
    }
  });

  it('api-canary (the image uvicorn app on --port 8002): probed on /health at 8002, where its command starts it, not at the image CMD port 8001', () => {
    const { ecs, container } = ecsOf(FIXTURE, 'api-canary');
    expect(container?.healthCheck?.command.join(' ')).toContain('http://localhost:8002/health');
    expect(ecs?.targetGroup).toMatchObject({ Port: 8002, HealthCheckPath: '/health' });
  });

  it('the worker stays a worker (no port, no healthCheck, stopTimeout)', () => {
    const { ecs, container } = ecsOf(FIXTURE, 'worker');
    expect(ecs?.role).toBe('worker');
    expect(container?.healthCheck).toBeUndefined();
    expect(container?.stopTimeout).toBe(30);
  });

  it('a compose command running a script of the repo that starts gunicorn is still the server', () => {
    const { ecs, container } = ecsOf(FIXTURE, 'flower', (tree) => {
      tree.set('backend/start-web.sh', '#!/bin/sh\nexec gunicorn config.wsgi:application --bind 0.0.0.0:5555\n');
      tree.set('docker-compose.yml', (tree.get('docker-compose.yml') ?? '').replace('command: celery -A config flower --port=5555', 'command: ./start-web.sh'));
    });
    expect(ecs?.notes.filter((n) => n.includes('in place of'))).toEqual([]);
    expect(container?.healthCheck?.command.join(' ')).toContain('/healthz/');
  });
});

/**
 * review5 N21/P5: a worker started by a compose `command` on its API's image, publishing no port
 * (`node src/jobs.js` creating a BullMQ Worker; `python -m ledger.worker`, a Redis loop): it is not
 * the API. No port mapping, no healthCheck, no target group; the BullMQ one is a worker (worker-graceful-shutdown then gives src/jobs.js its handler: fixtures/transforms/worker-graceful-shutdown/compose-command-worker-on-api-image).
 */
describe('task definition: a worker started by compose command on the API image', () => {
  const FIXTURE_WORKERS = 'worker-command-on-api-image';

  it('api-jobs (node src/jobs.js, a BullMQ Worker): a worker with no port, no healthCheck, no target group', () => {
    const { ecs, container, repo } = ecsOf(FIXTURE_WORKERS, 'api-jobs');
    expect(ecs?.role).toBe('worker');
    expect(container?.command).toEqual(['node', 'src/jobs.js']);
    expect(container?.portMappings).toEqual([]);
    expect(container?.healthCheck).toBeUndefined();
    expect(ecs?.targetGroup).toBeNull();
    expect(repo.services.find((s) => s.name === 'api-jobs')?.port).toBeNull();
  });

  it('ledger-worker (python -m ledger.worker through an anchor): no port, no healthCheck, no target group', () => {
    const { ecs, container, repo } = ecsOf(FIXTURE_WORKERS, 'ledger-worker');
    expect(ecs?.role).not.toBe('http');
    expect(container?.portMappings).toEqual([]);
    expect(container?.healthCheck).toBeUndefined();
    expect(ecs?.targetGroup).toBeNull();
    expect(repo.services.find((s) => s.name === 'ledger-worker')?.port).toBeNull();
  });

  it('the APIs keep their port and probe', () => {
    expect(ecsOf(FIXTURE_WORKERS, 'api').ecs?.targetGroup).toMatchObject({ Port: 3000, HealthCheckPath: '/healthz' });
    expect(ecsOf(FIXTURE_WORKERS, 'ledger-api').container?.portMappings).toEqual([{ containerPort: 5000, protocol: 'tcp' }]);
  });
});

describe('task definition: Node, one image whose CMD runs the listening src/index.js', () => {
  const compose = (edit: (text: string) => string) => (tree: Map<string, string>) => {
    tree.set('docker-compose.yml', edit(tree.get('docker-compose.yml') ?? ''));
  };

  it('notify-mailer (`node src/mailer.js`, a file that listens nowhere): no healthCheck, no target group, a note', () => {
    const { ecs, container } = ecsOf(FIXTURE, 'notify-mailer');
    expect(container?.healthCheck).toBeUndefined();
    expect(ecs?.targetGroup).toBeNull();
    expect(ecs?.notes.filter((n) => n.includes('docker-compose.yml:66'))).toHaveLength(1);
  });

  it('`npm start`, whose start script runs the same src/index.js, is the server: probed on /health', () => {
    const { ecs, container } = ecsOf(FIXTURE, 'notify-mailer', compose((c) => c.replace('command: node src/mailer.js', 'command: npm start')));
    expect(ecs?.notes.filter((n) => n.includes('docker-compose.yml:66'))).toEqual([]);
    expect(container?.healthCheck?.command.join(' ')).toContain('/health');
  });

  it('`node src/index.js --inspect` is the server', () => {
    const { ecs, container } = ecsOf(FIXTURE, 'notify-mailer', compose((c) => c.replace('command: node src/mailer.js', 'command: ["node", "--inspect=0.0.0.0:9229", "src/index.js"]')));
    expect(ecs?.notes.filter((n) => n.includes('docker-compose.yml:66'))).toEqual([]);
    expect(container?.healthCheck?.command.join(' ')).toContain('/health');
  });
});

describe('task definition: two compose projects define a service differently (review5 P3)', () => {
  // py-a's shape: the root docker-compose.yml runs the image CMD with .env (through an x- anchor),
  // deploy/docker-compose.prod.yml runs gunicorn with other flags and .env.prod; beat is the same in both.
  it('web and worker: ECS218 at the other project\'s service naming what differs; the task definition says which project it follows', () => {
    const { ecs, report } = ecsOf('two-projects-differ', 'web');
    const disputes = report.findings.filter((f) => f.code === 'ECS218');
    expect(disputes.map((f) => `${f.service} ${f.file}:${f.line}`).sort()).toEqual(['web deploy/docker-compose.prod.yml:2', 'worker deploy/docker-compose.prod.yml:10']);
    const web = disputes.find((f) => f.service === 'web')?.message ?? '';
    expect(web).toContain('docker-compose.yml:17');
    expect(web).toContain('--workers 4');
    expect(web).toContain('.env.prod');
    expect(ecs?.notes.filter((n) => n.includes('deploy/docker-compose.prod.yml:2') && n.includes('command') && n.includes('env_file'))).toHaveLength(1);
    const worker = ecsOf('two-projects-differ', 'worker').ecs;
    expect(worker?.notes.filter((n) => n.includes('deploy/docker-compose.prod.yml:10') && n.includes('-l warning'))).toHaveLength(1);
  });

  it('beat, the same in both (string and list form of one argv, one env file): no finding, no note', () => {
    const { ecs, report } = ecsOf('two-projects-differ', 'beat');
    expect(report.findings.filter((f) => f.code === 'ECS218' && f.service === 'beat')).toEqual([]);
    expect(ecs?.notes.filter((n) => n.includes('deploy/docker-compose.prod.yml'))).toEqual([]);
  });

  it('a port disagreement (ECS150) is in the web task definition\'s notes, not only in the findings', () => {
    const { ecs } = ecsOf('two-projects-differ', 'web', (tree) => {
      const prod = tree.get('deploy/docker-compose.prod.yml') ?? '';
      tree.set('deploy/docker-compose.prod.yml', prod.replace('--bind 0.0.0.0:8000', '--bind 0.0.0.0:9000').replace('"8000:8000"', '"9000:9000"'));
    });
    expect(ecs?.notes.filter((n) => n.includes('disagree about the port') && n.includes('containerPort 8000'))).toHaveLength(1);
  });
});
