/**
 * The repo model's service discovery: layouts, compose (targets, anchors, include), skipped trees,
 * roles, ports and their conflicts, health routes, workspace closure, pnpm version sources.
 * Trees are built in memory (modelOf/planTree); the skip tests use a real directory because the
 * file listing (git ls-files / walk) is what skips.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRepoModel } from '../src/repo/discover.js';
import { deployedStage } from '../src/repo/dockerfile.js';
import { deployedVolumes, variableSetAt } from '../src/repo/compose.js';
import { scanSource } from '../src/repo/sourceScan.js';
import type { RepoModel, Service } from '../src/repo/model.js';
import { dockerfileHealthcheckEnv } from '../transforms/dockerfile-healthcheck-env.js';
import { dockerfilePortEnv } from '../transforms/dockerfile-port-env.js';
import { TRANSFORMS } from '../transforms/index.js';
import { buildCheckReport } from '../src/check/report.js';
import { applyPlan, modelOf, planTree, readTree, type Tree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const tree = (files: Record<string, string>): Tree => new Map(Object.entries(files));
const svc = (model: RepoModel, name: string): Service => {
  const found = model.services.find((s) => s.name === name);
  if (!found) throw new Error(`no service "${name}" in ${model.services.map((s) => s.name).join(', ')}`);
  return found;
};

const expressApp = (port: number, health = "app.get('/health', (_req, res) => res.send('ok'));") =>
  `import express from 'express';\nconst app = express();\n${health}\napp.listen(Number(process.env.PORT || ${port}), '0.0.0.0');\n`;
const kafkaWorker = `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: ['kafka:9092'] }).consumer({ groupId: 'g' });
await consumer.run({ eachMessage: async ({ message }) => console.log(message.value) });
`;
const nodeDockerfile = (extra = '') => `FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\n${extra}CMD ["node", "dist/index.js"]\n`;

describe('service discovery: layouts', () => {
  it('finds services under services/*, apps/* and backend/* without a compose file', () => {
    const model = modelOf(
      tree({
        'services/auth/package.json': '{"name":"auth","main":"dist/index.js"}',
        'services/auth/src/index.ts': expressApp(3001),
        'services/auth/Dockerfile': nodeDockerfile('EXPOSE 3001\n'),
        'apps/web-api/package.json': '{"name":"@acme/web-api"}',
        'apps/web-api/src/main.ts': expressApp(4000),
        'apps/web-api/Dockerfile': nodeDockerfile(),
        'backend/billing/requirements.txt': 'fastapi\nuvicorn\n',
        'backend/billing/app/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n\n@app.get("/health")\ndef health():\n    return {}\n',
        'backend/billing/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]\n',
      }),
    );
    expect(model.services.map((s) => [s.name, s.dir, s.dockerfile]).sort()).toEqual([
      ['auth', 'services/auth', 'services/auth/Dockerfile'],
      ['billing', 'backend/billing', 'backend/billing/Dockerfile'],
      ['web-api', 'apps/web-api', 'apps/web-api/Dockerfile'],
    ]);
    expect(svc(model, 'auth')).toMatchObject({ role: 'http', port: 3001, language: 'node', packageName: 'auth', entryFile: 'services/auth/src/index.ts' });
    expect(svc(model, 'web-api')).toMatchObject({ role: 'http', port: 4000, packageName: '@acme/web-api', entryFile: 'apps/web-api/src/main.ts' });
    expect(svc(model, 'billing')).toMatchObject({ role: 'http', port: 8000, language: 'python', entryFile: 'backend/billing/app/main.py' });
    expect(svc(model, 'billing').healthRoute?.path).toBe('/health');
  });

  it('a root Dockerfile.api built by compose (context ., dockerfile Dockerfile.api) belongs to the package it builds', () => {
    const model = modelOf(
      tree({
        'package.json': '{"name":"acme","private":true,"packageManager":"pnpm@9.4.0"}',
        'pnpm-workspace.yaml': 'packages:\n  - "apps/*"\n  - "packages/*"\n',
        'docker-compose.yml': 'services:\n  api:\n    build:\n      context: .\n      dockerfile: Dockerfile.api\n    ports:\n      - "4000:4000"\n',
        'Dockerfile.api': 'FROM node:20-alpine\nWORKDIR /repo\nCOPY packages/db packages/db\nCOPY apps/api apps/api\nRUN pnpm install && pnpm --filter @acme/api... build\nCMD ["node", "apps/api/dist/index.js"]\n',
        'Dockerfile.dev': 'FROM node:20\nCMD ["pnpm", "dev"]\n',
        'apps/api/package.json': '{"name":"@acme/api","main":"dist/index.js","dependencies":{"@acme/db":"workspace:*"}}',
        'apps/api/src/index.ts': expressApp(4000),
        'packages/db/package.json': '{"name":"@acme/db"}',
      }),
    );
    expect(model.services.map((s) => s.name)).toEqual(['api']); // Dockerfile.dev is a local-only variant
    expect(svc(model, 'api')).toMatchObject({ dir: 'apps/api', dockerfile: 'Dockerfile.api', buildContext: '.', packageName: '@acme/api', workspaceDeps: ['@acme/db'], port: 4000 });
    expect(model.dockerfiles.get('Dockerfile.api')?.services).toEqual(['api']);
  });

  it('a root Dockerfile.<name> no compose file claims is the service <name>', () => {
    const model = modelOf(
      tree({
        'Dockerfile.worker': 'FROM node:20-alpine\nCOPY . .\nCMD ["node", "worker.js"]\n',
        'package.json': '{"name":"mono"}',
        'worker.js': kafkaWorker,
      }),
    );
    expect(model.services.map((s) => [s.name, s.dockerfile])).toEqual([['worker', 'Dockerfile.worker']]);
  });

  it('compose build.target selects the deployed stage; a later dev stage is not evidence', () => {
    const model = modelOf(
      tree({
        'docker-compose.yml': 'services:\n  api:\n    build:\n      context: ./api\n      target: production\n',
        'api/package.json': '{"name":"api"}',
        'api/src/index.ts': "import http from 'node:http';\nhttp.createServer().listen(3000);\n",
        'api/Dockerfile': [
          'FROM node:20-alpine AS base',
          'USER node',
          'FROM base AS production',
          'EXPOSE 3000',
          'CMD ["node", "dist/index.js"]',
          'FROM base AS development',
          'EXPOSE 9229',
          'CMD ["npm", "run", "dev"]',
          '',
        ].join('\n'),
      }),
    );
    const api = svc(model, 'api');
    expect(api.target).toBe('production');
    expect(api.port).toBe(3000);
    expect(api.portEvidence.map((e) => e.value)).not.toContain(9229);
    const parsed = model.dockerfiles.get('api/Dockerfile')?.parsed;
    const stage = parsed && deployedStage(parsed, api.target);
    // FROM <earlier stage> inherits its base image and its USER.
    expect(stage).toMatchObject({ name: 'production', parentStage: 0, user: 'node' });
    expect(stage?.base).toMatchObject({ family: 'node', distro: 'alpine' });
    expect(stage?.tools).toEqual(expect.arrayContaining(['node', 'wget', 'sh']));
    expect(stage?.tools).not.toContain('curl');
  });
});

describe('service discovery: skipped trees', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const writeRepo = (files: Record<string, string>): string => {
    const root = mkdtempSync(join(tmpdir(), 'ecsfix-model-'));
    dirs.push(root);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    return root;
  };
  const files = {
    'services/api/package.json': '{"name":"api"}',
    'services/api/src/index.ts': expressApp(3000),
    'services/api/Dockerfile': nodeDockerfile(),
    // committed build output and vendored packages ship their own Dockerfiles and servers
    'services/api/dist/Dockerfile': nodeDockerfile(),
    'services/api/dist/index.js': "require('http').createServer().listen(9999);\n",
    'node_modules/some-lib/Dockerfile': 'FROM alpine\n',
    'node_modules/some-lib/package.json': '{"name":"some-lib"}',
    'build/Dockerfile': 'FROM alpine\n',
    'legacy/old-api/Dockerfile': nodeDockerfile(),
    'legacy/old-api/package.json': '{"name":"old-api"}',
    '.gitignore': 'legacy/\n',
  };

  it('skips node_modules, dist and build even when committed (plain directory walk)', () => {
    const model = buildRepoModel(writeRepo(files));
    expect([...model.dockerfiles.keys()].sort()).toEqual(['legacy/old-api/Dockerfile', 'services/api/Dockerfile']);
    expect(model.files.some((f) => f.includes('dist/') || f.includes('node_modules/'))).toBe(false);
    expect(svc(model, 'api').sourceFiles).toEqual(['services/api/src/index.ts']);
    expect(svc(model, 'api').portEvidence.map((e) => e.value)).not.toContain(9999);
  });

  it('skips git-ignored paths in a git work tree, and committed dist/ and node_modules/ too', () => {
    const root = writeRepo(files);
    const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '-f', '.'); // commit dist/ and node_modules/ on purpose (legacy/ stays ignored: -f adds it too, so drop it)
    git('rm', '-r', '-q', '--cached', 'legacy');
    const model = buildRepoModel(root);
    expect([...model.dockerfiles.keys()]).toEqual(['services/api/Dockerfile']);
    expect(model.services.map((s) => s.name)).toEqual(['api']);
  });
});

describe('compose model', () => {
  it('honours YAML anchors and merge keys (build, ports and environment from an x- block)', () => {
    const model = modelOf(
      tree({
        'docker-compose.yml': [
          'x-node: &node',
          '  restart: unless-stopped',
          '  build: &build',
          '    context: .',
          '    dockerfile: services/orders/Dockerfile',
          'x-env: &env',
          '  NODE_ENV: production',
          'services:',
          '  orders:',
          '    <<: *node',
          '    ports: ["3100:3100"]',
          '    environment:',
          '      <<: *env',
          '      PORT: "3100"',
          '  orders-replica:',
          '    <<: *node',
          '    build:',
          '      <<: *build',
          '      target: runtime',
          '    expose: ["3100"]',
          '',
        ].join('\n'),
        'services/orders/package.json': '{"name":"orders"}',
        'services/orders/src/index.ts': expressApp(3100),
        'services/orders/Dockerfile': 'FROM node:20-alpine AS build\nRUN true\nFROM node:20-alpine AS runtime\nCMD ["node", "dist/index.js"]\n',
      }),
    );
    const orders = model.compose.services.find((s) => s.name === 'orders');
    expect(orders).toMatchObject({ build: { context: '.', dockerfile: 'services/orders/Dockerfile', target: null }, containerPorts: [3100] });
    expect(orders?.environment).toEqual({ NODE_ENV: 'production', PORT: '3100' });
    expect(model.compose.services.find((s) => s.name === 'orders-replica')?.build).toMatchObject({ context: '.', dockerfile: 'services/orders/Dockerfile', target: 'runtime', args: {} });
    expect(model.services.map((s) => [s.name, s.dir, s.target])).toEqual([
      ['orders', 'services/orders', null],
      ['orders-replica', 'services/orders', 'runtime'],
    ]);
    expect(svc(model, 'orders').portEvidence.map((e) => e.source)).toEqual(expect.arrayContaining(['compose port mapping', 'compose environment PORT']));
  });

  it('docker-compose.override.yml: a dev target does not decide the deployed stage; two non-dev targets are ECS167', () => {
    const dockerfile = 'FROM node:20-slim AS dev\nCMD ["npm", "run", "dev"]\nFROM node:20-slim AS prod\nCMD ["node", "index.js"]\nFROM prod AS slim\n';
    const base = 'services:\n  api:\n    build:\n      context: ./api\n      target: prod\n';
    const devOverride = modelOf(tree({ 'docker-compose.yml': base, 'docker-compose.override.yml': 'services:\n  api:\n    build:\n      target: dev\n    command: npm run dev\n', 'api/Dockerfile': dockerfile }));
    expect(devOverride.services[0]?.target).toBe('prod');
    expect(devOverride.problems.map((p) => p.code)).not.toContain('ECS167');
    // Without a base target, the dev target of the override leaves the choice to the Dockerfile (prod, not the dev stage).
    const noBase = modelOf(tree({ 'docker-compose.yml': 'services:\n  api:\n    build: ./api\n', 'docker-compose.override.yml': 'services:\n  api:\n    build:\n      target: development\n', 'api/Dockerfile': dockerfile.replace('AS dev', 'AS development') }));
    expect(noBase.services[0]?.target).toBeNull();
    const disputed = modelOf(tree({ 'docker-compose.yml': base, 'docker-compose.override.yml': 'services:\n  api:\n    build:\n      target: slim\n', 'api/Dockerfile': dockerfile }));
    expect(disputed.problems.filter((p) => p.code === 'ECS167').map((p) => `${p.file}:${p.line}`)).toEqual(['docker-compose.override.yml:4']);
    expect(disputed.services[0]?.stageDispute).toContain('docker-compose.yml:5');
  });

  it('review8 R1: a dev layer\'s non-dev-named target (Turborepo installer/build) is not the deployed stage; a plain override.yml naming one is ECS167', () => {
    const dockerfile = 'FROM node:20-alpine AS installer\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM node:20-alpine AS runner\nWORKDIR /app\nCOPY --from=installer /app/dist ./dist\nCMD ["node", "dist/main.js"]\n';
    const base = 'services:\n  api:\n    build:\n      context: .\n      dockerfile: api/Dockerfile\n    ports: ["3000:3000"]\n    volumes:\n      - api-logs:/var/log/app\nvolumes:\n  api-logs:\n';
    const devLayer = 'services:\n  api:\n    build:\n      target: installer\n    command: pnpm --filter api dev\n    environment:\n      NODE_ENV: development\n    volumes:\n      - ./api/src:/app/src\n      - /app/node_modules\n';
    for (const name of ['docker-compose.dev.yml', 'docker-compose.override.yml']) {
      const model = modelOf(tree({ 'docker-compose.yml': base, [name]: devLayer, 'api/Dockerfile': dockerfile }));
      expect(model.services[0]?.target, name).toBeNull();
      expect(model.problems.map((p) => p.code), name).not.toContain('ECS167');
      const compose = model.compose.services[0];
      expect(compose?.deployed?.devTarget, name).toBe('installer');
      // The dev layer's mounts stay the developer's: a deployment mounts only the named volume.
      expect(deployedVolumes(compose).map((v) => v.target), name).toEqual(['/var/log/app']);
      expect(compose?.volumes?.map((v) => v.target), name).toEqual(['/var/log/app', '/app/src', '/app/node_modules']);
    }
    // An override.yml that shows no development: Compose merges it by default, so its other stage is disputed (base builds the last one).
    const plain = modelOf(tree({ 'docker-compose.yml': base, 'docker-compose.override.yml': 'services:\n  api:\n    build:\n      target: installer\n', 'api/Dockerfile': dockerfile }));
    expect(plain.problems.filter((p) => p.code === 'ECS167').map((p) => `${p.file}:${p.line}`)).toEqual(['docker-compose.override.yml:4']);
    expect(plain.services[0]?.stageDispute).toContain('stage "runner"');
    // ... unless it names the stage the base file builds anyway.
    const same = modelOf(tree({ 'docker-compose.yml': base, 'docker-compose.override.yml': 'services:\n  api:\n    build:\n      target: runner\n', 'api/Dockerfile': dockerfile }));
    expect(same.problems.map((p) => p.code)).not.toContain('ECS167');
    expect(same.services[0]?.target).toBe('runner');
  });

  it('a dev base with a production layer that tags every image: the layer\'s target is deployed; without one, ECS167', () => {
    const dockerfile =
      'FROM node:20-alpine AS deps\nWORKDIR /repo\nCOPY . .\nRUN npm ci\nFROM deps AS dev\nCMD ["npm", "run", "start:dev"]\nFROM deps AS build\nRUN npm run build\nFROM node:20-alpine AS prod\nWORKDIR /app\nCOPY --from=build /repo/dist ./dist\nCMD ["node", "dist/main.js"]\n';
    const base =
      'x-env: &env\n  NODE_ENV: production\nservices:\n  api:\n    build:\n      context: .\n      dockerfile: apps/api/Dockerfile\n      target: dev\n    environment:\n      <<: *env\n      PORT: 3000\n  worker:\n    build:\n      context: .\n      dockerfile: apps/worker/Dockerfile\n  postgres:\n    image: postgres:16-alpine\n';
    const prodLayer = (api: string) =>
      `# docker compose -f docker-compose.yml -f docker-compose.prod.yml up -d\nservices:\n  api:\n    image: \${REGISTRY}/acme-api:\${TAG:-latest}\n${api}    restart: always\n  worker:\n    image: \${REGISTRY}/acme-worker:\${TAG:-latest}\n`;
    const files = {
      'docker-compose.yml': base,
      'apps/api/package.json': '{"name":"@acme/api"}',
      'apps/api/src/main.ts': expressApp(3000),
      'apps/api/Dockerfile': dockerfile,
      'apps/worker/package.json': '{"name":"@acme/worker"}',
      'apps/worker/src/index.ts': kafkaWorker,
      'apps/worker/Dockerfile': nodeDockerfile(),
    };
    const layered = modelOf(tree({ ...files, 'docker-compose.prod.yml': prodLayer('    build:\n      target: prod\n') }));
    expect(layered.compose.projects.map((p) => [p.file, p.overrides])).toEqual([['docker-compose.yml', ['docker-compose.prod.yml']]]);
    expect(layered.problems.map((p) => p.code)).not.toContain('ECS201');
    expect(layered.problems.map((p) => p.code)).not.toContain('ECS167');
    expect(svc(layered, 'api')).toMatchObject({ dockerfile: 'apps/api/Dockerfile', target: 'prod' });
    expect(svc(layered, 'api').compose?.build?.targetFrom).toEqual({ target: 'prod', file: 'docker-compose.prod.yml', line: 6 });
    expect(svc(layered, 'worker').compose?.image).toBe('${REGISTRY}/acme-worker:${TAG:-latest}');

    const untargeted = modelOf(tree({ ...files, 'docker-compose.prod.yml': prodLayer('') }));
    expect(untargeted.problems.map((p) => p.code)).not.toContain('ECS201');
    expect(untargeted.problems.filter((p) => p.code === 'ECS167').map((p) => `${p.file}:${p.line} ${p.service}`)).toEqual(['docker-compose.prod.yml:3 api']);
    expect(svc(untargeted, 'api').stageDispute).toContain('docker-compose.yml:8');
    // The worker has no target anywhere: nothing is in doubt.
    expect(svc(untargeted, 'worker').stageDispute).toBeUndefined();
  });

  it('a dev-named layer\'s dev target does not decide the deployed stage; a file with builds of its own stays its own project', () => {
    const dockerfile = 'FROM node:20-slim AS dev\nCMD ["npm", "run", "dev"]\nFROM node:20-slim AS prod\nCMD ["node", "index.js"]\n';
    const files = {
      'docker-compose.yml': 'services:\n  api:\n    build:\n      context: ./api\n      target: prod\n',
      'docker-compose.dev.yml': 'services:\n  api:\n    image: acme-api:dev\n    build:\n      target: dev\n    volumes:\n      - ./api:/app\n',
      'api/package.json': '{"name":"api"}',
      'api/index.js': expressApp(3000),
      'api/Dockerfile': dockerfile,
    };
    const devLayer = modelOf(tree(files));
    expect(devLayer.compose.projects.map((p) => [p.file, p.overrides])).toEqual([['docker-compose.yml', ['docker-compose.dev.yml']]]);
    expect(svc(devLayer, 'api').target).toBe('prod');
    expect(devLayer.problems.map((p) => p.code)).not.toContain('ECS167');
    // A CI file that builds its own images (and starts a service the default file lacks) is a project of its own: no merge by name.
    const ci = modelOf(
      tree({
        ...Object.fromEntries(Object.entries(files).filter(([f]) => f !== 'docker-compose.dev.yml')),
        'docker-compose.ci.yml': 'services:\n  api:\n    image: acme-api:ci\n    build:\n      context: ./api\n      target: dev\n  e2e:\n    image: cypress/included:13\n',
      }),
    );
    expect(ci.compose.projects.map((p) => [p.file, p.overrides]).sort()).toEqual([
      ['docker-compose.ci.yml', []],
      ['docker-compose.yml', []],
    ]);
    expect(ci.compose.projects.find((p) => p.file === 'docker-compose.yml')?.services.map((s) => [s.name, s.build?.target, s.image])).toEqual([['api', 'prod', null]]);
  });

  it('follows compose include: and merges override files by service name', () => {
    const model = modelOf(
      tree({
        'docker-compose.yml': 'include:\n  - path: ./infra/compose.kafka.yml\n  - services/api/compose.yml\nservices:\n  web:\n    image: nginx:1.27-alpine\n',
        'docker-compose.prod.yml': 'services:\n  api:\n    environment:\n      - PORT=8080\n',
        'infra/compose.kafka.yml': 'services:\n  kafka:\n    image: bitnami/kafka:3.7\n',
        'services/api/compose.yml': 'services:\n  api:\n    build: .\n    ports:\n      - 8080:8080\n',
        'services/api/package.json': '{"name":"api"}',
        'services/api/src/index.ts': expressApp(8080),
        'services/api/Dockerfile': nodeDockerfile(),
      }),
    );
    expect(model.composeFiles).toEqual(expect.arrayContaining(['docker-compose.yml', 'infra/compose.kafka.yml', 'services/api/compose.yml', 'docker-compose.prod.yml']));
    const rootProject = model.compose.projects.find((p) => p.file === 'docker-compose.yml');
    expect(rootProject?.overrides).toEqual(['docker-compose.prod.yml']);
    expect(rootProject?.services.map((s) => s.name).sort()).toEqual(['api', 'kafka', 'web']);
    expect(model.services.map((s) => s.name)).toEqual(['api']);
    const api = svc(model, 'api');
    expect(api.compose?.build).toEqual({ context: 'services/api', dockerfile: 'services/api/Dockerfile', target: null, args: {} });
    expect(api.compose?.environment.PORT).toBe('8080');
    expect(api.port).toBe(8080);
  });

  it('a compose file in another directory is its own project: same service name, own Dockerfile, own port', () => {
    const model = modelOf(
      tree({
        'shop/docker-compose.yml': 'services:\n  api:\n    build: ./api\n    ports: ["3000:3000"]\n',
        'shop/api/package.json': '{"name":"shop-api"}',
        'shop/api/src/index.ts': expressApp(3000),
        'shop/api/Dockerfile': nodeDockerfile(),
        'blog/docker-compose.yml': 'services:\n  api:\n    build: ./api\n    ports: ["4000:4000"]\n',
        'blog/api/package.json': '{"name":"blog-api"}',
        'blog/api/src/index.ts': expressApp(4000),
        'blog/api/Dockerfile': nodeDockerfile(),
      }),
    );
    expect(model.compose.projects.map((p) => p.file).sort()).toEqual(['blog/docker-compose.yml', 'shop/docker-compose.yml']);
    expect(model.services.map((s) => [s.dockerfile, s.port, s.compose?.file]).sort()).toEqual([
      ['blog/api/Dockerfile', 4000, 'blog/docker-compose.yml'],
      ['shop/api/Dockerfile', 3000, 'shop/docker-compose.yml'],
    ]);
  });

  it('merges the -f pairs the repo\'s Makefile uses, and extends:', () => {
    const model = modelOf(
      tree({
        'docker-compose.yml': 'services:\n  base:\n    build: ./services/api\n    ports: ["8080:8080"]\n  api:\n    extends: base\n    environment:\n      LOG_LEVEL: info\n',
        'deploy/ecs.compose.yml': 'services:\n  api:\n    environment:\n      PORT: "9000"\n',
        'deploy/Makefile': 'up:\n\tdocker compose -f ../docker-compose.yml -f ecs.compose.yml up -d\n',
        'services/api/package.json': '{"name":"api"}',
        'services/api/src/index.ts': expressApp(8080),
        'services/api/Dockerfile': nodeDockerfile(),
      }),
    );
    const project = model.compose.projects.find((p) => p.file === 'docker-compose.yml');
    expect(project?.overrides).toEqual(['deploy/ecs.compose.yml']);
    expect(model.compose.projects.map((p) => p.file)).not.toContain('deploy/ecs.compose.yml');
    const api = model.services.find((s) => s.name === 'api');
    expect(api?.compose?.build?.dockerfile).toBe('services/api/Dockerfile');
    expect(api?.compose?.environment).toEqual({ LOG_LEVEL: 'info', PORT: '9000' });
    expect(api?.port).toBe(9000);
  });

  // review6 R19: where each variable in force is set, through extends:, anchors and env files.
  it('records the file and line that set each environment variable: an extends: base\'s own line, an anchor\'s merge line, an env file\'s line', () => {
    const model = modelOf(
      tree({
        'compose.base.yml': 'services:\n  node-service:\n    env_file: base.env\n    environment:\n      LOG_DIR: ./logs\n      NODE_ENV: production\n    command: ["node", "src/index.js"]\n',
        'base.env': '# shared\nTZ=UTC\n',
        'docker-compose.yml': [
          'x-env: &env',
          '  METRICS_URL: http://metrics:9100',
          'x-svc: &svc',
          '  environment:',
          '    FROM_ANCHOR: "1"',
          'services:',
          '  api:',
          '    extends:',
          '      file: compose.base.yml',
          '      service: node-service',
          '    build: ./services/api',
          '    env_file: [api.env]',
          '    environment:',
          '      <<: *env',
          '      NODE_ENV: staging',
          '  worker:',
          '    <<: *svc',
          '    build: ./services/api',
          '    environment:',
          '      - QUEUE=jobs',
          '  cron:',
          '    <<: *svc',
          '    build: ./services/api',
          '',
        ].join('\n'),
        'api.env': 'A=1\n\nTZ=Europe/Paris\n',
        'services/api/package.json': '{"name":"api"}',
        'services/api/src/index.ts': expressApp(3000),
        'services/api/Dockerfile': nodeDockerfile(),
      }),
    );
    const where = (service: string) => {
      const compose = model.compose.services.find((s) => s.name === service);
      return Object.fromEntries(Object.keys(compose?.environment ?? {}).map((name) => {
        const at = compose ? variableSetAt(compose, name) : null;
        return [name, at && `${at.file}:${at.line}`];
      }));
    };
    expect(where('api')).toEqual({
      LOG_DIR: 'compose.base.yml:5',
      NODE_ENV: 'docker-compose.yml:15',
      METRICS_URL: 'docker-compose.yml:14',
      TZ: 'api.env:3',
      A: 'api.env:1',
    });
    expect(where('worker')).toEqual({ QUEUE: 'docker-compose.yml:20' });
    expect(where('cron')).toEqual({ FROM_ANCHOR: 'docker-compose.yml:5' });
    const api = model.compose.services.find((s) => s.name === 'api');
    expect(api?.envFiles?.map((f) => `${f.path} ${f.file}:${f.line}`)).toEqual(['base.env compose.base.yml:3', 'api.env docker-compose.yml:12']);
    expect(api?.processAt).toEqual({ file: 'compose.base.yml', line: 7 });
  });

  it('cites the base file\'s line for a variable a workspace logger reads through extends: (the ECS121 evidence)', () => {
    const { repo } = planTree(readTree(join(FIXTURES, 'transforms', 'dockerfile-non-root', 'npm-workspace-cwd-shared-logger', 'before')), []);
    const writes = repo.services.find((s) => s.name === 'jobs')?.runtimeWrites ?? [];
    expect(writes.map((w) => w.reason).join('\n')).toContain('LOG_DIR=./logs in docker-compose.base.yml:6');
  });

  it('a runtime write through a variable the image ENV builds from an ARG default is at the expanded path; from an ARG with no value, unresolved', () => {
    const files = (arg: string) =>
      tree({
        'docker-compose.yml': 'services:\n  jobs:\n    build: ./jobs\n',
        'jobs/package.json': '{ "name": "jobs", "version": "1.0.0", "main": "src/index.js" }\n',
        'jobs/src/index.js': "const fs = require('fs');\nconst LOG_DIR = process.env.LOG_DIR || './logs';\nfs.mkdirSync(LOG_DIR, { recursive: true });\nsetInterval(() => {}, 1000);\n",
        'jobs/Dockerfile': `FROM node:20-alpine\n${arg}\nENV LOG_DIR=$BASE/logs\nWORKDIR /app\nCOPY . .\nCMD ["node", "src/index.js"]\n`,
      });
    const writes = (arg: string) => modelOf(files(arg)).services.find((s) => s.name === 'jobs')?.runtimeWrites ?? [];
    expect(writes('ARG BASE=/var/app').map((w) => [w.path, w.absolute])).toEqual([['/var/app/logs', true]]);
    expect(writes('ARG BASE').map((w) => w.path)).not.toContain('/var/app/logs');
    expect(writes('ARG BASE').some((w) => w.path.includes('$'))).toBe(false);
  });

  it('compose project facts are the model\'s, computed once: the job others wait to complete, the named volumes two deployed services mount', () => {
    const model = modelOf(
      tree({
        'docker-compose.yml': 'services:\n  migrate:\n    build: ./web\n    command: python manage.py migrate\n  web:\n    build: ./web\n    volumes:\n      - static:/app/static\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n  nginx:\n    image: nginx:1.27\n    volumes:\n      - static:/usr/share/nginx/html/static:ro\nvolumes:\n  static:\n',
        'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]\n',
        'web/requirements.txt': 'django==5.0\ngunicorn==22.0\n',
      }),
    );
    const service = (name: string) => model.services.find((s) => s.name === name);
    expect(service('migrate')?.runsToCompletion).toEqual([{ service: 'web', file: 'docker-compose.yml', line: 11 }]);
    expect(service('web')?.runsToCompletion).toBeUndefined();
    expect(service('web')?.sharedVolumes?.map((v) => [v.volume.source, v.volume.target, v.others])).toEqual([['static', '/app/static', ['nginx']]]);
    expect(service('migrate')?.sharedVolumes).toBeUndefined();
  });

  it('a __dirname-relative write is beside its CommonJS file; in a TS file (its output runs from elsewhere) it stays unresolved (review9 R9)', () => {
    const base = readTree(join(FIXTURES, 'transforms', 'dockerfile-non-root', 'dirname-relative-write-path', 'before'));
    const writes = (tree: Map<string, string>) => planTree(tree, []).repo.services.find((s) => s.name === 'jobs')?.runtimeWrites ?? [];
    const js = writes(base).filter((w) => w.file === 'apps/jobs/src/processors/report.js');
    expect(js.map((w) => ({ path: w.path, besideFile: w.besideFile, unresolved: w.unresolved }))).toEqual([{ path: 'tmp/reports', besideFile: 'apps/jobs/src/processors/report.js', unresolved: undefined }]);
    const ts = new Map([...base].map(([k, v]) => [k.replace(/report\.js$/, 'report.ts').replace(/worker\.js$/, 'worker.ts'), v.replace("require('./processors/report')", "require('./processors/report.ts')")]));
    expect(writes(ts).filter((w) => w.file === 'apps/jobs/src/processors/report.ts').map((w) => w.unresolved)).toEqual([true, true]);
  });

  it('two projects that build one Dockerfile for a service on different ports: a dispute naming both, no guess', () => {
    const model = modelOf(
      tree({
        'docker-compose.yml': 'services:\n  api:\n    build: ./services/api\n    ports: ["3000:3000"]\n',
        'deploy/docker-compose.yml': 'services:\n  api:\n    build: ../services/api\n    environment:\n      PORT: "4000"\n',
        'services/api/package.json': '{"name":"api"}',
        'services/api/src/index.ts': expressApp(3000),
        'services/api/Dockerfile': nodeDockerfile(),
      }),
    );
    expect(model.services).toHaveLength(1);
    expect(model.services[0]?.portDispute).toMatch(/docker-compose\.yml:2.*deploy\/docker-compose\.yml:2/);
  });

  it('the deployed stage: a CI build-push-action target, else a prod-named stage when the last one is for development', () => {
    const stages = 'FROM node:20-alpine AS base\nRUN true\nFROM base AS runner\nCMD ["node", "index.js"]\nFROM base AS qa\nCMD ["npm", "test"]\nFROM base AS development\nCMD ["npm", "run", "dev"]\n';
    const files = {
      'apps/web/package.json': '{"name":"web"}',
      'apps/web/src/index.ts': expressApp(3000),
      'apps/web/Dockerfile': stages,
      'apps/api/package.json': '{"name":"api"}',
      'apps/api/src/index.ts': expressApp(3001),
      'apps/api/Dockerfile': stages,
      '.github/workflows/release.yml': 'jobs:\n  web:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: apps/web/Dockerfile\n          target: qa\n',
    };
    const model = modelOf(tree(files));
    expect(svc(model, 'web').target).toBe('qa');
    expect(svc(model, 'api').target).toBe(null);
    const parsed = model.dockerfiles.get('apps/api/Dockerfile')?.parsed;
    expect(parsed && deployedStage(parsed, null)?.name).toBe('runner');
  });

  it('reports a compose service that builds from a missing Dockerfile', () => {
    const model = modelOf(tree({ 'docker-compose.yml': 'services:\n  ghost:\n    build: ./ghost\n' }));
    expect(model.services).toEqual([]);
    expect(model.problems).toEqual([expect.objectContaining({ code: 'ECS201', severity: 'warning', file: 'docker-compose.yml', line: 2, service: 'ghost' })]);
  });
});

describe('roles and ports', () => {
  const model = modelOf(
    tree({
      'docker-compose.yml': [
        'services:',
        '  gateway:',
        '    build: ./services/gateway',
        '    ports: ["3000:3000"]',
        '  purchase-worker:',
        '    build: ./services/purchase-worker',
        '  frontend:',
        '    build: ./frontend',
        '    ports: ["8080:80"]',
        '  course-service:',
        '    build: ./services/course-service',
        '    ports: ["3005:3005"]',
        '',
      ].join('\n'),
      'services/gateway/package.json': '{"name":"gateway"}',
      'services/gateway/src/index.ts': expressApp(3000),
      'services/gateway/Dockerfile': nodeDockerfile('ENV PORT=3000\nEXPOSE 3000\n'),
      'services/purchase-worker/package.json': '{"name":"purchase-worker"}',
      'services/purchase-worker/src/index.ts': kafkaWorker,
      'services/purchase-worker/Dockerfile': nodeDockerfile(),
      'frontend/package.json': '{"name":"frontend","scripts":{"build":"vite build"}}',
      'frontend/src/main.tsx': "fetch('http://localhost:3000/api').then((r) => r.json());\n",
      'frontend/Dockerfile': 'FROM node:20 AS build\nRUN npm run build\nFROM nginx:1.27-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\nEXPOSE 80\n',
      'services/course-service/package.json': '{"name":"course-service"}',
      'services/course-service/src/index.ts':
        "import express from 'express';\nconst app = express();\nconst PORT = process.env.PORT || 3006;\napp.listen(PORT);\n// the trainer client\nconst trainer = process.env.TRAINER_SERVICE_PORT || 3004;\n",
      'services/course-service/Dockerfile': nodeDockerfile('EXPOSE 3005\n'),
    }),
  );

  it('listen -> http, Kafka consumer -> worker, nginx runtime -> frontend', () => {
    expect(svc(model, 'gateway')).toMatchObject({ role: 'http', port: 3000 });
    expect(svc(model, 'gateway').roleReasons[0]).toContain('starts an HTTP server');
    expect(svc(model, 'purchase-worker')).toMatchObject({ role: 'worker', port: null, healthRoute: null });
    expect(svc(model, 'purchase-worker').roleReasons[0]).toContain('consumes a queue');
    expect(svc(model, 'frontend')).toMatchObject({ role: 'frontend', language: 'node' });
  });

  it('agreeing port sources are all recorded', () => {
    expect(svc(model, 'gateway').portEvidence.map((e) => `${e.value} ${e.source}`).sort()).toEqual(
      ['3000 ENV PORT', '3000 EXPOSE', '3000 code (process.env fallback)', '3000 compose port mapping'].sort(),
    );
  });

  it('conflicting port evidence is reported in repo.problems, and another service\'s PORT variable is not evidence', () => {
    const course = svc(model, 'course-service');
    expect(course.port).toBe(3005); // EXPOSE and compose outrank the code default
    expect(course.portEvidence.map((e) => e.value)).not.toContain(3004);
    expect(model.problems.filter((p) => p.code === 'ECS006').map((p) => [p.service, p.file])).toEqual([['course-service', 'services/course-service/Dockerfile']]);
    expect(course.portEvidence.map((e) => e.value)).toContain(3006);
  });

  it('reads ports from getServicePortSync defaults, Number(process.env.PORT) || n, and uvicorn/gunicorn CMDs', () => {
    const m = modelOf(
      tree({
        'a/package.json': '{"name":"a"}',
        'a/src/index.ts': "import { getServicePortSync } from '@kc/shared';\nconst port = getServicePortSync('a', 'A_PORT', 3011);\nrequire('http').createServer().listen(port);\n",
        'a/Dockerfile': nodeDockerfile(),
        'b/package.json': '{"name":"b"}',
        'b/src/index.js': "const app = require('express')();\napp.listen(Number(process.env.PORT) || 3012);\n",
        'b/Dockerfile': nodeDockerfile(),
        'c/requirements.txt': 'django\ngunicorn\n',
        'c/config/urls.py': 'urlpatterns = []\n',
        'c/Dockerfile': 'FROM python:3.12-slim\nCMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8001"]\n',
      }),
    );
    expect(svc(m, 'a').port).toBe(3011);
    expect(svc(m, 'b').port).toBe(3012);
    expect(svc(m, 'c')).toMatchObject({ role: 'http', port: 8001 });
  });
});

describe('the port variable the code reads (review4 Q8, Q14)', () => {
  const variableOf = (main: string) =>
    modelOf(tree({ 'api/package.json': '{"name":"api"}', 'api/Dockerfile': nodeDockerfile('EXPOSE 3000\n'), 'api/src/main.ts': main })).services[0]?.portVariable?.value ?? null;

  it('NestJS ConfigService.get of an env key is a read of that variable, with its default', () => {
    const nest = (read: string) =>
      `import { NestFactory } from '@nestjs/core';\nimport { ConfigService } from '@nestjs/config';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  const config = app.get(ConfigService);\n  const port = ${read};\n  await app.listen(port, '0.0.0.0');\n}\nbootstrap();\n`;
    expect(variableOf(nest("config.get<number>('PORT') ?? 3000"))).toBe('PORT');
    expect(variableOf(nest("config.getOrThrow<number>('API_PORT')"))).toBe('API_PORT');
    // A lower-case key is a custom configuration path, not an env variable: nothing established.
    expect(variableOf(nest("config.get<number>('http.port') ?? 3000"))).toBeNull();
  });
});

describe('health routes', () => {
  const routeOf = (files: Record<string, string>) =>
    modelOf(tree({ 'svc/package.json': '{"name":"svc"}', 'svc/Dockerfile': nodeDockerfile('EXPOSE 3000\n'), ...files })).services[0]?.healthRoute?.path ?? null;

  it('Express routers mounted under a prefix, directly or through another router', () => {
    expect(
      routeOf({
        'svc/src/routes/health.ts': "import { Router } from 'express';\nconst router = Router();\nrouter.get('/health', (_q, r) => r.send('ok'));\nexport default router;\n",
        'svc/src/index.ts': "import express from 'express';\nimport health from './routes/health';\nconst app = express();\napp.use('/api/v1', health);\napp.listen(3000);\n",
      }),
    ).toBe('/api/v1/health');
    expect(
      routeOf({
        'svc/src/routes/health.js': "const express = require('express');\nconst router = express.Router();\nrouter.get('/health', (q, r) => r.send('ok'));\nmodule.exports = router;\n",
        'svc/src/routes/index.js': "const { Router } = require('express');\nconst health = require('./health');\nconst api = Router();\napi.use('/status', health);\nmodule.exports = api;\n",
        'svc/src/index.js': "const express = require('express');\nconst routes = require('./routes');\nconst app = express();\napp.use('/api', routes);\napp.listen(3000);\n",
      }),
    ).toBe('/api/status/health');
  });

  it('a router required inline in the mount call', () => {
    expect(
      routeOf({
        'svc/routes/health.js': "const router = require('express').Router();\nmodule.exports = router;\nconst r2 = require('express').Router();\n",
        'svc/routes/status.js': "const express = require('express');\nconst router = express.Router();\nrouter.get('/healthz', (q, r) => r.send('ok'));\nmodule.exports = router;\n",
        'svc/server.js': "const app = require('express')();\napp.use('/internal', require('./routes/status'));\napp.listen(3000);\n",
      }),
    ).toBe('/internal/healthz');
  });

  it('routes on the app itself, and routers mounted without a prefix, stay as written', () => {
    expect(
      routeOf({
        'svc/src/health.ts': "import { Router } from 'express';\nexport const healthRouter = Router();\nhealthRouter.get('/healthz', (_q, r) => r.send('ok'));\n",
        'svc/src/index.ts': "import express from 'express';\nimport { healthRouter } from './health';\nconst app = express();\napp.use(healthRouter);\napp.use('/api', other);\napp.get('/ping', (_q, r) => r.send('pong'));\napp.listen(3000);\n",
      }),
    ).toBe('/healthz');
  });

  it('a middleware that answers the path itself (Koa ctx.path/ctx.url/ctx.request.path, a plain http server), not one that only passes it on', () => {
    const koa = (cond: string) => ({
      'svc/src/index.js': `const Koa = require('koa');\nconst Router = require('@koa/router');\nconst app = new Koa();\nconst api = new Router({ prefix: '/api' });\napi.get('/orders', (ctx) => { ctx.body = []; });\napp.use(async (ctx, next) => {\n  if (${cond}) {\n    ctx.body = 'ok';\n    return;\n  }\n  await next();\n});\napp.use(api.routes());\napp.listen(3000);\n`,
    });
    for (const cond of ["ctx.path === '/health'", "ctx.url === '/health'", "ctx.request.path === '/health'", "ctx.method === 'GET' && '/health' == ctx.path"]) expect(routeOf(koa(cond)), cond).toBe('/health');
    const http = "const http = require('http');\nhttp.createServer((req, res) => {\n  if (req.url === '/healthz') {\n    res.writeHead(200);\n    return res.end('ok');\n  }\n  res.writeHead(404);\n  res.end();\n}).listen(3000);\n";
    expect(routeOf({ 'svc/server.js': http })).toBe('/healthz');
    const switched = "const http = require('http');\nhttp.createServer((req, res) => {\n  switch (req.url) {\n    case '/livez':\n      res.end('ok');\n      break;\n    default:\n      res.statusCode = 404;\n      res.end();\n  }\n}).listen(3000);\n";
    expect(routeOf({ 'svc/server.js': switched })).toBe('/livez');
    const skipsLogging = "const Koa = require('koa');\nconst app = new Koa();\napp.use(async (ctx, next) => {\n  if (ctx.path === '/health') return next();\n  console.log(ctx.method, ctx.path);\n  await next();\n});\napp.listen(3000);\n";
    expect(routeOf({ 'svc/src/index.js': skipsLogging })).toBe(null);
  });

  it('Koa routers with a prefix option, Fastify plugins registered with a prefix', () => {
    expect(
      routeOf({
        'svc/src/index.js': "const Koa = require('koa');\nconst Router = require('@koa/router');\nconst app = new Koa();\nconst router = new Router({ prefix: '/internal' });\nrouter.get('/health', (ctx) => { ctx.body = 'ok'; });\napp.use(router.routes());\napp.listen(3000);\n",
      }),
    ).toBe('/internal/health');
    expect(
      routeOf({
        'svc/src/health.ts': "export default async function health(fastify) {\n  fastify.get('/health', async () => ({ ok: true }));\n}\n",
        'svc/src/index.ts': "import Fastify from 'fastify';\nimport health from './health';\nconst app = Fastify();\napp.register(health, { prefix: '/v2' });\napp.listen({ port: 3000 });\n",
      }),
    ).toBe('/v2/health');
  });

  it('NestJS: the global prefix applies to controllers unless it excludes the route', () => {
    const controller = "import { Controller, Get } from '@nestjs/common';\n@Controller('health')\nexport class HealthController {\n  @Get()\n  check() { return 'ok'; }\n}\n";
    const main = (prefixCall: string) => `import { NestFactory } from '@nestjs/core';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  ${prefixCall}\n  await app.listen(3000);\n}\n`;
    expect(routeOf({ 'svc/src/health.controller.ts': controller, 'svc/src/main.ts': main("app.setGlobalPrefix('api');") })).toBe('/api/health');
    expect(routeOf({ 'svc/src/health.controller.ts': controller, 'svc/src/main.ts': main("app.setGlobalPrefix('api', { exclude: ['health'] });") })).toBe('/health');
    expect(routeOf({ 'svc/src/health.controller.ts': controller, 'svc/src/main.ts': main("app.setGlobalPrefix('api', { exclude: [{ path: 'metrics', method: RequestMethod.GET }] });") })).toBe('/api/health');
    expect(routeOf({ 'svc/src/health.controller.ts': controller, 'svc/src/main.ts': main('') })).toBe('/health');
  });

  it('/ready is never a liveness route; /health wins over /ping; commented-out routes do not count', () => {
    expect(routeOf({ 'svc/src/index.ts': expressApp(3000, "app.get('/ready', h);\napp.get('/ping', h);\napp.get('/health', h);") })).toBe('/health');
    expect(routeOf({ 'svc/src/index.ts': expressApp(3000, "app.get('/ready', h);") })).toBeNull();
    expect(routeOf({ 'svc/src/index.ts': expressApp(3000, "// app.get('/health', h);\n/* app.get('/healthz', h); */") })).toBeNull();
  });
});

