/**
 * dockerfile-non-root on whole repos: the two sample monorepos (what issue 3 checks) and a few
 * in-memory repos for what fixture pairs cannot show (several services on one Dockerfile, every
 * transform chained, the commands matching each stage's distro).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployedStage, dockerfileProblems, effectiveInstructions, parseDockerfile, type DockerStage, type ParsedDockerfile } from '../src/repo/dockerfile.js';
import { usersCreatedBy } from '../src/dockerfile/users.js';
import { TRANSFORMS, transformById } from '../transforms/index.js';
import type { Transform } from '../src/transform.js';
import { applyPlan, findingsOf, modelOf, planTree, readTree, type Tree } from './helpers/repo.js';
import { checkDockerfileBuild } from '../src/check/build/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const nonRoot = transformById('dockerfile-non-root') as Transform;
const WORKERS = ['notification-worker', 'purchase-worker', 'session-worker', 'cache-worker', 'allocation-worker'];

const ALPINE_ONLY = /\b(?:apk\s+add|addgroup\s+-S|adduser\s+-S|adduser\s+-D)\b/;
const DEBIAN_ONLY = /\b(?:apt-get|groupadd|useradd)\b/;

/** RUN lines holding a command of the other distro family (alpine command on debian or the reverse). */
function distroMismatches(parsed: ParsedDockerfile): string[] {
  const out: string[] = [];
  for (const stage of parsed.stages) {
    for (const run of stage.instructions.filter((i) => i.keyword === 'RUN')) {
      if (stage.base.distro === 'debian' && ALPINE_ONLY.test(run.args)) out.push(`line ${run.line}: alpine command on ${stage.base.reference}`);
      if (stage.base.distro === 'alpine' && DEBIAN_ONLY.test(run.args)) out.push(`line ${run.line}: debian command on ${stage.base.reference}`);
    }
  }
  return out;
}

/** The user the deployed stage runs as and how it came to exist in the image. */
function runtimeUser(parsed: ParsedDockerfile, stage: DockerStage) {
  const inForce = effectiveInstructions(parsed, stage);
  const created = inForce.filter((i) => i.keyword === 'RUN').map((i) => ({ ins: i, ...usersCreatedBy(parsed, [i]) }));
  const name = (stage.user ?? '').split(':')[0] ?? '';
  const creation = created.find((c) => c.users.some((u) => u.name === name));
  const lastUserLine = inForce.filter((i) => i.keyword === 'USER').pop();
  return {
    name,
    user: creation?.users.find((u) => u.name === name),
    groups: created.flatMap((c) => c.groups),
    creationRun: creation?.ins,
    lastUserLine,
  };
}

function expectStagesIntact(before: string, after: string): void {
  expect(dockerfileProblems(after)).toEqual([]);
  const b = parseDockerfile(before);
  const a = parseDockerfile(after);
  expect(a.stages.map((s) => [s.name, s.fromRef])).toEqual(b.stages.map((s) => [s.name, s.fromRef]));
}

