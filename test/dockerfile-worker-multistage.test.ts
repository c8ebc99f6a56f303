/**
 * dockerfile-worker-multistage on the whole kodingcaravan sample (seeds 000-002): the five workers
 * become multi-stage pnpm builds that pass the static build check, and the refusals that keep the
 * whole-file rewrite conservative.
 */
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDockerfileBuild, deployedImage, nodeScript } from '../src/check/build/index.js';
import { deployedStage, dockerfileProblems, isRootUser, parseDockerfile } from '../src/repo/dockerfile.js';
import { instructionWords } from '../src/dockerfile/shell.js';
import { dockerfileWorkerMultistage } from '../transforms/dockerfile-worker-multistage.js';
import { TRANSFORMS } from '../transforms/index.js';
import { applyPlan, findingsOf, modelOf, planTree, readTree, type Tree } from './helpers/repo.js';

const KC = join(import.meta.dirname, '..', 'fixtures', 'kodingcaravan');
const WORKERS = ['session-worker', 'notification-worker', 'purchase-worker', 'cache-worker', 'allocation-worker'];
const dockerfileOf = (w: string) => `services/${w}/Dockerfile`;

function cmdAndWorkdir(text: string): { cmd: string; workdir: string } {
  const parsed = parseDockerfile(text);
  const stage = deployedStage(parsed);
  const chain = [...parsed.stages.slice(0, (stage?.index ?? 0) + 1)];
  const cmd = stage?.instructions.filter((i) => i.keyword === 'CMD').pop()?.args ?? '';
  let workdir = '/';
  // The runtime stage starts from an image, so only its own WORKDIRs count (single-stage: the only stage).
  for (const ins of (chain[chain.length - 1]?.instructions ?? [])) if (ins.keyword === 'WORKDIR') workdir = posix.resolve(workdir, ins.args.trim());
  return { cmd, workdir };
}