describe('workspace and package manager', () => {
  const packages = {
    'pnpm-workspace.yaml': "packages:\n  - 'services/*'\n  - 'packages/*'\n  - '!packages/legacy'\n",
    'packages/shared/package.json': '{"name":"@kc/shared"}',
    'packages/db/package.json': '{"name":"@kc/db","dependencies":{"@kc/shared":"workspace:*"}}',
    'packages/legacy/package.json': '{"name":"@kc/legacy"}',
    'services/api/package.json': '{"name":"@kc/api","dependencies":{"@kc/db":"workspace:^","@kc/legacy":"1.0.0","express":"^4"},"devDependencies":{"@kc/shared":"workspace:*"}}',
    'services/api/src/index.ts': expressApp(3000),
    'services/api/Dockerfile': 'FROM node:20-alpine\nRUN npm i -g pnpm@8.15.0\nCMD ["node", "dist/index.js"]\n',
    'services/worker/package.json': '{"name":"@kc/worker"}',
    'services/worker/src/index.ts': kafkaWorker,
    'services/worker/Dockerfile': 'FROM node:20-alpine\nRUN npm i -g pnpm@8.15.0\nCMD ["node", "dist/index.js"]\n',
    'services/other/package.json': '{"name":"@kc/other"}',
    'services/other/src/index.ts': kafkaWorker,
    'services/other/Dockerfile': 'FROM node:20-alpine\nRUN corepack enable && corepack prepare pnpm@9.1.0 --activate\nCMD ["node", "dist/index.js"]\n',
    'pnpm-lock.yaml': "lockfileVersion: '6.0'\n",
  };

  it('workspace dependencies are the transitive closure, dependencies first, excluded globs left out', () => {
    const model = modelOf(tree(packages));
    expect(svc(model, 'api').workspaceDeps).toEqual(['@kc/shared', '@kc/db']);
    expect(model.workspacePackages.map((p) => p.name)).not.toContain('@kc/legacy');
  });

  it('pnpm version the repo declares: packageManager field, else the lockfile format (Dockerfile pins are weighed per file by dockerfile-pnpm-pin)', () => {
    const withField = modelOf(tree({ ...packages, 'package.json': '{"name":"kc","packageManager":"pnpm@8.15.4+sha256.abc"}' }));
    expect(withField.packageManager).toMatchObject({ name: 'pnpm', pnpm: { version: '8.15.4', source: expect.stringContaining('packageManager') } });
    expect(withField.packageManager.pnpmFromLockfile).toMatchObject({ version: '8' });

    const fromLock = modelOf(tree(packages));
    expect(fromLock.packageManager.name).toBe('pnpm');
    expect(fromLock.packageManager.pnpm).toMatchObject({ version: '8', source: expect.stringContaining('lockfileVersion 6.0'), from: 'lockfile' });
  });

  it('npm and yarn repos', () => {
    expect(modelOf(tree({ 'package.json': '{"name":"x"}', 'package-lock.json': '{}' })).packageManager).toMatchObject({ name: 'npm', pnpm: null });
    expect(modelOf(tree({ 'package.json': '{"name":"x","packageManager":"yarn@1.22.22"}', 'yarn.lock': '' })).packageManager).toMatchObject({ name: 'yarn', pnpm: null });
  });
});