describe('kodingcaravan: the five workers end as nodejs:1001, like the HTTP images', () => {
  const tree = readTree(join(FIXTURES, 'kodingcaravan'));
  const repo = modelOf(tree);

  it('changes exactly the worker Dockerfiles, with alpine commands for nodejs uid/gid 1001', () => {
    const { plan } = planTree(tree, [nonRoot]);
    expect(plan.failures).toEqual([]);
    expect(plan.changes.map((c) => c.path).sort()).toEqual(WORKERS.map((w) => `services/${w}/Dockerfile`).sort());
    for (const change of plan.changes) {
      expectStagesIntact(change.before, change.after);
      const parsed = parseDockerfile(change.after);
      const stage = deployedStage(parsed) as DockerStage;
      const user = runtimeUser(parsed, stage);
      expect(user.name, change.path).toBe('nodejs');
      expect(user.user, change.path).toMatchObject({ uid: 1001 });
      expect(user.groups.find((g) => g.name === 'nodejs'), change.path).toMatchObject({ gid: 1001 });
      expect(user.creationRun?.args).toMatch(/addgroup -S -g 1001 nodejs && adduser -S -u 1001 -G nodejs nodejs/);
      expect(distroMismatches(parsed), change.path).toEqual([]);
      // After every step that needs root, before CMD.
      const lastRun = stage.instructions.filter((i) => i.keyword === 'RUN').pop();
      const cmd = stage.instructions.find((i) => i.keyword === 'CMD');
      expect(user.lastUserLine && lastRun && user.lastUserLine.line > lastRun.line).toBe(true);
      expect(user.lastUserLine && cmd && user.lastUserLine.line < cmd.line).toBe(true);
      // No blanket chown of the app: the workers write nothing.
      expect(change.after).not.toMatch(/chown -R/);
      expect(change.findings.some((f) => f.code === 'ECS121' && f.fixedBy === 'dockerfile-non-root')).toBe(true);
    }
  });

  it('leaves the HTTP Dockerfiles, which already end as USER nodejs, byte-identical', () => {
    const { plan } = planTree(tree, [nonRoot]);
    const http = repo.services.filter((s) => s.role === 'http').map((s) => s.dockerfile);
    expect(http).toHaveLength(12);
    for (const path of http) expect(plan.changes.find((c) => c.path === path), path ?? '').toBeUndefined();
  });

  it('with every transform chained, each worker still ends as nodejs with commands that fit its stage, and a second run changes nothing', () => {
    const { plan } = planTree(tree, [...TRANSFORMS]);
    expect(plan.failures).toEqual([]);
    const after = applyPlan(tree, plan);
    for (const worker of WORKERS) {
      const path = `services/${worker}/Dockerfile`;
      const parsed = parseDockerfile(after.get(path) ?? '');
      const stage = deployedStage(parsed) as DockerStage;
      const user = runtimeUser(parsed, stage);
      expect(user.name, path).toBe('nodejs');
      expect(user.user?.uid, path).toBe(1001);
      expect(distroMismatches(parsed), path).toEqual([]);
      expect(dockerfileProblems(after.get(path) ?? '')).toEqual([]);
    }
    expect(planTree(after, [...TRANSFORMS]).plan.changes.map((c) => c.path)).toEqual([]);
  });
});

