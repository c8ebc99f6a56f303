/**
 * An image's `ENV PORT=$APP_PORT` is port evidence with the value its build establishes (a compose
 * build arg, else the ARG default, said as such), and a code fallback (`process.env.PORT || 3000`)
 * for a variable the image or compose sets never applies, so it disagrees with nothing (review11).
 */
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import { buildCheckReport } from '../src/check/report.js';
import { findingsOf, modelOf, planTree, type Tree } from './helpers/repo.js';

const portEnv = TRANSFORMS.filter((t) => t.id === 'dockerfile-port-env');

const COMPOSE = `services:
  billing:
    build:
      context: ./services/billing
      args:
        APP_PORT: "\${APP_PORT:-8080}"
    ports:
      - "8080:8080"
`;
const DOCKERFILE = `FROM node:20-slim
ARG APP_PORT=3000
ENV PORT=$APP_PORT
WORKDIR /app
COPY package.json ./
RUN npm install --omit=dev
COPY src ./src
EXPOSE $APP_PORT
USER node
CMD ["node", "src/index.js"]
`;
const INDEX = `const express = require('express');
const app = express();
app.get('/health', (req, res) => res.send('ok'));
app.listen(process.env.PORT || 3000);
`;

function tree(edit: { compose?: (t: string) => string; dockerfile?: (t: string) => string } = {}): Tree {
  return new Map([
    ['docker-compose.yml', (edit.compose ?? ((t) => t))(COMPOSE)],
    ['services/billing/Dockerfile', (edit.dockerfile ?? ((t) => t))(DOCKERFILE)],
    ['services/billing/package.json', JSON.stringify({ name: 'billing', main: 'src/index.js', scripts: { start: 'node src/index.js' }, dependencies: { express: '^4.19.0' } })],
    ['services/billing/src/index.js', INDEX],
  ]);
}

function billing(t: Tree) {
  const repo = modelOf(t);
  const service = repo.services.find((s) => s.name === 'billing');
  if (!service) throw new Error('no billing service');
  const modelCodes = repo.problems.filter((p) => p.service === 'billing').map((p) => p.code);
  const planCodes = findingsOf(planTree(t, portEnv).plan).map((f) => f.code);
  return { service, codes: [...modelCodes, ...planCodes] };
}

const noPorts = (t: string) => t.replace(/    ports:\n      - "8080:8080"\n/, '');
const noBuildArgs = (t: string) => t.replace(/      args:\n        APP_PORT: "\$\{APP_PORT:-8080\}"\n/, '');

describe('ENV PORT=$APP_PORT', () => {
  it('from the compose build arg ${APP_PORT:-8080}: port 8080, ENV PORT 8080 is evidence, no ECS006', () => {
    const { service, codes } = billing(tree());
    expect(service.port).toBe(8080);
    expect(service.portEvidence).toContainEqual(expect.objectContaining({ value: 8080, source: 'ENV PORT', file: 'services/billing/Dockerfile', line: 3 }));
    expect(codes).not.toContain('ECS006');
  });

  it('with the ports mapping removed: still 8080 (the code fallback 3000 never runs)', () => {
    const { service, codes } = billing(tree({ compose: noPorts }));
    expect(service.port).toBe(8080);
    expect(codes).not.toContain('ECS006');
  });

  it('from the ARG default only: that default, said to come from the ARG default', () => {
    const { service, codes } = billing(tree({ compose: (t) => noPorts(noBuildArgs(t)), dockerfile: (t) => t.replace('ARG APP_PORT=3000', 'ARG APP_PORT=8081') }));
    expect(service.port).toBe(8081);
    const env = service.portEvidence.find((e) => e.source.startsWith('ENV PORT'));
    expect(env).toMatchObject({ value: 8081, line: 3 });
    expect(env?.source).toContain('ARG APP_PORT default');
    expect(codes).not.toContain('ECS006');
  });

  it('from an ARG with no value: not evidence (its value is not established); the same ARG with a default is', () => {
    const envEvidence = (arg: string) =>
      billing(tree({ compose: (t) => noPorts(noBuildArgs(t)), dockerfile: (t) => t.replace('ARG APP_PORT=3000', arg) })).service.portEvidence.filter((e) => e.source.startsWith('ENV PORT'));
    expect(envEvidence('ARG APP_PORT')).toEqual([]);
    expect(envEvidence('ARG APP_PORT=8081').map((e) => e.value)).toEqual([8081]);
  });
});

describe('a code fallback for a variable the image sets', () => {
  it('literal ENV PORT=8080 with process.env.PORT || 3000: port 8080, no ECS006', () => {
    const { service, codes } = billing(tree({ compose: (t) => noPorts(noBuildArgs(t)), dockerfile: (t) => t.replace('ENV PORT=$APP_PORT', 'ENV PORT=8080').replace('EXPOSE $APP_PORT', 'EXPOSE 8080') }));
    expect(service.port).toBe(8080);
    expect(codes).not.toContain('ECS006');
  });

  it('process.env.BILLING_PORT || 3000 with BILLING_PORT: "8080" in compose: port 8080, no ECS006', () => {
    const t = tree({
      compose: (c) => noPorts(noBuildArgs(c)).replace('      context: ./services/billing\n', '      context: ./services/billing\n    environment:\n      BILLING_PORT: "8080"\n'),
      dockerfile: (d) => d.replace('ENV PORT=$APP_PORT\n', '').replace('EXPOSE $APP_PORT\n', ''),
    });
    t.set('services/billing/src/index.js', INDEX.replace('process.env.PORT', 'process.env.BILLING_PORT'));
    const { service, codes } = billing(t);
    expect(service.port).toBe(8080);
    expect(codes).not.toContain('ECS006');
  });

  it('a real disagreement is still reported: EXPOSE 3000 against the compose mapping 8080; ENV PORT 8080 against a literal listen(3000)', () => {
    expect(billing(tree({ compose: noBuildArgs, dockerfile: (t) => t.replace('ENV PORT=$APP_PORT\n', '').replace('EXPOSE $APP_PORT', 'EXPOSE 3000') })).codes).toContain('ECS006');
    const literal = tree({ compose: (c) => noPorts(noBuildArgs(c)), dockerfile: (t) => t.replace('ENV PORT=$APP_PORT', 'ENV PORT=8080').replace('EXPOSE $APP_PORT\n', '') });
    literal.set('services/billing/src/index.js', INDEX.replace('process.env.PORT || 3000', '3000'));
    expect(billing(literal).codes).toContain('ECS006');
  });
});

describe('ECS409 against an ENV PORT from an ARG default', () => {
  it('a literal listen(3000) disagrees with ENV PORT=$APP_PORT (ARG APP_PORT=8081): ECS409', () => {
    const t = tree({ compose: (c) => noPorts(noBuildArgs(c)), dockerfile: (d) => d.replace('ARG APP_PORT=3000', 'ARG APP_PORT=8081') });
    t.set('services/billing/src/index.js', INDEX.replace('process.env.PORT || 3000', '3000'));
    const { repo, plan } = planTree(t, []);
    const findings = buildCheckReport(repo, plan, (p) => t.get(p) ?? null, []).findings;
    expect(findings.filter((f) => f.code === 'ECS409').map((f) => [f.service, f.file, f.line])).toEqual([['billing', 'services/billing/src/index.js', 4]]);
  });
});
