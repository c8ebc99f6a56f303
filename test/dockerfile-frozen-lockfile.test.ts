/**
 * dockerfile-frozen-lockfile on whole repos: the kodingcaravan sample (issue 3's check:
 * notification-service ends frozen, the four npm workers are reported for
 * dockerfile-worker-multistage, a second run changes nothing, everything still parses), and
 * in-memory repos for the install shapes that must be left alone or reported.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileProblems, parseDockerfile } from '../src/repo/dockerfile.js';
import { dockerfileFrozenLockfile } from '../transforms/dockerfile-frozen-lockfile.js';
import { runCommands } from '../src/dockerfile/shell.js';
import { applyPlan, findingsOf, planTree, readTree, type Tree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const freeze = (tree: Tree) => planTree(tree, [dockerfileFrozenLockfile]).plan;

describe('kodingcaravan', () => {
  const tree = readTree(join(FIXTURES, 'kodingcaravan'));
  const plan = freeze(tree);
  const after = applyPlan(tree, plan);
  const HTTP = ['api-gateway', 'student-auth-service', 'trainer-auth-service', 'student-service', 'trainer-service', 'course-service', 'notification-service', 'payment-service', 'chat-service', 'analytics-service', 'admin-service', 'booking-service'];
  const NPM_WORKERS = ['notification-worker', 'purchase-worker', 'session-worker', 'cache-worker'];

  it('notification-service installs with --frozen-lockfile; the comment that asked otherwise is replaced, with a warning', () => {
    const path = 'services/notification-service/Dockerfile';
    const text = after.get(path) ?? '';
    expect(text).toMatch(/^RUN pnpm install --frozen-lockfile$/m);
    expect(text).not.toMatch(/^RUN pnpm install$/m);
    expect(text).not.toContain('no frozen-lockfile');
    expect(text).toContain('# Install exactly what pnpm-lock.yaml pins');
    const warnings = findingsOf(plan, path).filter((f) => f.severity === 'warning');
    expect(warnings).toEqual([expect.objectContaining({ code: 'ECS141', line: 39, fixedBy: 'dockerfile-frozen-lockfile' })]);
    // Only the comment line and the install line changed.
    const before = (tree.get(path) ?? '').split('\n');
    expect(text.split('\n').filter((l, i) => l !== before[i])).toHaveLength(2);
  });

  it('every pnpm image (12 HTTP services and allocation-worker) installs frozen; the lockfile was already copied', () => {
    for (const name of [...HTTP, 'allocation-worker']) {
      const text = after.get(`services/${name}/Dockerfile`) ?? '';
      expect(text, name).toMatch(/pnpm install --frozen-lockfile/);
      expect(text.match(/^COPY .*pnpm-lock\.yaml/gm), name).toEqual((tree.get(`services/${name}/Dockerfile`) ?? '').match(/^COPY .*pnpm-lock\.yaml/gm));
    }
    expect(plan.changes).toHaveLength(13);
  });

  it('the four npm workers are reported as needing dockerfile-worker-multistage, not patched', () => {
    for (const name of NPM_WORKERS) {
      const path = `services/${name}/Dockerfile`;
      expect(after.get(path), name).toBe(tree.get(path));
      expect(findingsOf(plan, path).map((f) => [f.code, f.severity, f.fixedBy]), name).toEqual([['ECS145', 'warning', 'dockerfile-worker-multistage']]);
    }
  });

  it('review8 R17: a worker the rewrite refuses (build context not the repo root) is not pointed at dockerfile-worker-multistage', () => {
    const moved = new Map(tree);
    const compose = tree.get('docker-compose.yml') ?? '';
    moved.set('docker-compose.yml', compose.replace('      context: .\n      dockerfile: services/notification-worker/Dockerfile', '      context: ./services/notification-worker\n      dockerfile: Dockerfile'));
    expect(moved.get('docker-compose.yml')).not.toBe(compose);
    const path = 'services/notification-worker/Dockerfile';
    const findings = findingsOf(planTree(moved, [dockerfileFrozenLockfile]).plan, path);
    expect(findings.map((f) => [f.code, f.severity, f.fixedBy])).toEqual([['ECS145', 'warning', undefined]]);
    // The other workers still build from the root: the rewrite applies to them.
    expect(findingsOf(planTree(moved, [dockerfileFrozenLockfile]).plan, 'services/purchase-worker/Dockerfile').map((f) => f.fixedBy)).toEqual(['dockerfile-worker-multistage']);
  });

  it('the runtime-stage npm installs (no lockfile by design) are left with an info note', () => {
    const findings = findingsOf(plan, 'services/api-gateway/Dockerfile');
    expect(findings.filter((f) => f.severity === 'info' && f.code === 'ECS146')).toHaveLength(1);
    expect(after.get('services/api-gateway/Dockerfile')).toMatch(/npm install --omit=dev/);
  });

  it('every changed Dockerfile parses and a second run changes nothing', () => {
    for (const change of plan.changes) expect(dockerfileProblems(change.after), change.path).toEqual([]);
    expect(plan.failures).toEqual([]);
    expect(freeze(after).changes).toEqual([]);
  });
});

/** A one-service repo built from the root (compose context '.'). */
function single(dockerfile: string, extra: Record<string, string> = {}): Tree {
  return new Map([
    ['package.json', '{ "name": "api", "main": "src/index.js" }\n'],
    ['src/index.js', "require('http').createServer(() => {}).listen(3000);\n"],
    ['docker-compose.yml', 'services:\n  api:\n    build: .\n    ports:\n      - "3000:3000"\n'],
    ['Dockerfile', dockerfile],
    ...Object.entries(extra),
  ]);
}
const NPM_LOCK = { 'package-lock.json': '{ "lockfileVersion": 3 }\n' };
const PNPM_LOCK = { 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" };

describe('install shapes', () => {
  it.each([
    ['npm install <pkg> installs a named package', 'RUN npm install express@4'],
    ['npm ci already', 'RUN npm ci --omit=dev'],
    ['a global npm install', 'RUN npm i -g typescript'],
    ['npm run build', 'RUN npm run build'],
  ])('%s: left alone', (_what, run) => {
    const plan = freeze(single(`FROM node:20-alpine\nWORKDIR /app\nCOPY package*.json ./\n${run}\nCMD ["node", "src/index.js"]\n`, NPM_LOCK));
    expect(plan.changes).toEqual([]);
    expect(plan.findings).toEqual([]);
  });

  it('npm i with flags in a chain becomes npm ci, flags kept', () => {
    const plan = freeze(single('FROM node:20-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm i --omit=dev --legacy-peer-deps && npm cache clean --force\nCMD ["node", "src/index.js"]\n', NPM_LOCK));
    expect(plan.changes[0]?.after).toContain('RUN npm ci --omit=dev --legacy-peer-deps && npm cache clean --force\n');
  });

  it('an install in another directory (cd in the RUN) looks for the lockfile there', () => {
    const file = 'FROM node:20-alpine\nWORKDIR /srv\nCOPY package.json ./app/\nRUN cd app && npm install\nCMD ["node", "app/src/index.js"]\n';
    const plan = freeze(single(file, NPM_LOCK));
    expect(plan.changes[0]?.after).toBe(file.replace('COPY package.json ./app/', 'COPY package.json package-lock.json ./app/').replace('npm install', 'npm ci'));
  });

  it('exec-form COPY gets the lockfile as a JSON string', () => {
    const file = 'FROM node:20-alpine\nWORKDIR /app\nCOPY ["package.json", "./"]\nRUN ["npm", "install"]\nCMD ["node", "src/index.js"]\n';
    const plan = freeze(single(file, NPM_LOCK));
    expect(plan.changes[0]?.after).toBe(file.replace('["package.json", "./"]', '["package.json", "package-lock.json", "./"]').replace('["npm", "install"]', '["npm", "ci"]'));
  });

  it('pnpm: --prod kept, the lockfile copied, in lower-case keyword files too', () => {
    const file = 'from node:20-alpine\nrun corepack enable\nworkdir /app\ncopy package.json ./\nrun pnpm install --prod\ncmd ["node", "src/index.js"]\n';
    const plan = freeze(single(file, PNPM_LOCK));
    expect(plan.changes[0]?.after).toBe(file.replace('copy package.json ./', 'copy package.json pnpm-lock.yaml ./').replace('pnpm install --prod', 'pnpm install --frozen-lockfile --prod'));
  });

  it('a COPY from a variable path: cannot tell whether the lockfile is there, reported', () => {
    const plan = freeze(single('FROM node:20-alpine\nARG APP=.\nWORKDIR /app\nCOPY ${APP}/ ./\nRUN npm install\nCMD ["node", "src/index.js"]\n', NPM_LOCK));
    expect(plan.changes).toEqual([]);
    expect(findingsOf(plan, 'Dockerfile').map((f) => [f.code, f.line])).toEqual([['ECS144', 5]]);
  });

  it('an install with no package.json copied before it is reported with the reason', () => {
    const plan = freeze(single('FROM node:20-alpine\nWORKDIR /app\nRUN pnpm install\nCOPY . .\nCMD ["node", "src/index.js"]\n', PNPM_LOCK));
    expect(plan.changes).toEqual([]);
    expect(findingsOf(plan, 'Dockerfile').map((f) => [f.code, f.line])).toEqual([['ECS147', 3]]);
  });

  it('COPY . . brings the lockfile: only the install changes', () => {
    const file = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN pnpm i\nCMD ["node", "src/index.js"]\n';
    expect(freeze(single(file, PNPM_LOCK)).changes[0]?.after).toBe(file.replace('pnpm i\n', 'pnpm i --frozen-lockfile\n'));
  });

  it('the lockfile COPY is added once when two installs need it', () => {
    const file = 'FROM node:20-alpine AS a\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nFROM a AS b\nRUN npm install --omit=dev\nCMD ["node", "src/index.js"]\n';
    const out = freeze(single(file, NPM_LOCK)).changes[0]?.after ?? '';
    expect(out.match(/package-lock\.json/g)).toHaveLength(1);
    expect(out.match(/npm ci/g)).toHaveLength(2);
  });

  it('an unrelated comment above the install is kept as is', () => {
    const file = 'FROM node:20-alpine\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\n# all deps: dev deps are needed for tsc\nRUN pnpm install\nCMD ["node", "src/index.js"]\n';
    const plan = freeze(single(file, PNPM_LOCK));
    expect(plan.changes[0]?.after).toBe(file.replace('RUN pnpm install\n', 'RUN pnpm install --frozen-lockfile\n'));
    expect(findingsOf(plan, 'Dockerfile').every((f) => f.severity === 'info')).toBe(true);
  });
});

describe('RUN words', () => {
  it('joins continuations, drops comment lines inside them and splits on && ; |', () => {
    const parsed = parseDockerfile('FROM node:20\nRUN --mount=type=cache,target=/root/.npm \\\n    # deps\n    npm ci && \\\n    echo "a b" | tee x; npm run build\n');
    const run = parsed.instructions[1];
    expect(run && runCommands(parsed, run).map((c) => c.words.map((w) => w.value))).toEqual([['npm', 'ci'], ['echo', 'a b'], ['tee', 'x'], ['npm', 'run', 'build']]);
  });
});

describe('yarn 2+ (berry) workspace: --immutable is enforced, so a stale yarn.lock is ECS154, not a flag suggestion', () => {
  // Written by yarn 4.5.3 (`nodeLinker: node-modules`) for services/a depending on is-number@^7.0.0;
  // adding left-pad to services/a without `yarn install` makes `yarn install --immutable` fail (YN0028).
  const BERRY = "# This file is generated by running \"yarn install\" inside your project.\n# Manual changes might be lost - proceed with caution!\n\n__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"a@workspace:services/a\":\n  version: 0.0.0-use.local\n  resolution: \"a@workspace:services/a\"\n  dependencies:\n    is-number: \"npm:^7.0.0\"\n  languageName: unknown\n  linkType: soft\n\n\"is-number@npm:^7.0.0\":\n  version: 7.0.0\n  resolution: \"is-number@npm:7.0.0\"\n  checksum: 10c0/b4686d0d3053146095ccd45346461bc8e53b80aeb7671cc52a4de02dbbf7dc0d1d2a986e2fe4ae206984b4d34ef37e8b795ebc4f4295c978373e6575e295d811\n  languageName: node\n  linkType: hard\n\n\"root@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"root@workspace:.\"\n  languageName: unknown\n  linkType: soft\n";
  const tree = (deps: Record<string, string>): Tree =>
    new Map([
      ['package.json', JSON.stringify({ name: 'root', private: true, workspaces: ['services/*'], packageManager: 'yarn@4.5.3' })],
      ['.yarnrc.yml', 'nodeLinker: node-modules\n'],
      ['yarn.lock', BERRY],
      ['services/a/package.json', JSON.stringify({ name: 'a', version: '1.0.0', main: 'index.js', dependencies: deps })],
      ['services/a/index.js', "require('is-number');\nsetInterval(() => {}, 1000);\n"],
      ['services/a/Dockerfile', 'FROM node:20-slim\nWORKDIR /app\nCOPY package.json yarn.lock .yarnrc.yml ./\nCOPY services/a/package.json services/a/\nRUN corepack enable && yarn install\nCOPY services/a services/a\nCMD ["node", "services/a/index.js"]\n'],
      ['docker-compose.yml', 'services:\n  a:\n    build:\n      context: .\n      dockerfile: services/a/Dockerfile\n'],
    ]);
  const codes = (deps: Record<string, string>) => findingsOf(freeze(tree(deps)), 'services/a/Dockerfile').map((f) => `${f.code}:${f.line}`);
  it('in sync: the flags are suggested (ECS142); a dependency yarn.lock has no entry for: ECS154', () => {
    expect(codes({ 'is-number': '^7.0.0' })).toEqual(['ECS142:5']);
    expect(codes({ 'is-number': '^7.0.0', 'left-pad': '^1.3.0' })).toEqual(['ECS154:5']);
  });
});