describe('peerprep: Python images run as a debian-created user, Django keeps writing staticfiles, nginx keeps its port', () => {
  const tree = readTree(join(FIXTURES, 'peerprep'));
  const { plan } = planTree(tree, [nonRoot]);
  const PYTHON = ['user_service', 'question_service', 'matching_service', 'history_service', 'collaboration_service', 'chat_service'];
  const DJANGO = ['user_service', 'question_service', 'history_service'];

  it('changes every Python Dockerfile and nothing else', () => {
    expect(plan.failures).toEqual([]);
    expect(plan.changes.map((c) => c.path).sort()).toEqual(PYTHON.map((s) => `${s}/Dockerfile`).sort());
  });

  it('each Python image runs as a system user made with groupadd/useradd, after the apt-get and pip steps', () => {
    for (const change of plan.changes) {
      expectStagesIntact(change.before, change.after);
      const parsed = parseDockerfile(change.after);
      const stage = deployedStage(parsed) as DockerStage;
      expect(stage.base.distro).toBe('debian');
      const user = runtimeUser(parsed, stage);
      expect(user.name, change.path).toBe('app');
      expect(user.creationRun?.args, change.path).toMatch(/groupadd --system --gid 1001 app/);
      expect(user.creationRun?.args, change.path).toMatch(/useradd --system --uid 1001 --gid app --no-create-home app/);
      expect(distroMismatches(parsed), change.path).toEqual([]);
      const rootSteps = stage.instructions.filter((i) => i.keyword === 'RUN' && i !== user.creationRun);
      for (const step of rootSteps) expect(step.line, `${change.path}: ${step.args}`).toBeLessThan(user.creationRun?.line ?? 0);
      const entry = stage.instructions.find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
      expect((user.lastUserLine?.line ?? Infinity) < (entry?.line ?? 0), change.path).toBe(true);
    }
  });

  it('Django services hand /app/staticfiles (collectstatic at start-up) to the user, without a blanket chown', () => {
    for (const svc of DJANGO) {
      const change = plan.changes.find((c) => c.path === `${svc}/Dockerfile`);
      const parsed = parseDockerfile(change?.after ?? '');
      const stage = deployedStage(parsed) as DockerStage;
      const mkdir = stage.instructions.find((i) => i.keyword === 'RUN' && /mkdir -p \/app\/staticfiles/.test(i.args));
      const chown = stage.instructions.find((i) => i.keyword === 'RUN' && /\bchown app:app \/app\/staticfiles\b/.test(i.args));
      const user = stage.instructions.filter((i) => i.keyword === 'USER').pop();
      expect(mkdir && chown && user, svc).toBeTruthy();
      expect(chown!.line).toBeGreaterThan(mkdir!.line);
      expect(user!.line).toBeGreaterThan(chown!.line);
      expect(change?.after).not.toMatch(/chown -R|chown\s+\S+\s+\/app\s*$/m);
      expect(change?.findings.some((f) => f.code === 'ECS121')).toBe(true);
    }
    // FastAPI services write nothing: no chown at all.
    for (const svc of PYTHON.filter((s) => !DJANGO.includes(s))) expect(plan.changes.find((c) => c.path === `${svc}/Dockerfile`)?.after).not.toMatch(/chown/);
  });

  it('warns that the dev bind mount must be writable by the new user', () => {
    const user = plan.changes.find((c) => c.path === 'user_service/Dockerfile');
    expect(user?.findings.filter((f) => f.code === 'ECS124').map((f) => [f.severity, f.service])).toEqual([['warning', 'user-service']]);
  });

  it('leaves the nginx frontend as is and reports the port >= 1024 requirement', () => {
    expect(plan.changes.find((c) => c.path === 'frontend/Dockerfile')).toBeUndefined();
    expect(plan.findings.filter((f) => f.file === 'frontend/Dockerfile').map((f) => [f.code, f.severity])).toEqual([['ECS125', 'warning']]);
  });

  it('a second run changes nothing', () => {
    expect(planTree(applyPlan(tree, plan), [nonRoot]).plan.changes).toEqual([]);
  });
});

