/**
 * dockerfile-pnpm-pin on whole repos: the kodingcaravan sample (issue 3's check), and in-memory
 * repos for the order the version is chosen in (--pnpm-version, packageManager, the other
 * Dockerfiles without the file being changed, lockfileVersion) and the installs that are left alone.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileProblems, parseDockerfile } from '../src/repo/dockerfile.js';
import type { TransformOptions } from '../src/transform.js';
import { dockerfilePnpmPin } from '../transforms/dockerfile-pnpm-pin.js';
import { classifySpec, pnpmInstalls } from '../transforms/lib/pnpm-version.js';
import { applyPlan, findingsOf, planTree, readTree, type Tree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const pin = (tree: Tree, options: TransformOptions = {}) => planTree(tree, [dockerfilePnpmPin], options).plan;
const codesOf = (plan: ReturnType<typeof pin>, path: string) => findingsOf(plan, path).map((f) => f.code);

const API_JS = "require('express')().listen(process.env.PORT || 3000);\n";

/** A small pnpm workspace: root files plus one service per Dockerfile given. */
function repo(opts: { packageManager?: string; lockfileVersion?: string; dockerfiles: Record<string, string> }): Tree {
  const tree: Tree = new Map();
  tree.set('package.json', JSON.stringify({ name: 'r', private: true, ...(opts.packageManager ? { packageManager: opts.packageManager } : {}) }, null, 2) + '\n');
  tree.set('pnpm-workspace.yaml', "packages:\n  - 'services/*'\n");
  if (opts.lockfileVersion) tree.set('pnpm-lock.yaml', `lockfileVersion: '${opts.lockfileVersion}'\n`);
  let compose = 'services:\n';
  let port = 3000;
  for (const [name, dockerfile] of Object.entries(opts.dockerfiles)) {
    tree.set(`services/${name}/Dockerfile`, dockerfile);
    tree.set(`services/${name}/package.json`, JSON.stringify({ name: `@r/${name}`, main: 'dist/index.js' }) + '\n');
    tree.set(`services/${name}/src/index.js`, API_JS);
    compose += `  ${name}:\n    build:\n      context: .\n      dockerfile: services/${name}/Dockerfile\n    ports:\n      - "${port}:3000"\n`;
    port++;
  }
  tree.set('docker-compose.yml', compose);
  return tree;
}

const df = (install: string) => `FROM node:20-alpine\n${install}\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile\nCMD ["node", "dist/index.js"]\n`;

describe('kodingcaravan', () => {
  const tree = readTree(join(FIXTURES, 'kodingcaravan'));
  const plan = pin(tree);

  it('pins allocation-worker to pnpm@8.15.0 and touches nothing else', () => {
    expect(plan.changes.map((c) => c.path)).toEqual(['services/allocation-worker/Dockerfile']);
    const change = plan.changes[0];
    expect(change?.after).toContain('RUN npm install -g pnpm@8.15.0\n');
    expect(change?.after).not.toContain('pnpm@latest');
    expect(findingsOf(plan, 'services/allocation-worker/Dockerfile').map((f) => [f.code, f.line, f.fixedBy])).toEqual([['ECS131', 6, 'dockerfile-pnpm-pin']]);
    expect(plan.failures).toEqual([]);
  });

  it('only the pin line changes, the result parses, and a second run changes nothing', () => {
    const change = plan.changes[0];
    const before = change?.before.split('\n') ?? [];
    const after = change?.after.split('\n') ?? [];
    expect(after.length).toBe(before.length);
    expect(after.filter((l, i) => l !== before[i])).toEqual(['RUN npm install -g pnpm@8.15.0']);
    expect(dockerfileProblems(change?.after ?? '')).toEqual([]);
    expect(pin(applyPlan(tree, plan)).changes).toEqual([]);
  });
});