describe('whole-repo plans', () => {
  it('keeps CRLF line endings in a Dockerfile the PORT and HEALTHCHECK transforms change', () => {
    const crlf = (s: string) => s.replace(/\n/g, '\r\n');
    const before = tree({
      'docker-compose.yml': 'services:\n  api:\n    build: ./api\n    ports: ["3000:3000"]\n',
      'api/package.json': '{"name":"api"}',
      'api/src/index.ts': expressApp(3000),
      'api/Dockerfile': crlf('FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nEXPOSE 3000\nHEALTHCHECK --interval=30s \\\n  CMD wget -q --spider http://localhost:3000/health || exit 1\nCMD ["node", "dist/index.js"]\n'),
    });
    const { plan } = planTree(before, [dockerfilePortEnv, dockerfileHealthcheckEnv]);
    expect(plan.failures).toEqual([]);
    const after = applyPlan(before, plan).get('api/Dockerfile') ?? '';
    expect(plan.changes.map((c) => c.transforms)).toEqual([['dockerfile-port-env', 'dockerfile-healthcheck-env']]);
    expect(after).toBe(
      crlf(
        'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\n# The port the server listens on; an ECS task definition may override PORT.\nENV PORT=3000\nEXPOSE 3000\nHEALTHCHECK --interval=30s \\\n  CMD wget -q --spider http://localhost:${PORT:-3000}/health || exit 1\nCMD ["node", "dist/index.js"]\n',
      ),
    );
    expect(after.replace(/\r\n/g, '')).not.toContain('\n');
    // and a second run changes nothing
    expect(planTree(applyPlan(before, plan), [dockerfilePortEnv, dockerfileHealthcheckEnv]).plan.changes).toEqual([]);
  });
});

