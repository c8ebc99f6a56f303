/**
 * What a behaviour-changing change asks to verify names what ecsfix established for that change
 * (review3 R11): the datastore it moved (TypeORM, not MongoDB), the service's health route as the
 * model resolved it (`/api/healthz` under a Koa router prefix, not `/health`), the variables the
 * start-up check requires (`ORDERS_URL`, not `*_SERVICE_URL`). The assertions are on those names.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import { planTree, readTree } from './helpers/repo.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'transforms', 'listen-before-mongo', 'typeorm-koa-prefixed-health', 'before');
const API = 'services/api/src/index.ts';

function verifyOf(id: string): string {
  const transform = TRANSFORMS.find((t) => t.id === id);
  if (!transform) throw new Error(`no transform ${id}`);
  const { plan } = planTree(readTree(FIXTURE), [transform]);
  const change = plan.changes.find((c) => c.path === API);
  return change?.safety.find((s) => s.transform === id)?.verify ?? '';
}

describe('verify texts name what was established', () => {
  it('listen-before-mongo names the datastore and the health route of the service', () => {
    const verify = verifyOf('listen-before-mongo');
    expect(verify).toContain('TypeORM');
    expect(verify).toContain('/api/healthz');
    expect(verify).not.toMatch(/Mongo|\/health\b/);
  });

  it('service-url-defaults names the variables its start-up check requires', () => {
    const verify = verifyOf('service-url-defaults');
    expect(verify).toContain('ORDERS_URL');
    expect(verify).not.toContain('SERVICE_URL');
  });
});

describe('worker-graceful-shutdown verify text', () => {
  it('names the AMQP consumer it closes, not a Kafka group', () => {
    const transform = TRANSFORMS.find((t) => t.id === 'worker-graceful-shutdown');
    if (!transform) throw new Error('no worker-graceful-shutdown');
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'transforms', 'worker-graceful-shutdown', 'workspace-amqp-consumer', 'before');
    const { plan } = planTree(readTree(fixture), [transform]);
    const verify = plan.changes.find((c) => c.path === 'services/notifier/src/index.js')?.safety[0]?.verify ?? '';
    expect(verify).toContain('AMQP');
    expect(verify).not.toContain('group');
  });
});