describe('dockerfile-worker-multistage on fixtures/kodingcaravan', () => {
  const tree = readTree(KC);
  const { repo, plan } = planTree(tree, [dockerfileWorkerMultistage]);
  const after = applyPlan(tree, plan);

  it('rewrites exactly the five worker Dockerfiles and never an HTTP service', () => {
    expect(plan.changes.map((c) => c.path).sort()).toEqual(WORKERS.map(dockerfileOf).sort());
    expect(plan.failures).toEqual([]);
    for (const svc of repo.services.filter((s) => s.role === 'http' && s.dockerfile)) {
      expect(dockerfileWorkerMultistage.appliesTo(svc.dockerfile as string, repo)).toBe(false);
      const result = dockerfileWorkerMultistage.run({ path: svc.dockerfile as string, text: tree.get(svc.dockerfile as string) as string, repo, options: {}, read: () => null });
      expect(result.edits).toEqual([]);
    }
  });

  for (const worker of WORKERS) {
    it(`${worker}: multi-stage pnpm, frozen lockfile, non-root, same CMD, passes the build check`, () => {
      const path = dockerfileOf(worker);
      const before = tree.get(path) as string;
      const text = after.get(path) as string;
      expect(dockerfileProblems(text)).toEqual([]);
      const parsed = parseDockerfile(text);
      expect(parsed.stages.length).toBeGreaterThanOrEqual(4);
      expect(parsed.stages.map((s) => s.name)).toEqual(expect.arrayContaining(['base', 'deps', 'builder', 'runtime']));
      const runtime = deployedStage(parsed);
      expect(runtime?.name).toBe('runtime');
      expect(isRootUser(runtime?.user ?? null)).toBe(false);
      expect(runtime?.user).toBe('nodejs'); // the repo's convention (nodejs:1001)
      expect(runtime?.instructions.some((i) => i.keyword === 'HEALTHCHECK' || i.keyword === 'EXPOSE')).toBe(false);

      // pnpm-lock.yaml is copied into the stage that installs with --frozen-lockfile; npm installs nothing.
      const deps = parsed.stages.find((s) => s.name === 'deps');
      expect(deps?.instructions.some((i) => i.keyword === 'COPY' && /\bpnpm-lock\.yaml\b/.test(i.args))).toBe(true);
      expect(deps?.instructions.some((i) => i.keyword === 'RUN' && /pnpm install --frozen-lockfile/.test(i.args))).toBe(true);
      expect(text).not.toMatch(/\bnpm (?:install|i|ci)\b(?! -g pnpm@)|--legacy-peer-deps|pnpm@latest|prune/);
      expect(text).toMatch(/pnpm@8\.15\.0/);

      // Same command from the same directory as before.
      expect(cmdAndWorkdir(text)).toEqual(cmdAndWorkdir(before));
      const finalCmd = deployedStage(parsed)?.instructions.filter((i) => i.keyword === 'CMD').pop();
      expect(finalCmd && nodeScript(instructionWords(parsed, finalCmd).words.map((w) => w.value))).toBe('dist/index.js');

      const service = repo.services.find((s) => s.dockerfile === path);
      expect(checkDockerfileBuild(text, repo, { path, service })).toEqual([]);
      // The entry file in the image is the worker's own build output.
      const image = deployedImage(text, repo, { path, service });
      expect(image.lookup(`/app/services/${worker}/dist/index.js`)).toMatchObject({ kind: 'produced', rel: `services/${worker}/dist/index.js` });
      expect(image.lookup('/app/shared/dist/index.js')).toMatchObject({ kind: 'produced', rel: 'shared/dist/index.js' });
      expect(image.lookup('/app/shared/package.json')).toMatchObject({ rel: 'shared/package.json' });
    });
  }

  it("allocation-worker's runtime image has admin-service's build where its code imports it", () => {
    const path = dockerfileOf('allocation-worker');
    const source = tree.get('services/allocation-worker/src/index.ts') as string;
    const spec = /import\(\s*['"](\.\.\/\.\.\/admin-service\/dist\/[^'"]+)['"]\s*\)/.exec(source)?.[1];
    expect(spec).toBeDefined();
    const text = after.get(path) as string;
    const service = repo.services.find((s) => s.dockerfile === path);
    const image = deployedImage(text, repo, { path, service });
    // Node resolves the import relative to the compiled file, dist/index.js under the CMD's WORKDIR.
    const entry = posix.join(image.cmdWorkdir ?? '/', 'dist/index.js');
    const target = posix.join(posix.dirname(entry), `${spec}.js`);
    expect(target).toBe('/app/services/admin-service/dist/services/allocation.service.js');
    expect(image.lookup(target)).toMatchObject({ kind: 'produced', rel: 'services/admin-service/dist/services/allocation.service.js' });
    // ...and admin-service's own dependencies are installed beside it (its manifest is in prod-deps).
    expect(image.lookup('/app/services/admin-service/node_modules')).toMatchObject({ kind: 'produced' });
    expect(text).toMatch(/pnpm --filter @kodingcaravan\/shared build\n.*pnpm --filter @kodingcaravan\/admin-service build\n.*pnpm --filter @kodingcaravan\/allocation-worker build/);
  });

  it('a second run changes nothing, alone or with every transform', () => {
    expect(planTree(after, [dockerfileWorkerMultistage]).plan.changes).toEqual([]);
    const all = planTree(after, TRANSFORMS.filter((t) => t.kinds.includes('dockerfile'))).plan;
    expect(all.changes.filter((c) => c.path.includes('-worker/'))).toEqual([]);
  });

  it('says what to verify on every rewrite', () => {
    for (const change of plan.changes) {
      expect(change.findings.filter((f) => f.severity === 'warning').map((f) => f.code)).toContain('ECS162');
      expect(change.findings.filter((f) => f.code === 'ECS160').map((f) => f.fixedBy)).toEqual(['dockerfile-worker-multistage']);
    }
  });
});

/** A minimal pnpm monorepo with one npm-built worker; `edit` adjusts it per test. */
function tinyRepo(edit: (tree: Tree) => void = () => {}): Tree {
  const tree: Tree = new Map([
    ['package.json', JSON.stringify({ name: 'root', private: true, packageManager: 'pnpm@9.4.0' })],
    ['pnpm-workspace.yaml', 'packages:\n  - libs/*\n  - workers/*\n'],
    ['pnpm-lock.yaml', "lockfileVersion: '9.0'\n"],
    ['libs/core/package.json', JSON.stringify({ name: '@t/core', main: 'dist/index.js', scripts: { build: 'tsc' } })],
    ['libs/core/src/index.ts', 'export const x = 1;\n'],
    ['workers/mailer/package.json', JSON.stringify({ name: '@t/mailer', main: 'dist/index.js', scripts: { build: 'tsc' }, dependencies: { '@t/core': 'workspace:*' } })],
    ['workers/mailer/src/index.ts', "import { x } from '@t/core';\nconsumer.run({ eachMessage: async () => x });\n"],
    [
      'workers/mailer/Dockerfile',
      'FROM node:20-alpine\nWORKDIR /app\nCOPY package*.json ./\nCOPY libs ./libs\nCOPY workers/mailer ./workers/mailer\nRUN npm install\nRUN npm run build -w libs/core && npm run build -w workers/mailer\nWORKDIR /app/workers/mailer\nCMD ["node", "dist/index.js"]\n',
    ],
    ['compose.yaml', 'services:\n  mailer:\n    build:\n      context: .\n      dockerfile: workers/mailer/Dockerfile\n'],
  ]);
  edit(tree);
  syncLockfile(tree);
  return tree;
}

