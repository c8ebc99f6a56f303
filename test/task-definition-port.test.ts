/**
 * The ECS task definition `check` writes probes and sets the port the way the server reads it (the
 * same decision as the image's HEALTHCHECK): PORT only for a server that reads PORT, the server's
 * own variable otherwise, the literal port for a fixed one; the HEALTHCHECK's startPeriod is kept.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCheckReport } from '../src/check/report.js';
import type { EcsService } from '../src/check/task-definition.js';
import { TRANSFORMS } from '../transforms/index.js';
import { planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

function ecsOf(fixture: string, service: string) {
  const tree = readTree(join(FIXTURES, 'transforms', fixture, 'before'));
  const { repo, plan } = planTree(tree, [...TRANSFORMS]);
  const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
  const ecs = (report.ecs as EcsService[]).find((e) => e.service === service);
  const container = ecs?.taskDefinition.containerDefinitions[0];
  return { ecs, container, env: Object.fromEntries((container?.environment ?? []).map((e) => [e.name, e.value])), probe: container?.healthCheck?.command.join(' ') ?? '' };
}

describe('task definition port and probe', () => {
  it('a server reading SERVICE_PORT: the probe and the environment use SERVICE_PORT, not PORT', () => {
    const { env, probe } = ecsOf('dockerfile-port-env/fastify-service-port-var', 'notifications');
    expect(probe).toContain('process.env.SERVICE_PORT');
    expect(probe).not.toContain('process.env.PORT');
    expect(env).toMatchObject({ SERVICE_PORT: '4004' });
    expect(env).not.toHaveProperty('PORT');
  });

  it('a server on a literal port: the probe hits that port and no PORT is set', () => {
    const { env, probe } = ecsOf('dockerfile-healthcheck-env/python-aiohttp-fixed-port', 'notifier');
    expect(probe).toContain("'http://localhost:8005/health'");
    expect(probe).not.toMatch(/environ/);
    expect(env).not.toHaveProperty('PORT');
  });

  it('a server reading os.environ["APP_PORT"]: APP_PORT is set, and probed', () => {
    const { env, probe, container } = ecsOf('dockerfile-healthcheck-env/python-fastapi-environ-no-default', 'api');
    expect(env).toMatchObject({ APP_PORT: '8000' });
    expect(env).not.toHaveProperty('PORT');
    expect(probe).toContain("os.environ.get('APP_PORT', '8000')");
    expect(container?.healthCheck?.startPeriod).toBe(30);
  });

  it('a Go server reading an address variable: the address is set, the probe hits the port', () => {
    const { env } = ecsOf('dockerfile-port-env/go-server-address-helper', 'catalog');
    expect(env).toMatchObject({ SERVER_ADDRESS: ':8082' });
    expect(env).not.toHaveProperty('PORT');
  });

  it('a server that reads PORT keeps PORT', () => {
    const { env, probe } = ecsOf('dockerfile-port-env/fastify-reads-port', 'billing');
    expect(env).toHaveProperty('PORT');
    expect(probe).toContain('process.env.PORT');
  });

  it('one image run as web, celery worker and celery beat: the worker and beat tasks run their compose command, with no port, probe or target group', () => {
    const web = ecsOf('dockerfile-non-root/celery-beat-shared-image', 'web');
    expect(web.ecs?.role).toBe('http');
    expect(web.container?.command).toBeUndefined(); // compose leaves the image CMD (gunicorn)
    expect(web.ecs?.targetGroup?.HealthCheckPath).toBe('/healthz/');
    // gunicorn.conf.py binds 0.0.0.0:8000, which wins over PORT: the probe hits 8000 and no PORT is set
    expect(web.probe).toContain("'http://localhost:8000/healthz/'");
    expect(web.env).not.toHaveProperty('PORT');
    for (const [name, command] of [
      ['worker', ['celery', '-A', 'config', 'worker', '-l', 'info', '--concurrency', '2']],
      ['beat', ['celery', '-A', 'config', 'beat', '-l', 'info']],
    ] as const) {
      const { ecs, container } = ecsOf('dockerfile-non-root/celery-beat-shared-image', name);
      expect(ecs?.role, name).toBe('worker');
      expect(container?.command, name).toEqual(command);
      expect(container?.portMappings, name).toEqual([]);
      expect(container?.healthCheck, name).toBeUndefined();
      expect(ecs?.targetGroup, name).toBeNull();
      expect(container?.stopTimeout, name).toBe(30);
    }
  });

  it('a health route on a Flask blueprint or FastAPI router: the healthCheck and target group use the mounted path (review4 Q2)', () => {
    for (const [fixture, service, path] of [
      ['python-flask-blueprint-url-prefix', 'accounts', '/ops/health'],
      ['python-fastapi-include-router-prefix', 'billing', '/internal/health'],
      ['python-flask-nested-blueprints', 'orders', '/api/v1/healthz'],
    ] as const) {
      const { ecs, probe } = ecsOf(`dockerfile-healthcheck-env/${fixture}`, service);
      expect(ecs?.targetGroup?.HealthCheckPath, fixture).toBe(path);
      expect(probe, fixture).toContain(`${path}'`);
    }
  });

  it('a class-based server: the healthCheck and target group use the prefix of the router the constructor makes (review6 R2)', () => {
    for (const [fixture, service, path] of [
      ['koa-class-router-prefix', 'api', '/api/healthz'],
      ['koa-class-router-prefix-call', 'api', '/v1/health'],
      ['express-class-router-mount', 'web', '/api/healthz'],
      ['fastify-class-register-prefix', 'api', '/api/healthz'],
      ['hono-class-base-path', 'edge', '/api/healthz'],
      ['hono-class-sub-app-route', 'edge', '/api/healthz'],
      // A Hono sub-app mounted from another file, under a basePath (review6 R3).
      ['hono-sub-app-route-across-files', 'gateway', '/health/live'],
      ['hono-base-path-sub-app', 'gateway', '/v1/health/live'],
    ] as const) {
      const { ecs, probe } = ecsOf(`dockerfile-healthcheck-env/${fixture}`, service);
      expect(ecs?.targetGroup?.HealthCheckPath, fixture).toBe(path);
      expect(probe, fixture).toContain(`${path}'`);
    }
    // this.router assigned twice: not established, so neither a healthCheck nor a target group path.
    const twice = ecsOf('dockerfile-healthcheck-env/koa-class-router-assigned-twice', 'api');
    expect(twice.ecs?.targetGroup).toBeNull();
    expect(twice.container?.healthCheck).toBeUndefined();
  });

  it('a health route whose mount prefix is not established: no healthCheck, no target group (review4 Q2)', () => {
    for (const [fixture, service] of [
      ['python-router-prefix-from-settings', 'api'],
      ['python-blueprints-registered-in-loop', 'shop'],
    ] as const) {
      const { ecs, container } = ecsOf(`dockerfile-healthcheck-env/${fixture}`, service);
      expect(ecs?.targetGroup, fixture).toBeNull();
      expect(container?.healthCheck, fixture).toBeUndefined();
    }
  });

  it('Hono sub-apps and basePath, @koa/router prefix() and koa-mount: the healthCheck and target group use the mounted path (review6 R3, R18)', () => {
    for (const [fixture, service, path] of [
      ['hono-route-mounts-sub-app', 'gateway', '/health/live'],
      ['hono-basepath-and-route', 'gateway', '/v1/health/live'],
      ['hono-basepath-app-route', 'gateway', '/v1/health'],
      ['koa-router-prefix-call', 'api', '/api/v1/health'],
      ['koa-mount-router', 'api', '/api/health'],
    ] as const) {
      const { ecs, probe } = ecsOf(`dockerfile-healthcheck-env/${fixture}`, service);
      expect(ecs?.targetGroup?.HealthCheckPath, fixture).toBe(path);
      expect(probe, fixture).toContain(`${path}'`);
    }
    const { ecs, container } = ecsOf('dockerfile-healthcheck-env/koa-router-prefix-not-literal', 'api');
    expect(ecs?.targetGroup).toBeNull();
    expect(container?.healthCheck).toBeUndefined();
  });

  it("@hono/node-server's serve(app) with no port listens on 3000 and never reads PORT: the probe hits 3000, no PORT is set; with port from PORT, PORT is set (review6 R17)", () => {
    const fixed = ecsOf('dockerfile-port-env/hono-serve-default-port', 'edge');
    expect(fixed.probe).toContain("'http://localhost:3000/health'");
    expect(fixed.probe).not.toContain('process.env.PORT');
    expect(fixed.env).not.toHaveProperty('PORT');
    const reads = ecsOf('dockerfile-port-env/hono-serve-reads-port', 'edge');
    expect(reads.probe).toContain('process.env.PORT');
    expect(reads.env).toMatchObject({ PORT: '3000' });
  });

  it('the port variable is the one the code reads: a convict schema env, a Nest ConfigService key, a start script\'s literal port (review4 Q8)', () => {
    const catalog = ecsOf('dockerfile-port-env/convict-schema-port-env', 'catalog');
    expect(catalog.probe).toContain('process.env.CATALOG_PORT');
    expect(catalog.env).toMatchObject({ CATALOG_PORT: '4000' });
    expect(catalog.env).not.toHaveProperty('PORT');
    const gateway = ecsOf('dockerfile-port-env/nest-config-service-port-var', 'gateway');
    expect(gateway.probe).toContain('process.env.HTTP_PORT');
    expect(gateway.env).not.toHaveProperty('PORT');
    const billing = ecsOf('dockerfile-port-env/python-entrypoint-copied-fixed-port', 'billing');
    expect(billing.probe).toContain("'http://localhost:8000/health'");
    expect(billing.probe).not.toMatch(/environ/);
    expect(billing.env).not.toHaveProperty('PORT');
  });

  it('Next.js route handlers are health routes; a standalone server on $HOSTNAME gets the ALB path but no container healthCheck (review4 Q15)', () => {
    const shop = ecsOf('dockerfile-healthcheck-env/next-app-router-route-handler', 'shop');
    expect(shop.ecs?.targetGroup?.HealthCheckPath).toBe('/shop/api/health');
    expect(shop.probe).toContain("'/shop/api/health'");
    const web = ecsOf('dockerfile-healthcheck-env/next-standalone-hostname', 'web');
    expect(web.ecs?.targetGroup?.HealthCheckPath).toBe('/api/health');
    expect(web.container?.healthCheck).toBeUndefined();
    expect(ecsOf('dockerfile-healthcheck-env/next-standalone-hostname-set', 'web').probe).toContain("'/api/health'");
  });
});

describe('NestJS microservices (review4 Q10, Q16)', () => {
  function reportOf(fixture: string) {
    const tree = readTree(join(FIXTURES, 'transforms', fixture, 'before'));
    const { repo, plan } = planTree(tree, [...TRANSFORMS]);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
    const ecs = (report.ecs as EcsService[]).find((e) => e.service === 'notifications');
    return { repo, report, ecs, container: ecs?.taskDefinition.containerDefinitions[0] };
  }

  it('a Kafka microservice (createMicroservice, listen() with no port) is a worker: no port, no target group, a stopTimeout for its shutdown hooks', () => {
    const { repo, report, ecs, container } = reportOf('dockerfile-port-env/nest-kafka-microservice');
    expect(repo.services.find((s) => s.name === 'notifications')?.role).toBe('worker');
    expect(report.findings.map((f) => f.code)).not.toContain('ECS103');
    expect(ecs?.targetGroup).toBeNull();
    expect(container?.portMappings).toEqual([]);
    // enableShutdownHooks() is its graceful shutdown.
    expect(container?.stopTimeout).toBeGreaterThanOrEqual(30);
  });

  it('a hybrid app (create + connectMicroservice + listen(port)) stays HTTP; its EXPOSE-only pending change is not blocking', () => {
    const { repo, report, container } = reportOf('dockerfile-port-env/nest-hybrid-microservice');
    expect(repo.services.find((s) => s.name === 'notifications')?.role).toBe('http');
    expect(container?.portMappings).toEqual([{ containerPort: 3002, protocol: 'tcp' }]);
    const pending = report.findings.filter((f) => f.code === 'ECS009' && f.fixedBy === 'dockerfile-port-env');
    expect(pending.map((f) => f.severity)).toEqual(['info']);
  });
});
