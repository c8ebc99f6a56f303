/**
 * The environment of the ECS task definitions `check --format ecs` writes: what the ECS agent sets
 * itself is never listed to fill in, and the local-development override's environment and command
 * stay out of what is deployed.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCheckReport } from '../src/check/report.js';
import type { EcsService } from '../src/check/task-definition.js';
import { TRANSFORMS } from '../transforms/index.js';
import { planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

function ecsOf(fixture: string, service: string) {
  const tree = readTree(join(FIXTURES, 'task-definitions', fixture));
  const { repo, plan } = planTree(tree, [...TRANSFORMS]);
  const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
  const ecs = (report.ecs as EcsService[]).find((e) => e.service === service);
  const container = ecs?.taskDefinition.containerDefinitions[0];
  const names = [...(container?.environment ?? []).map((e) => e.name), ...(container?.secrets ?? []).map((s) => s.name)];
  return { ecs, container, names, env: Object.fromEntries((container?.environment ?? []).map((e) => [e.name, e.value])) };
}

const AGENT_INJECTED = [
  'ECS_CONTAINER_METADATA_URI',
  'ECS_CONTAINER_METADATA_URI_V4',
  'ECS_AGENT_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_EXECUTION_ENV',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
];

describe('task definition environment: variables ECS sets itself', () => {
  it("service-url-defaults' start-up guard reads ECS_CONTAINER_METADATA_URI_V4: the bff task definition does not list it, and still lists the URLs the guard requires", () => {
    const { names, env } = ecsOf('agent-injected-env', 'bff');
    for (const name of AGENT_INJECTED) expect(names, name).not.toContain(name);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['ACCOUNTS_URL', 'BILLING_URL', 'GEO_URL', 'BFF_PORT']));
  });

  it('a Python worker reading the region and the metadata endpoint, with compose setting AWS_REGION for localstack: none of them is listed, the compose setting is noted', () => {
    const { names, env, ecs } = ecsOf('agent-injected-env', 'uploader');
    for (const name of AGENT_INJECTED) expect(names, name).not.toContain(name);
    expect(env).toMatchObject({ UPLOAD_BUCKET: 'acme-uploads' });
    expect(ecs?.notes.filter((n) => n.includes('AWS_REGION') || n.includes('AWS_DEFAULT_REGION'))).toHaveLength(2);
  });
});