/**
 * Records every workspace project of the tree in pnpm-lock.yaml's importers, as `pnpm install` would
 * (the header the test set is kept): a frozen install refuses a lockfile that misses one.
 */
function syncLockfile(tree: Tree): void {
  const lock = tree.get('pnpm-lock.yaml');
  if (lock === undefined || /^importers:\s*\n\s+\S/m.test(lock)) return;
  const importers = [...tree.keys()]
    .filter((f) => f.endsWith('package.json'))
    .map((f) => {
      const dir = f === 'package.json' ? '.' : f.slice(0, -'/package.json'.length);
      const deps = (JSON.parse(tree.get(f) ?? '{}') as { dependencies?: Record<string, string> }).dependencies ?? {};
      const entries = Object.entries(deps).map(([name, spec]) => `      '${name}':\n        specifier: ${spec}\n        version: ${spec.startsWith('workspace:') ? 'link:x' : spec.replace(/^[\^~]/, '')}`);
      return entries.length ? `  ${dir}:\n    dependencies:\n${entries.join('\n')}` : `  ${dir}: {}`;
    });
  tree.set('pnpm-lock.yaml', lock.replace(/^importers:.*$/m, '') + `importers:\n${importers.join('\n')}\n`);
}

function runOn(tree: Tree, options = {}) {
  const repo = modelOf(tree);
  const path = 'workers/mailer/Dockerfile';
  return dockerfileWorkerMultistage.run({ path, text: tree.get(path) as string, repo, options, read: () => null });
}

describe('dockerfile-worker-multistage keeps what the original built on purpose', () => {
  it('a package the original copied and built by name although the worker does not declare it', () => {
    const tree = tinyRepo((t) => {
      t.set('libs/reports/package.json', JSON.stringify({ name: '@t/reports', main: 'dist/index.js', scripts: { build: 'tsc' }, dependencies: { '@t/core': 'workspace:*' } }));
      t.set('libs/reports/src/render.ts', 'export const render = () => 1;\n');
      t.set('libs/other/package.json', JSON.stringify({ name: '@t/other', main: 'dist/index.js', scripts: { build: 'tsc' } }));
      t.set(
        'workers/mailer/Dockerfile',
        'FROM node:20-alpine\nWORKDIR /app\nCOPY package*.json ./\nCOPY libs/core ./libs/core\nCOPY libs/reports ./libs/reports\nCOPY workers/mailer ./workers/mailer\nRUN npm install\n' +
          'RUN npm run build -w libs/core && npm run build -w libs/reports && npm run build -w workers/mailer\nWORKDIR /app/workers/mailer\nCMD ["node", "dist/index.js"]\n',
      );
    });
    const result = runOn(tree);
    const text = result.edits[0]?.text ?? '';
    expect(text).toMatch(/pnpm --filter @t\/core build\n.*pnpm --filter @t\/reports build\n.*pnpm --filter @t\/mailer build/);
    expect(text).toContain('COPY --from=builder /app/libs/reports/dist ./libs/reports/dist');
    expect(text).not.toContain('@t/other');
    expect(result.findings.map((f) => f.code)).toContain('ECS163');
    const repo = modelOf(tree);
    const image = deployedImage(text, repo, { path: 'workers/mailer/Dockerfile' });
    // dist/index.js importing '../../../libs/reports/dist/render' still lands on the built file.
    expect(image.lookup(posix.join(image.cmdWorkdir ?? '/', 'dist', '../../../libs/reports/dist/render.js'))).toMatchObject({ kind: 'produced' });
  });
});