describe('port defaults read from code', () => {
  const ports = (code: string) => scanSource(code, 'js').ports.map((p) => [p.port, p.envVar]);
  it('getServicePort with and without the env var argument', () => {
    expect(ports("const PORT = getServicePortSync('course-service', 'COURSE_SERVICE_PORT', 3005);")).toEqual([[3005, 'COURSE_SERVICE_PORT']]);
    expect(ports("const PORT = getServicePortSync('course-service', 3005);")).toEqual([[3005, null]]);
  });
  it("another service's port variable is kept apart from PORT", () => {
    expect(ports('const url = `http://localhost:${process.env.STUDENT_SERVICE_PORT || 3003}`;')).toEqual([[3003, 'STUDENT_SERVICE_PORT']]);
  });
});

describe('Dockerfiles that are not services', () => {
  it('skips dev containers and test fixtures unless compose builds them', () => {
    const node = 'FROM node:20-alpine\nCMD ["node", "index.js"]\n';
    const repo = modelOf(
      new Map([
        ['.devcontainer/Dockerfile', 'FROM mcr.microsoft.com/devcontainers/typescript-node:20\n'],
        ['test/fixtures/app/Dockerfile', node],
        ['services/api/Dockerfile', node],
        ['services/api/package.json', '{"name":"api"}'],
        ['e2e/Dockerfile', node],
        ['docker-compose.yml', 'services:\n  e2e:\n    build: ./e2e\n'],
        ['test/fixtures/app/docker-compose.yml', 'services:\n  fixture-app:\n    build: .\n'],
      ]),
    );
    expect(repo.services.map((s) => s.name).sort()).toEqual(['api', 'e2e']);
    expect([...repo.dockerfiles.keys()].sort()).toEqual(['e2e/Dockerfile', 'services/api/Dockerfile']);
  });
});