describe('where the version comes from', () => {
  it('--pnpm-version wins over packageManager, with a warning that they differ', () => {
    const plan = pin(repo({ packageManager: 'pnpm@8.15.0', dockerfiles: { api: df('RUN npm i -g pnpm') } }), { pnpmVersion: '9.0.6' });
    expect(plan.changes[0]?.after).toContain('RUN npm i -g pnpm@9.0.6\n');
    expect(codesOf(plan, 'services/api/Dockerfile').sort()).toEqual(['ECS131', 'ECS132']);
  });

  it('packageManager wins over what the other Dockerfiles pin', () => {
    const plan = pin(
      repo({
        packageManager: 'pnpm@8.15.0',
        lockfileVersion: '9.0',
        dockerfiles: { a: df('RUN corepack enable && corepack prepare pnpm@9.1.0 --activate'), b: df('RUN npm i -g pnpm@9.1.0'), c: df('RUN npm i -g pnpm@latest') },
      }),
    );
    expect(plan.changes.map((c) => c.path)).toEqual(['services/c/Dockerfile']);
    expect(plan.changes[0]?.after).toContain('pnpm@8.15.0');
  });

  it('the other Dockerfiles: the file being changed does not vote for itself', () => {
    // Its build stage pins 7.33.0; its runtime stage installs pnpm unpinned. With no other
    // Dockerfile and no packageManager, the answer is the lockfile's pnpm major, not its own 7.33.0.
    const self = 'FROM node:18-alpine AS build\nRUN npm i -g pnpm@7.33.0\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile\n\nFROM node:18-alpine\nRUN npm i -g pnpm\nWORKDIR /app\nCOPY --from=build /app .\nCMD ["node", "dist/index.js"]\n';
    const plan = pin(repo({ lockfileVersion: '6.0', dockerfiles: { api: self } }));
    expect(plan.changes[0]?.after).toContain('RUN npm i -g pnpm@8\n');
    expect(plan.changes[0]?.after).toContain('RUN npm i -g pnpm@7.33.0\n');
    expect(codesOf(plan, 'services/api/Dockerfile')).toEqual(['ECS131']);
  });

  it('a tie between the other Dockerfiles is no answer: the lockfile decides and a finding says they disagree', () => {
    const plan = pin(repo({ lockfileVersion: '9.0', dockerfiles: { a: df('RUN npm i -g pnpm@9.1.0'), b: df('RUN npm i -g pnpm@9.4.0'), c: df('RUN npm i -g pnpm') } }));
    expect(plan.changes[0]?.after).toContain('RUN npm i -g pnpm@9\n');
    expect(codesOf(plan, 'services/c/Dockerfile')).toContain('ECS136');
  });

  it('nothing says: no change, and a finding asks for --pnpm-version', () => {
    const plan = pin(repo({ dockerfiles: { api: df('RUN corepack enable && corepack prepare pnpm@latest --activate') } }));
    expect(plan.changes).toEqual([]);
    expect(codesOf(plan, 'services/api/Dockerfile')).toEqual(['ECS134']);
  });
});