describe('dockerfile-worker-multistage on a plain JavaScript worker', () => {
  it('with nothing to build, writes no deps/builder stages nothing would copy from', () => {
    const tree = tinyRepo((t) => {
      t.set('libs/core/package.json', JSON.stringify({ name: '@t/core', main: 'src/index.js' }));
      t.delete('libs/core/src/index.ts');
      t.set('libs/core/src/index.js', 'exports.x = 1;\n');
      t.set('workers/mailer/package.json', JSON.stringify({ name: '@t/mailer', main: 'src/index.js', dependencies: { '@t/core': 'workspace:*' } }));
      t.delete('workers/mailer/src/index.ts');
      t.set('workers/mailer/src/index.js', "const { x } = require('@t/core');\nconsumer.run({ eachMessage: async () => x });\n");
      t.set('workers/mailer/Dockerfile', 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "workers/mailer/src/index.js"]\n');
    });
    const result = runOn(tree);
    const text = result.edits[0]?.text ?? '';
    expect(result.findings.filter((f) => f.code === 'ECS161').map((f) => f.message)).toEqual([]);
    const stages = parseDockerfile(text).stages.map((s) => s.name);
    expect(stages).toEqual(['base', 'prod-deps', 'runtime']);
    expect(text).not.toMatch(/--from=(?:builder|deps)\b/);
    expect(dockerfileProblems(text)).toEqual([]);
  });

  it('copies sources that have no build step and runs them as before', () => {
    const tree = tinyRepo((t) => {
      t.set('workers/mailer/package.json', JSON.stringify({ name: '@t/mailer', main: 'src/index.js', dependencies: { '@t/core': 'workspace:*' } }));
      t.delete('workers/mailer/src/index.ts');
      t.set('workers/mailer/src/index.js', "const { x } = require('@t/core');\nconsumer.run({ eachMessage: async () => x });\n");
      t.set(
        'workers/mailer/Dockerfile',
        'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY . .\nRUN npm install && npm run build -w libs/core\nCMD ["node", "workers/mailer/src/index.js"]\n',
      );
    });
    const result = runOn(tree);
    const text = result.edits[0]?.text ?? '';
    expect(text).toContain('RUN pnpm --filter @t/core build');
    expect(text).not.toContain('pnpm --filter @t/mailer build');
    expect(text).toContain('# @t/mailer has no build step: its sources are what runs\nCOPY workers/mailer ./workers/mailer');
    expect(text).toMatch(/\nUSER node\nCMD \["node", "workers\/mailer\/src\/index\.js"\]\n$/);
    const repo = modelOf(tree);
    expect(checkDockerfileBuild(text, repo, { path: 'workers/mailer/Dockerfile' })).toEqual([]);
  });
});