describe('role from the start command', () => {
  it('a Next.js app started with `npm start` (next start) is an HTTP service', () => {
    const repo = modelOf(
      new Map([
        ['apps/web/package.json', JSON.stringify({ name: 'web', scripts: { start: 'next start -p 3000' } })],
        ['apps/web/app/page.tsx', 'export default function Page() { return null; }\n'],
        ['apps/web/Dockerfile', 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["npm", "start"]\n'],
      ]),
    );
    expect(repo.services[0]).toMatchObject({ name: 'web', role: 'http' });
  });
});

describe('one Dockerfile built for several services with build args', () => {
  const shared = 'FROM node:20-alpine AS build\nARG APP\nWORKDIR /repo\nCOPY package*.json ./\nCOPY apps/${APP}/package.json apps/${APP}/\nCOPY libs/common/package.json libs/common/\nRUN npm ci\nCOPY . .\nRUN npm run build --workspace=@shop/${APP}\n\nFROM node:20-alpine\nARG APP\nCOPY --from=build /repo/apps/${APP}/dist ./dist\nCMD ["node", "dist/main.js"]\n';
  const tree = (compose: string) =>
    new Map([
      ['package.json', JSON.stringify({ name: 'shop', workspaces: ['apps/*', 'libs/*'] })],
      ['apps/orders/package.json', JSON.stringify({ name: '@shop/orders', dependencies: { '@shop/common': '*' } })],
      ['apps/orders/src/main.ts', 'app.listen(process.env.PORT || 3001);\n'],
      ['apps/billing/package.json', JSON.stringify({ name: '@shop/billing', dependencies: { '@shop/common': '*' } })],
      ['apps/billing/src/main.ts', 'app.listen(process.env.PORT || 3002);\n'],
      ['libs/common/package.json', JSON.stringify({ name: '@shop/common' })],
      ['docker/node.Dockerfile', shared],
      ['compose.yaml', compose],
    ]);

  it('reads each service from its args (map and list form)', () => {
    const repo = modelOf(
      tree('services:\n  orders:\n    build:\n      context: .\n      dockerfile: docker/node.Dockerfile\n      args: { APP: orders }\n  billing:\n    build:\n      context: .\n      dockerfile: docker/node.Dockerfile\n      args:\n        - APP=billing\n'),
    );
    expect(repo.services.map((s) => [s.name, s.dir, s.port])).toEqual([
      ['orders', 'apps/orders', 3001],
      ['billing', 'apps/billing', 3002],
    ]);
  });

  it('does not take the shared library for the service when the arg is unknown', () => {
    const repo = modelOf(tree('services:\n  orders:\n    build: { context: ., dockerfile: docker/node.Dockerfile }\n'));
    expect(repo.services[0]?.dir).not.toBe('libs/common');
  });
});

describe('bad manifests', () => {
  it('a package.json that is not JSON is reported with its line and left out', () => {
    const repo = modelOf(
      new Map([
        ['services/api/package.json', '{\n  "name": "api",\n  "main": "dist/index.js",\n}\n'],
        ['services/api/src/index.ts', 'app.listen(process.env.PORT || 3000);\n'],
        ['services/api/Dockerfile', 'FROM node:20-alpine\nCMD ["node", "dist/index.js"]\n'],
      ]),
    );
    expect(repo.problems).toEqual([expect.objectContaining({ code: 'ECS005', severity: 'blocking', file: 'services/api/package.json', line: 4 })]);
    expect(repo.services[0]?.packageName).toBeNull();
  });
});

describe('development-profile compose services', () => {
  const dockerfile = [
    'FROM node:20-alpine AS base',
    'WORKDIR /app',
    'COPY package.json package-lock.json ./',
    '',
    'FROM base AS dev',
    'RUN npm install',
    'COPY . .',
    'CMD ["npm", "run", "dev"]',
    '',
    'FROM base AS prod',
    'RUN npm ci --omit=dev',
    'COPY . .',
    'EXPOSE 3000',
    'CMD ["node", "src/index.js"]',
    '',
  ].join('\n');
  const compose = [
    'services:',
    '  api:',
    '    build:',
    '      context: ./api',
    '      target: prod',
    '    ports: ["3000:3000"]',
    '  api-dev:',
    '    profiles: ["dev"]',
    '    build:',
    '      context: ./api',
    '      target: dev',
    '    volumes:',
    '      - ./api/src:/app/src',
    '  api-tools:',
    '    profiles: [tools]',
    '    build:',
    '      context: ./api',
    '      target: dev',
    '  notifier:',
    '    profiles: ["workers"]',
    '    build: ./notifier',
    '',
  ].join('\n');
  const files = () =>
    tree({
      'docker-compose.yml': compose,
      'api/package.json': '{"name":"api"}',
      'api/package-lock.json': '{"lockfileVersion":3,"packages":{}}',
      'api/Dockerfile': dockerfile,
      'api/src/index.js': "const express = require('express');\nconst app = express();\napp.get('/health', (_q, r) => r.send('ok'));\napp.listen(3000);\n",
      'notifier/package.json': '{"name":"notifier"}',
      'notifier/Dockerfile': nodeDockerfile(),
      'notifier/src/index.js': kafkaWorker,
    });

  it('is not a service: no row, said once (info) at its compose line; a non-dev profile is deployed', () => {
    const model = modelOf(files());
    expect(model.services.map((s) => s.name).sort()).toEqual(['api', 'notifier']);
    const said = model.problems.filter((p) => p.code === 'ECS215').map((p) => [p.service, p.severity, p.file, p.line]);
    expect(said).toEqual([
      ['api-dev', 'info', 'docker-compose.yml', 7],
      ['api-tools', 'info', 'docker-compose.yml', 14],
    ]);
  });

  it('gets no change to its dev stage, no finding there and no task definition', () => {
    const { repo, plan } = planTree(files(), [...TRANSFORMS]);
    const after = applyPlan(files(), plan).get('api/Dockerfile') ?? '';
    expect(after).not.toBe(dockerfile);
    const devStage = (text: string) => text.slice(text.indexOf('FROM base AS dev'), text.indexOf('FROM base AS prod'));
    expect(devStage(after)).toBe(devStage(dockerfile));
    const report = buildCheckReport(repo, plan, (p) => files().get(p) ?? null, [...TRANSFORMS]);
    const devLines = new Set([5, 6, 7, 8]);
    expect(report.findings.filter((f) => f.file === 'api/Dockerfile' && devLines.has(f.line ?? 0)).map((f) => f.code)).toEqual([]);
    expect(report.findings.filter((f) => f.service === 'api-dev').map((f) => f.code)).toEqual(['ECS215']);
    expect(report.ecs.map((e) => e.service).sort()).toEqual(['api', 'notifier']);
  });
});

describe('Next.js standalone server port (review8 R18)', () => {
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'transforms', 'dockerfile-port-env', 'next-standalone-turborepo', 'before');
  it('the generated server.js reads PORT: PORT is the port variable, with next.config output line as evidence', () => {
    const web = modelOf(readTree(fixture)).services.find((s) => s.name === 'web');
    expect(web?.portVariable).toMatchObject({ value: 'PORT', file: 'apps/web/next.config.ts', line: 5 });
  });
  it('not without output: standalone, nor when the image does not run the standalone server.js', () => {
    const tree = readTree(fixture);
    tree.set('apps/web/next.config.ts', (tree.get('apps/web/next.config.ts') ?? '').replace("output: 'standalone',", ''));
    expect(modelOf(tree).services.find((s) => s.name === 'web')?.portVariable).toBeUndefined();
    const other = readTree(fixture);
    other.set('apps/web/Dockerfile', (other.get('apps/web/Dockerfile') ?? '').replace('CMD node apps/web/server.js', 'CMD ["node", "apps/web/custom-server.mjs"]'));
    expect(modelOf(other).services.find((s) => s.name === 'web')?.portVariable).toBeUndefined();
  });
});

