/**
 * dockerfile-port-env reads an EXPOSE that names a variable as the port its ARG/ENV (or compose's
 * build args) give it (review5 N2): no ECS105 "EXPOSE does not include the service port" when it
 * does, and none when its value is not established; ECS105 only where the value is known and differs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import { findingsOf, planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const portEnv = TRANSFORMS.filter((t) => t.id === 'dockerfile-port-env');
const CASE = join(FIXTURES, 'transforms', 'dockerfile-port-env', 'expose-arg-variable', 'before');
const codes = (edit: (dockerfile: string) => string) => {
  const tree = readTree(CASE);
  tree.set('apps/gateway/Dockerfile', edit(tree.get('apps/gateway/Dockerfile') ?? ''));
  return findingsOf(planTree(tree, portEnv).plan).map((f) => f.code);
};

describe('EXPOSE ${VAR}', () => {
  it('is the ARG default through ENV X=${X}: it includes the service port, no ECS105', () => {
    expect(codes((d) => d)).not.toContain('ECS105');
  });
  it('a known value that differs is ECS105; an ARG without a default (any build passes one) is not established: no ECS105', () => {
    expect(codes((d) => d.replace('ARG GATEWAY_PORT=8080', 'ARG GATEWAY_PORT=9090').replace('EXPOSE ${GATEWAY_PORT}', 'EXPOSE ${OTHER_PORT}').replace('ENV GATEWAY_PORT', 'ARG OTHER_PORT=9090\nENV GATEWAY_PORT'))).toContain('ECS105');
    expect(codes((d) => d.replace('EXPOSE ${GATEWAY_PORT}', 'EXPOSE ${UNSET_PORT}'))).not.toContain('ECS105');
  });
});