describe('dockerfile-worker-multistage next to an HTTP sibling that installs and builds in one stage', () => {
  it('uses distinct stage names instead of copying the sibling\'s single "build" stage twice', () => {
    const tree = tinyRepo((t) => {
      t.set('apps/api/package.json', JSON.stringify({ name: '@t/api', main: 'dist/main.js', dependencies: { '@t/core': 'workspace:*' } }));
      t.set('apps/api/src/main.ts', "app.get('/health', h);\napp.listen(process.env.PORT ?? 4000);\n");
      t.set('pnpm-workspace.yaml', 'packages:\n  - libs/*\n  - workers/*\n  - apps/*\n');
      t.set(
        'Dockerfile.api',
        'FROM node:20-slim AS base\nRUN corepack enable\n\nFROM base AS build\nWORKDIR /usr/src/app\nCOPY . .\nRUN pnpm install --frozen-lockfile\nRUN pnpm --filter @t/api... build\nRUN pnpm deploy --filter=@t/api --prod /prod/api\n\nFROM base AS api\nCOPY --from=build /prod/api /prod/api\nWORKDIR /prod/api\nCMD ["node", "dist/main.js"]\n',
      );
      t.set('compose.yaml', `${t.get('compose.yaml')}  api:\n    build: { context: ., dockerfile: Dockerfile.api, target: api }\n    ports: ["4000:4000"]\n`);
    });
    const result = runOn(tree);
    const text = result.edits[0]?.text ?? '';
    expect(result.findings.map((f) => f.code)).not.toContain('ECS161');
    expect(dockerfileProblems(text)).toEqual([]);
    const names = parseDockerfile(text).stages.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('dockerfile-worker-multistage refuses what it cannot rewrite safely', () => {
  it('rewrites the tiny repo (the baseline the refusals below depart from)', () => {
    const result = runOn(tinyRepo());
    expect(result.edits).toHaveLength(1);
    expect(result.edits[0]?.text).toContain('pnpm --filter @t/core build');
    expect(result.edits[0]?.text).toContain('USER node'); // no repo convention: the image's own non-root user
  });

  it('a build context that is not the repo root', () => {
    const result = runOn(tinyRepo((t) => t.set('compose.yaml', 'services:\n  mailer:\n    build: ./workers/mailer\n')));
    expect(result.edits).toEqual([]);
    expect(result.findings.map((f) => f.code)).toEqual(['ECS161']);
  });

  it('a repo without pnpm-lock.yaml', () => {
    const result = runOn(tinyRepo((t) => t.delete('pnpm-lock.yaml')));
    expect(result.edits).toEqual([]);
    expect(result.findings.map((f) => f.code)).toEqual(['ECS161']);
  });

  it('a base image that is not node with a shell', () => {
    const result = runOn(tinyRepo((t) => t.set('workers/mailer/Dockerfile', (t.get('workers/mailer/Dockerfile') as string).replace('node:20-alpine', 'gcr.io/distroless/nodejs20-debian12'))));
    expect(result.edits).toEqual([]);
    expect(result.findings.map((f) => f.code)).toEqual(['ECS161']);
  });

  it('a pnpm-lock.yaml with no importer for the worker (a frozen install would fail)', () => {
    const tree = tinyRepo();
    tree.set('pnpm-lock.yaml', "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  libs/core: {}\n");
    const result = runOn(tree);
    expect(result.edits).toEqual([]);
    expect(result.findings.map((f) => f.code)).toEqual(['ECS161']);
  });

  it('no pnpm version anywhere, unless --pnpm-version gives one', () => {
    const noVersion = (t: Tree) => {
      t.set('package.json', JSON.stringify({ name: 'root', private: true }));
      t.set('pnpm-lock.yaml', 'importers: {}\n');
    };
    const refused = runOn(tinyRepo(noVersion));
    expect(refused.edits).toEqual([]);
    expect(refused.findings.map((f) => f.code)).toEqual(['ECS134']);
    const pinned = runOn(tinyRepo(noVersion), { pnpmVersion: '9.1.2' });
    expect(pinned.edits[0]?.text).toContain('pnpm@9.1.2');
  });

  it('a RUN step it cannot place', () => {
    const result = runOn(tinyRepo((t) => t.set('workers/mailer/Dockerfile', (t.get('workers/mailer/Dockerfile') as string).replace('RUN npm install\n', 'RUN npm install\nRUN curl -o geo.mmdb https://example.invalid/geo\n'))));
    expect(result.edits).toEqual([]);
    expect(result.findings).toEqual([expect.objectContaining({ code: 'ECS161', severity: 'warning', line: 7 })]);
  });

  it('a file with a non-default escape character', () => {
    const result = runOn(tinyRepo((t) => t.set('workers/mailer/Dockerfile', '# escape=`\n' + (t.get('workers/mailer/Dockerfile') as string))));
    expect(result.edits).toEqual([]);
    expect(result.findings.map((f) => f.code)).toEqual(['ECS161']);
  });

  it('a worker that is not a workspace package', () => {
    const result = runOn(tinyRepo((t) => t.set('pnpm-workspace.yaml', 'packages:\n  - libs/*\n')));
    expect(result.edits).toEqual([]);
    expect(result.findings.map((f) => f.code)).toEqual(['ECS161']);
  });

  it('an image that moves packages out of the repo layout', () => {
    const result = runOn(tinyRepo((t) => t.set('workers/mailer/Dockerfile', (t.get('workers/mailer/Dockerfile') as string).replace('COPY workers/mailer ./workers/mailer', 'COPY workers/mailer ./mailer'))));
    expect(result.edits).toEqual([]);
    expect(result.findings.map((f) => f.code)).toEqual(['ECS161']);
  });
});

describe('dockerfile-worker-multistage in a repo without pnpm', () => {
  // review6 R10: the rewrite is for pnpm monorepos; an npm repo's worker gets no refusal to read.
  it('an npm workspaces repo with a standalone npm worker outside the workspace globs: no change, no finding (no ECS161)', () => {
    const tree = readTree(join(import.meta.dirname, '..', 'fixtures', 'transforms', 'dockerfile-worker-multistage', 'npm-repo-standalone-worker', 'before'));
    const { repo, plan } = planTree(tree, [dockerfileWorkerMultistage]);
    expect(repo.services.find((s) => s.name === 'notifier')?.role).toBe('worker');
    expect(plan.changes).toEqual([]);
    expect(findingsOf(plan)).toEqual([]);
  });
});