describe('image ENV from compose build args', () => {
  it('reads build.args as compose interpolates them: a default is passed, a bare variable is not established', () => {
    const tree: Tree = new Map([
      ['docker-compose.yml', 'services:\n  api:\n    build:\n      context: ./api\n      args:\n        APP_PORT: ${APP_PORT:-8080}\n        RUNTIME_ENV: ${RUNTIME_ENV}\n        RELEASE: "2024.1"\n'],
      ['api/package.json', JSON.stringify({ name: 'api', version: '1.0.0', main: 'index.js', dependencies: { express: '^4' } })],
      ['api/index.js', "const app = require('express')();\napp.listen(process.env.PORT || 3000);\n"],
      ['api/Dockerfile', 'FROM node:20-alpine\nARG APP_PORT=3000\nARG RUNTIME_ENV=development\nARG RELEASE\nENV PORT=$APP_PORT NODE_ENV=$RUNTIME_ENV RELEASE=$RELEASE\nCOPY . .\nCMD ["node", "index.js"]\n'],
    ]);
    const env = modelOf(tree).services.find((s) => s.name === 'api')?.imageEnv;
    expect(env?.get('PORT')?.value).toBe('8080');
    expect(env?.get('NODE_ENV')?.value).toBeNull();
    expect(env?.get('RELEASE')?.value).toBe('2024.1');
  });
});