describe('in-memory repos', () => {
  const compose = (services: string) => `services:\n${services}`;

  it('one Dockerfile, two deployed targets: both stages switch, the shared base and build stage stay', () => {
    const dockerfile = [
      'FROM python:3.12-slim AS base',
      'WORKDIR /app',
      'COPY requirements.txt .',
      'RUN pip install --no-cache-dir -r requirements.txt',
      'COPY . .',
      '',
      'FROM base AS api',
      'EXPOSE 8000',
      'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]',
      '',
      'FROM base AS consumer',
      'CMD ["python", "consumer.py"]',
      '',
    ].join('\n');
    const tree: Tree = new Map([
      ['docker-compose.yml', compose('  api:\n    build: { context: ., target: api }\n    ports: ["8000:8000"]\n  consumer:\n    build: { context: ., target: consumer }\n')],
      ['Dockerfile', dockerfile],
      ['requirements.txt', 'fastapi\nkafka-python\n'],
      ['main.py', 'from fastapi import FastAPI\napp = FastAPI()\n'],
      ['consumer.py', 'from kafka import KafkaConsumer\nc = KafkaConsumer("jobs")\nfor m in c:\n    print(m)\n'],
    ]);
    const { plan } = planTree(tree, [nonRoot]);
    const after = plan.changes[0]?.after ?? '';
    const parsed = parseDockerfile(after);
    expect(parsed.stages.map((s) => [s.name, isRoot(s.user)])).toEqual([
      ['base', true],
      ['api', false],
      ['consumer', false],
    ]);
    expect(after.slice(0, after.indexOf('FROM base AS api'))).toBe(dockerfile.slice(0, dockerfile.indexOf('FROM base AS api')));
    expect(planTree(applyPlan(tree, plan), [nonRoot]).plan.changes).toEqual([]);
  });

  it('a workspace package the build check can only not confirm (info ECS504) does not hold the image as root (review4 Q5)', () => {
    const tree = readTree(join(FIXTURES, 'transforms', 'dockerfile-non-root', 'pnpm-deploy-workspace', 'before'));
    // Only the service is built, and a step the model cannot follow may make what the deploy copies.
    const dockerfile = (tree.get('apps/catalog/Dockerfile') as string).replace('pnpm --filter "@acme/catalog..." build', 'pnpm --filter @acme/catalog build && make assets');
    tree.set('apps/catalog/Dockerfile', dockerfile);
    const check = checkDockerfileBuild(dockerfile, modelOf(tree), { path: 'apps/catalog/Dockerfile' });
    expect(check.filter((f) => f.code === 'ECS504').map((f) => f.severity)).toEqual(['info']);
    const { plan } = planTree(tree, [nonRoot]);
    expect(findingsOf(plan).map((f) => f.code)).not.toContain('ECS157');
    expect(parseDockerfile(plan.changes[0]?.after ?? '').stages.at(-1)?.user).toBe('node');
  });

  it('a Dockerfile whose final stage already has USER nodejs is unchanged, and so is a dev-only Dockerfile', () => {
    const tree: Tree = new Map([
      ['docker-compose.yml', compose('  jobs:\n    build: ./jobs\n')],
      ['jobs/Dockerfile', 'FROM node:20-alpine\nRUN addgroup -S -g 1001 nodejs && adduser -S -u 1001 -G nodejs nodejs\nWORKDIR /app\nCOPY . .\nUSER nodejs\nCMD ["node", "worker.js"]\n'],
      ['jobs/Dockerfile.dev', 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["npx", "nodemon", "worker.js"]\n'],
      ['jobs/package.json', '{ "name": "jobs", "main": "worker.js" }\n'],
      ['jobs/worker.js', "const { Kafka } = require('kafkajs');\nnew Kafka({ brokers: ['k:9092'] }).consumer({ groupId: 'g' });\n"],
    ]);
    const { plan } = planTree(tree, [nonRoot]);
    expect(plan.changes).toEqual([]);
    expect(plan.failures).toEqual([]);
  });

  it('compose mounts: a warning only where the app writes, the file each mount comes from, an info for a source mount it only reads', () => {
    const tree: Tree = new Map([
      ['docker-compose.yml', compose('  api:\n    build: ./api\n    ports: ["3000:3000"]\n    volumes:\n      - ./api/data:/app/data\n')],
      ['docker-compose.override.yml', compose('  api:\n    volumes:\n      - ./api/src:/repo/api/src\n')],
      ['api/Dockerfile', 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN mkdir -p /app/data\nEXPOSE 3000\nCMD ["node", "server.js"]\n'],
      ['api/package.json', '{ "name": "api", "main": "server.js" }\n'],
      ['api/server.js', "require('http').createServer((q, r) => r.end()).listen(3000);\n"],
    ]);
    const { plan, repo } = planTree(tree, [nonRoot]);
    expect(repo.services.find((s) => s.name === 'api')?.compose?.volumes).toEqual([
      { source: './api/data', target: '/app/data', readOnly: false, file: 'docker-compose.yml' },
      { source: './api/src', target: '/repo/api/src', readOnly: false, file: 'docker-compose.override.yml' },
    ]);
    const notes = (plan.changes.find((c) => c.path === 'api/Dockerfile')?.findings ?? []).filter((f) => f.code === 'ECS124');
    expect(notes.map((f) => f.severity)).toEqual(['warning', 'info']);
    expect(notes[0]?.message).toContain('/app/data (docker-compose.yml)');
    expect(notes[0]?.message).not.toContain('/repo/api/src');
    expect(notes[1]?.message).toContain('/repo/api/src (docker-compose.override.yml)');
  });

  it('a convention created on debian is recreated with alpine commands on an alpine worker', () => {
    const tree: Tree = new Map([
      ['docker-compose.yml', compose('  web:\n    build: ./web\n    ports: ["3000:3000"]\n  mailer:\n    build: ./mailer\n')],
      ['web/Dockerfile', 'FROM node:20-slim\nRUN groupadd --system --gid 1500 svc && useradd --system --uid 1500 --gid svc svc\nWORKDIR /app\nCOPY . .\nUSER svc\nCMD ["node", "server.js"]\n'],
      ['web/package.json', '{ "name": "web", "main": "server.js" }\n'],
      ['web/server.js', "require('http').createServer((q, r) => r.end()).listen(3000);\n"],
      ['mailer/Dockerfile', 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm install --omit=dev\nCMD ["node", "index.js"]\n'],
      ['mailer/package.json', '{ "name": "mailer", "main": "index.js" }\n'],
      ['mailer/index.js', "const { Kafka } = require('kafkajs');\nnew Kafka({ brokers: ['k:9092'] }).consumer({ groupId: 'g' });\n"],
    ]);
    const { plan, repo } = planTree(tree, [nonRoot]);
    expect(repo.userConvention).toMatchObject({ user: 'svc', uid: 1500, gid: 1500 });
    expect(plan.changes.map((c) => c.path)).toEqual(['mailer/Dockerfile']);
    const after = plan.changes[0]?.after ?? '';
    expect(after).toContain('RUN addgroup -S -g 1500 svc && adduser -S -u 1500 -G svc svc\nUSER svc\nCMD');
    expect(distroMismatches(parseDockerfile(after))).toEqual([]);
  });
});

function isRoot(user: string | null): boolean {
  return user === null || /^(root|0)(:|$)/.test(user);
}

describe('usersCreatedBy: the group a created user\'s files are handed to (review8 R4)', () => {
  const groupOf = (run: string) => {
    const parsed = parseDockerfile(`FROM node:20-alpine\n${run}\n`);
    return usersCreatedBy(parsed, parsed.stages[0]?.instructions ?? []).users.map((u) => [u.name, u.group]);
  };
  it('busybox/Debian adduser --system without a group: nogroup (no group of the user\'s name exists)', () => {
    expect(groupOf('RUN adduser --system --uid 1001 nextjs')).toEqual([['nextjs', 'nogroup']]);
    expect(groupOf('RUN addgroup --system --gid 1001 nodejs\nRUN adduser --system --uid 1001 nextjs')).toEqual([['nextjs', 'nogroup']]);
    expect(groupOf('RUN adduser -DS app')).toEqual([['app', 'nogroup']]);
  });
  it('a group the command names, Debian\'s --group, or a group of the user\'s name the same instructions create', () => {
    expect(groupOf('RUN adduser -S -G nodejs nextjs')).toEqual([['nextjs', 'nodejs']]);
    expect(groupOf('RUN adduser --system --ingroup app app')).toEqual([['app', 'app']]);
    expect(groupOf('RUN adduser --system --group app')).toEqual([['app', 'app']]);
    expect(groupOf('RUN addgroup -g 1001 -S nodejs && adduser -S nodejs -u 1001')).toEqual([['nodejs', 'nodejs']]);
  });
  it('a non-system adduser and useradd create a group of the user\'s name (null: the user\'s own)', () => {
    expect(groupOf('RUN adduser -D app')).toEqual([['app', null]]);
    expect(groupOf('RUN useradd --system --uid 1001 app')).toEqual([['app', null]]);
  });
});
