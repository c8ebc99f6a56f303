/**
 * The task definition healthCheck and the ALB target group probe a health route only where it
 * answers 200 (review10): on the server that serves it (R29), not behind authentication (R30), and,
 * for the container healthCheck, not a deep route that pings a datastore (R35).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCheckReport } from '../src/check/report.js';
import type { EcsService } from '../src/check/task-definition.js';
import { TRANSFORMS } from '../transforms/index.js';
import { planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

function checkOf(fixture: string, service: string) {
  const tree = readTree(join(FIXTURES, 'transforms', 'dockerfile-healthcheck-env', fixture, 'before'));
  const { repo, plan } = planTree(tree, [...TRANSFORMS]);
  const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
  const ecs = (report.ecs as EcsService[]).find((e) => e.service === service);
  const container = ecs?.taskDefinition.containerDefinitions[0];
  const codes = report.findings.filter((f) => f.service === service).map((f) => f.code);
  return { ecs, probe: container?.healthCheck?.command.join(' ') ?? null, targetGroup: ecs?.targetGroup ?? null, codes };
}

describe('health probes on the server that serves the route (R29)', () => {
  it('a health route of an admin server on a literal port: healthCheck and target group probe that port', () => {
    const { probe, targetGroup, codes } = checkOf('second-server-literal-port', 'orders');
    expect(probe).toContain('localhost:9091/health');
    expect(targetGroup).toMatchObject({ Port: 3200, HealthCheckPath: '/health', HealthCheckPort: '9091' });
    expect(codes).not.toContain('ECS183');
  });

  it('a health route of a second server whose port is read from the environment: no healthCheck, no target group, ECS183', () => {
    const { probe, targetGroup, codes } = checkOf('second-server-class-port-from-env', 'billing');
    expect(probe).toBeNull();
    expect(targetGroup).toBeNull();
    expect(codes).toContain('ECS183');
  });

  it('a shared health router factory mounted on an ops app on a literal port: probed there', () => {
    const { probe, targetGroup } = checkOf('second-server-shared-health-package', 'ledger');
    expect(probe).toContain('localhost:8081/health');
    expect(targetGroup).toMatchObject({ Port: 7000, HealthCheckPort: '8081' });
  });

  it('two servers and a route whose server is chosen at run time: no probe, ECS183', () => {
    const { probe, targetGroup, codes } = checkOf('second-server-route-attribution-unknown', 'gateway');
    expect(probe).toBeNull();
    expect(targetGroup).toBeNull();
    expect(codes).toContain('ECS183');
  });

  it('a metrics server beside the main one does not move the probe off the main port', () => {
    const { probe, targetGroup, codes } = checkOf('metrics-server-beside-main-health', 'search');
    expect(probe).toContain('process.env.PORT');
    expect(targetGroup).toMatchObject({ HealthCheckPath: '/healthz', HealthCheckPort: 'traffic-port' });
    expect(codes).not.toContain('ECS183');
  });
});

describe('health probes not behind authentication (R30)', () => {
  it.each([
    ['health-behind-passport-jwt', 'profile'],
    ['nest-global-jwt-guard', 'accounts'],
    ['fastify-auth-hook', 'svc'],
  ])('%s: no healthCheck, no target group, ECS184', (fixture, service) => {
    const { probe, targetGroup, codes } = checkOf(fixture, service);
    expect(probe).toBeNull();
    expect(targetGroup).toBeNull();
    expect(codes).toContain('ECS184');
  });

  it.each([
    ['health-exempt-from-express-jwt', 'catalog', '/healthz'],
    ['koa-health-before-jwt', 'api', '/health'],
    ['nest-global-guard-public-health', 'accounts', '/health'],
  ])('%s: exempt from the authentication, probed', (fixture, service, path) => {
    const { probe, targetGroup, codes } = checkOf(fixture, service);
    expect(probe).toContain(path);
    expect(targetGroup?.HealthCheckPath).toBe(path);
    expect(codes).not.toContain('ECS184');
  });
});

describe('no container probe on a deep health route (R35)', () => {
  it('a /health that pings Redis with no 503 and no shallow route: no healthCheck, no target group, ECS109', () => {
    const { ecs, probe, targetGroup, codes } = checkOf('deep-health-redis-ping-no-503', 'cart');
    expect(probe).toBeNull();
    expect(targetGroup).toBeNull();
    expect(codes).toContain('ECS109');
    expect(ecs?.notes.join('\n')).toContain('services/cart/src/index.js:7');
  });

  it('a deep /health beside a shallow /livez: the healthCheck and the target group probe /livez', () => {
    const { probe, targetGroup, codes } = checkOf('deep-health-prefers-livez', 'inventory');
    expect(probe).toContain('/internal/livez');
    expect(targetGroup?.HealthCheckPath).toBe('/internal/livez');
    expect(codes).not.toContain('ECS109');
  });
});