describe('what counts as unpinned', () => {
  const unchanged = (install: string) => pin(repo({ packageManager: 'pnpm@8.15.0', dockerfiles: { api: df(install) } }));

  it.each([
    ['a major-only pin', 'RUN npm i -g pnpm@8'],
    ['corepack enable alone (pnpm comes from packageManager)', 'RUN corepack enable'],
    ['corepack prepare with no package (reads packageManager)', 'RUN corepack enable && corepack prepare --activate'],
    ['a per-major dist-tag', 'RUN npm i -g pnpm@latest-8'],
    ['a local (non-global) npm install of some package', 'RUN npm install pnpm-sync'],
    ['pnpm used, not installed', 'RUN pnpm --version'],
    ['a version from an ARG default', 'ARG PNPM_VERSION=8.15.0\nRUN npm i -g pnpm@$PNPM_VERSION'],
  ])('%s is left alone', (_what, install) => {
    const plan = unchanged(install);
    expect(plan.changes).toEqual([]);
    expect(plan.findings).toEqual([]);
  });

  it.each([
    ['npm install -g pnpm@latest turbo', 'RUN npm install -g pnpm@latest turbo', 'RUN npm install -g pnpm@8.15.0 turbo'],
    ['a global flag after the package', 'RUN npm i pnpm --global', 'RUN npm i pnpm@8.15.0 --global'],
    ['--location=global', 'RUN npm install --location=global pnpm', 'RUN npm install --location=global pnpm@8.15.0'],
    ['pnpm self-update', 'RUN npm i -g pnpm@8.15.0 && pnpm self-update', 'RUN npm i -g pnpm@8.15.0 && pnpm self-update 8.15.0'],
    ['a quoted spec', "RUN corepack prepare 'pnpm@latest' --activate", "RUN corepack prepare 'pnpm@8.15.0' --activate"],
    ['a chain with a continuation and a comment line', 'RUN apk add --no-cache git \\\n  # the package manager\n  && npm i -g pnpm', 'RUN apk add --no-cache git \\\n  # the package manager\n  && npm i -g pnpm@8.15.0'],
    ['sudo and an env assignment in front', 'RUN NPM_CONFIG_LOGLEVEL=warn sudo npm i -g pnpm', 'RUN NPM_CONFIG_LOGLEVEL=warn sudo npm i -g pnpm@8.15.0'],
    ['npx with a floating tag', 'RUN npx pnpm@latest install --frozen-lockfile', 'RUN npx pnpm@8.15.0 install --frozen-lockfile'],
  ])('%s is pinned', (_what, install, expected) => {
    const plan = unchanged(install);
    expect(plan.changes[0]?.after).toContain(expected + '\n');
  });

  it('ENV PNPM_VERSION=latest is reported with the version to use, not rewritten', () => {
    const plan = unchanged('ENV PNPM_VERSION=latest\nRUN npm i -g pnpm@${PNPM_VERSION}');
    expect(plan.changes).toEqual([]);
    expect(findingsOf(plan, 'services/api/Dockerfile').map((f) => [f.code, f.line])).toEqual([['ECS133', 3]]);
  });

  it('pins inside a RUN heredoc and with a backtick escape character', () => {
    const heredoc = 'RUN <<EOF\nset -e\nnpm i -g pnpm\nEOF';
    expect(unchanged(heredoc).changes[0]?.after).toContain('RUN <<EOF\nset -e\nnpm i -g pnpm@8.15.0\nEOF\n');
    const backtick = pin(repo({ packageManager: 'pnpm@8.15.0', dockerfiles: { api: '# escape=`\n' + df('RUN npm i -g pnpm `\n  && pnpm -v') } }));
    expect(backtick.changes[0]?.after).toContain('RUN npm i -g pnpm@8.15.0 `\n  && pnpm -v\n');
  });

  it('pins pnpm in a build stage that is not the deployed one', () => {
    const file = 'FROM node:20-alpine AS build\nRUN npm i -g pnpm\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile && pnpm build\n\nFROM node:20-alpine\nCOPY --from=build /app/dist /app/dist\nCMD ["node", "/app/dist/index.js"]\n';
    const plan = pin(repo({ packageManager: 'pnpm@8.15.0', dockerfiles: { api: file } }));
    expect(plan.changes[0]?.after).toBe(file.replace('npm i -g pnpm\n', 'npm i -g pnpm@8.15.0\n'));
  });

  it('classifies version specs', () => {
    expect(['8.15.0', 'v8.15.0', '9.0.0-rc.1'].map(classifySpec)).toEqual(['exact', 'exact', 'exact']);
    expect(['8', '^8.15.0', '~8.15', '8.x', 'latest-8', '>=8'].map(classifySpec)).toEqual(Array(6).fill('range'));
    expect(['latest', 'next', '', '*', 'rc'].map(classifySpec)).toEqual(Array(5).fill('floating'));
    expect(classifySpec(null)).toBe('floating');
    expect(classifySpec('${V}')).toBe('variable');
  });

  it('finds every install, with the instruction and stage it is in', () => {
    const parsed = parseDockerfile('FROM node:20 AS a\nRUN npm i -g pnpm@9 && yarn global add pnpm\nFROM node:20 AS b\nRUN corepack use pnpm@latest\n');
    expect(pnpmInstalls(parsed).map((i) => [i.how, i.spec, i.kind, i.stage.name])).toEqual([
      ['npm i -g', '9', 'range', 'a'],
      ['yarn global add', null, 'floating', 'a'],
      ['corepack use', 'latest', 'floating', 'b'],
    ]);
  });
});
