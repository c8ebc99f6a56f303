/**
 * The static build check (src/check/build/): what `docker build` would trip over, with line
 * numbers, without a Docker engine.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRepoModel } from '../src/repo/discover.js';
import { executableFiles } from '../src/repo/files.js';
import { describe, expect, it } from 'vitest';
import { checkDockerfileBuild, deployedImage, type BuildFinding } from '../src/check/build/index.js';
import { modelOf, readTree, type Tree } from './helpers/repo.js';

const repoTree = (dockerfile: string): Tree =>
  new Map([
    ['package.json', JSON.stringify({ name: 'root', private: true })],
    ['pnpm-workspace.yaml', 'packages:\n  - shared\n  - services/*\n'],
    ['pnpm-lock.yaml', "lockfileVersion: '6.0'\n"],
    ['tsconfig.base.json', '{}\n'],
    ['shared/package.json', JSON.stringify({ name: '@x/shared', main: 'dist/index.js', scripts: { build: 'tsc' } })],
    ['shared/src/index.ts', 'export const a = 1;\n'],
    ['shared/tsconfig.json', '{ "extends": "../tsconfig.base.json", "compilerOptions": { "outDir": "dist", "rootDir": "src" } }\n'],
    ['services/jobs/tsconfig.json', '{ "extends": "../../tsconfig.base.json", "compilerOptions": { "outDir": "dist", "rootDir": "src" } }\n'],
    ['services/jobs/tsconfig.build.json', '{ "extends": "./tsconfig.json", "exclude": ["**/*.test.ts"] }\n'],
    ['services/jobs/package.json', JSON.stringify({ name: '@x/jobs', main: 'dist/index.js', scripts: { build: 'tsc' }, dependencies: { '@x/shared': 'workspace:*' } })],
    ['services/jobs/src/index.ts', "import { a } from '@x/shared';\nconsumer.run({ eachMessage: async () => a });\n"],
    ['services/jobs/Dockerfile', dockerfile],
    ['docker-compose.yml', 'services:\n  jobs:\n    build:\n      context: .\n      dockerfile: services/jobs/Dockerfile\n'],
  ]);

function check(dockerfile: string): BuildFinding[] {
  const tree = repoTree(dockerfile);
  const repo = modelOf(tree);
  return checkDockerfileBuild(dockerfile, repo, { path: 'services/jobs/Dockerfile' });
}

const GOOD = `FROM node:20-alpine AS deps
WORKDIR /app
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY shared/package.json ./shared/
COPY services/jobs/package.json ./services/jobs/
RUN pnpm install --frozen-lockfile

FROM deps AS builder
COPY tsconfig.base.json ./
COPY shared ./shared
COPY services/jobs ./services/jobs
RUN pnpm --filter @x/jobs... build

FROM node:20-alpine AS runtime
WORKDIR /app
COPY --from=builder /app ./
USER node
WORKDIR /app/services/jobs
CMD ["node", "dist/index.js"]
`;

describe('checkDockerfileBuild', () => {
  it('finds nothing wrong with a sound multi-stage build', () => {
    expect(check(GOOD)).toEqual([]);
  });

  it('COPY --from naming a later stage or no stage at all', () => {
    const text = GOOD.replace('COPY --from=builder /app ./', 'COPY --from=late /app ./\nCOPY --from=bulider /app ./') + 'FROM runtime AS late\n';
    const findings = check(text);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'ECS501', severity: 'blocking', line: 17 }),
        expect.objectContaining({ code: 'ECS501', severity: 'blocking', line: 18 }),
      ]),
    );
  });

  it('a COPY source named by a build arg: each service is checked with its compose build args; an ARG with no value is no claim (shared8 defect 2)', () => {
    const dockerfile = 'FROM node:20-alpine\nARG SVC=api\nENV SVC=${SVC}\nWORKDIR /app\nCOPY services/${SVC}/ services/${SVC}/\nCMD ["node", "services/jobs/src/index.ts"]\n';
    const tree = repoTree(dockerfile);
    tree.set('docker-compose.yml', 'services:\n  jobs:\n    build:\n      context: .\n      dockerfile: services/jobs/Dockerfile\n      args:\n        SVC: jobs\n');
    const repo = modelOf(tree);
    const jobs = repo.services.find((s) => s.name === 'jobs');
    expect(checkDockerfileBuild(dockerfile, repo, { path: 'services/jobs/Dockerfile', service: jobs ?? null }).filter((f) => f.code === 'ECS502')).toEqual([]);
    // Without a compose arg the default (api) is what `docker build` copies: not in the context.
    expect(check(dockerfile).filter((f) => f.code === 'ECS502').map((f) => f.line)).toEqual([5]);
    // No default and no compose arg: `ENV SVC=${SVC}` has no value, so neither has the COPY source.
    const bare = dockerfile.replace('ARG SVC=api', 'ARG SVC');
    expect(check(bare).filter((f) => f.code === 'ECS502')).toEqual([]);
  });

  it('COPY --from an external image is not a stage error', () => {
    const text = GOOD.replace('USER node', 'COPY --from=busybox:1.36 /bin/wget /usr/local/bin/wget\nUSER node');
    expect(check(text).filter((f) => f.code === 'ECS501')).toEqual([]);
  });

  it('COPY sources missing from the build context, glob or not', () => {
    const text = GOOD.replace('COPY tsconfig.base.json ./', 'COPY tsconfig.json ./\nCOPY package-lock*.json ./').replace('COPY shared ./shared', 'COPY ../shared ./shared');
    const findings = check(text).filter((f) => f.code === 'ECS502');
    expect(findings.map((f) => [f.line, f.severity])).toEqual([
      [10, 'blocking'],
      [11, 'blocking'],
      [12, 'blocking'],
    ]);
  });

  it('a COPY --from path no instruction of that stage creates', () => {
    const text = GOOD.replace('COPY --from=builder /app ./', 'COPY --from=builder /app/services/jobs/build ./services/jobs/build');
    expect(check(text)).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'ECS502', severity: 'blocking', line: 17 })]),
    );
  });

  it('a build of only the worker leaves the workspace package it imports unbuilt', () => {
    const text = GOOD.replace('pnpm --filter @x/jobs... build', 'pnpm --filter @x/jobs build').replace(
      'COPY --from=builder /app ./',
      'COPY --from=builder /app/services/jobs ./services/jobs\nCOPY --from=builder /app/shared/package.json ./shared/',
    );
    const findings = check(text);
    expect(findings).toEqual([expect.objectContaining({ code: 'ECS504', severity: 'blocking' })]);
  });

  it('pnpm deploy ships the workspace packages it depends on in its node_modules (review4 Q5)', () => {
    const deploy = `FROM node:20-alpine AS build
RUN corepack enable
WORKDIR /repo
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json tsconfig.base.json ./
COPY shared shared
COPY services/jobs services/jobs
RUN pnpm install --frozen-lockfile --filter @x/jobs... \\
 && pnpm --filter "@x/jobs..." build \\
 && pnpm deploy --filter @x/jobs --prod /out

FROM node:20-alpine AS prod
WORKDIR /srv/jobs
COPY --from=build /out ./
USER node
CMD ["node", "dist/index.js"]
`;
    expect(check(deploy)).toEqual([]);
    const image = deployedImage(deploy, modelOf(repoTree(deploy)), { path: 'services/jobs/Dockerfile' });
    expect(image.lookup('/srv/jobs/node_modules/@x/shared/dist/index.js')).toEqual({ rel: 'shared/dist/index.js', kind: 'produced' });
    // Only the worker was built: the deployed copy of @x/shared has no dist.
    expect(check(deploy.replace('"@x/jobs..." build', '@x/jobs build'))).toEqual([expect.objectContaining({ code: 'ECS504', severity: 'blocking' })]);
  });

  it('the CMD script the runtime stage does not contain', () => {
    const text = GOOD.replace('CMD ["node", "dist/index.js"]', 'CMD ["node", "--enable-source-maps", "dist/main.js"]');
    expect(check(text)).toEqual([expect.objectContaining({ code: 'ECS503', severity: 'blocking', line: 20 })]);
  });

  it('resolves the CMD script as node does: an extension or a directory index may be left out (node dist/main)', () => {
    for (const cmd of ['CMD ["node", "dist/index"]', 'CMD ["node", "dist"]', 'CMD node ./dist/index']) expect(check(GOOD.replace('CMD ["node", "dist/index.js"]', cmd)), cmd).toEqual([]);
    expect(check(GOOD.replace('CMD ["node", "dist/index.js"]', 'CMD ["node", "dist/main"]'))).toEqual([expect.objectContaining({ code: 'ECS503', severity: 'blocking', line: 20 })]);
  });

  it('a stage running a command it cannot follow turns missing paths into "could not confirm" (info)', () => {
    const text = GOOD.replace('RUN pnpm --filter @x/jobs... build', 'RUN make release');
    const findings = check(text);
    expect(findings.map((f) => f.code)).toEqual(expect.arrayContaining(['ECS504']));
    expect(findings.every((f) => f.severity === 'info')).toBe(true);
    const cmd = check(text.replace('CMD ["node", "dist/index.js"]', 'CMD ["node", "dist/main.js"]'));
    expect(cmd.filter((f) => f.code === 'ECS503')).toEqual([expect.objectContaining({ severity: 'info', line: 20 })]);
  });

  it('a heredoc COPY (`COPY <<EOF /usr/local/bin/entry.sh`) holds its body, not sources from the context', () => {
    const text = GOOD.replace('USER node', 'COPY <<-"SCRIPT" /usr/local/bin/entry.sh\n\t#!/bin/sh\n\texec "$@"\n\tSCRIPT\nUSER node');
    expect(check(text)).toEqual([]);
    const image = deployedImage(text, modelOf(repoTree(text)), { path: 'services/jobs/Dockerfile' });
    expect(image.lookup('/usr/local/bin/entry.sh')).toEqual({ rel: null, kind: 'produced' });
  });

  it('knows what the build script writes: next build .next, react-scripts build, tsc the package output; an unknown builder is not a proof', () => {
    const withBuild = (script: string, copied: string) => {
      const tree = repoTree(GOOD.replace('COPY --from=builder /app ./', `COPY --from=builder /app/services/jobs/${copied} ./services/jobs/${copied}\nCOPY --from=builder /app/services/jobs/package.json ./services/jobs/\nCOPY --from=builder /app/node_modules ./node_modules\nCOPY --from=builder /app/shared ./shared`));
      tree.set('services/jobs/package.json', JSON.stringify({ name: '@x/jobs', main: 'dist/index.js', scripts: { build: script }, dependencies: { '@x/shared': 'workspace:*' } }));
      const dockerfile = tree.get('services/jobs/Dockerfile') as string;
      return checkDockerfileBuild(dockerfile, modelOf(tree), { path: 'services/jobs/Dockerfile' }).filter((f) => f.code === 'ECS502');
    };
    expect(withBuild('next build', '.next')).toEqual([]);
    expect(withBuild('react-scripts build', 'build')).toEqual([]);
    expect(withBuild('rimraf dist && tsc -p tsconfig.build.json', 'dist')).toEqual([]);
    // tsc writes dist, not .next: established, so blocking.
    expect(withBuild('tsc', '.next')).toEqual([expect.objectContaining({ severity: 'blocking' })]);
    // webpack's output is not known to the check: it cannot confirm, and says which line it cannot follow.
    expect(withBuild('webpack --mode production', 'bundle')).toEqual([expect.objectContaining({ severity: 'info', message: expect.stringContaining('line 13') })]);
  });

  it('a root build script that builds every workspace package (pnpm -r build, turbo) builds each of them', () => {
    const tree = repoTree(GOOD.replace('RUN pnpm --filter @x/jobs... build', 'COPY package.json ./\nRUN pnpm build'));
    tree.set('package.json', JSON.stringify({ name: 'root', private: true, scripts: { build: 'pnpm -r build' } }));
    const dockerfile = (tree.get('services/jobs/Dockerfile') as string).replace('COPY --from=builder /app ./', 'COPY --from=builder /app/shared/dist ./shared/dist\nCOPY --from=builder /app/services/jobs ./services/jobs\nCOPY --from=builder /app/shared/package.json ./shared/\nCOPY --from=builder /app/node_modules ./node_modules');
    tree.set('services/jobs/Dockerfile', dockerfile);
    expect(checkDockerfileBuild(dockerfile, modelOf(tree), { path: 'services/jobs/Dockerfile' }).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('a runtime stage that runs as root', () => {
    expect(check(GOOD.replace('USER node\n', ''))).toEqual([expect.objectContaining({ code: 'ECS505', severity: 'blocking', line: 19 })]);
  });

  it('follows npm workspaces builds, cd and tsc in a single stage', () => {
    const single = `FROM node:20-alpine
WORKDIR /app
COPY package*.json ./
COPY shared/package*.json ./shared/
COPY services/jobs/package*.json ./services/jobs/
RUN npm install
COPY shared ./shared
COPY services/jobs ./services/jobs
RUN cd shared && npx tsc -p tsconfig.json
RUN npm run build --workspace=services/jobs
WORKDIR /app/services/jobs
USER node
CMD ["node", "dist/index.js"]
`;
    expect(check(single)).toEqual([]);
  });

  it('reports nothing on the sample repos as committed, bar their root users', () => {
    for (const name of ['kodingcaravan', 'peerprep']) {
      const tree = readTree(join(import.meta.dirname, '..', 'fixtures', name));
      const repo = modelOf(tree);
      for (const [path] of repo.dockerfiles) {
        const findings = checkDockerfileBuild(tree.get(path) as string, repo, { path });
        expect(findings.filter((f) => f.code !== 'ECS505'), path).toEqual([]);
      }
    }
  });

  it('deployedImage says where built code and sources come from', () => {
    const tree = repoTree(GOOD);
    const image = deployedImage(GOOD, modelOf(tree), { path: 'services/jobs/Dockerfile' });
    expect(image.cmdWorkdir).toBe('/app/services/jobs');
    expect(image.lookup('/app/shared/dist/index.js')).toEqual({ rel: 'shared/dist/index.js', kind: 'produced' });
    expect(image.lookup('/app/services/jobs/package.json')).toEqual({ rel: 'services/jobs/package.json', kind: 'context' });
    expect(image.lookup('/app/services/jobs/README.md')).toBeNull();
  });

  describe('the program the start command runs (ECS506)', () => {
    const program = (text: string) => check(text).filter((f) => f.code === 'ECS506');
    const cmd = (c: string, text = GOOD) => text.replace('CMD ["node", "dist/index.js"]', c);

    it('pnpm installed only in a builder stage, runner on a fresh node image: blocking, in every form of the command', () => {
      for (const c of ['CMD ["pnpm", "start"]', 'CMD pnpm start', 'CMD NODE_ENV=production pnpm run start', 'CMD ["sh", "-c", "pnpm start"]', 'ENTRYPOINT ["pnpm"]\nCMD ["start"]', 'CMD ["pnpx", "next", "start"]'])
        expect(program(cmd(c)), c).toEqual([expect.objectContaining({ code: 'ECS506', severity: 'blocking', line: 20 })]);
    });

    it('the review shape: npm i -g pnpm in the builder, the runner copies the workspace from it', () => {
      const text = `FROM node:20-alpine AS builder
RUN npm i -g pnpm
WORKDIR /repo
COPY . .
RUN pnpm install
RUN pnpm --filter @x/jobs build

FROM node:20-alpine AS runner
WORKDIR /repo
COPY --from=builder /repo .
WORKDIR /repo/services/jobs
USER node
CMD ["pnpm", "start"]
`;
      expect(program(text)).toEqual([expect.objectContaining({ severity: 'blocking', line: 13 })]);
      // The runner holds what `COPY . .` put at /repo in the builder, not only what the install added below it.
      const image = deployedImage(text, modelOf(repoTree(text)), { path: 'services/jobs/Dockerfile' });
      expect(image.lookup('/repo/services/jobs/package.json')).toEqual({ rel: 'services/jobs/package.json', kind: 'context' });
      expect(program(text.replace('FROM node:20-alpine AS runner', 'FROM builder AS runner')), 'runner built FROM the builder has it').toEqual([]);
      expect(program(text.replace('WORKDIR /repo\nCOPY --from', 'RUN corepack enable\nWORKDIR /repo\nCOPY --from')), 'corepack enabled in the runner').toEqual([]);
      expect(program(text.replace('CMD ["pnpm", "start"]', 'CMD ["npm", "start"]')), 'npm ships with node').toEqual([]);
    });

    it('installed in the runner or a stage it is built FROM: nothing', () => {
      expect(program(cmd('CMD ["pnpm", "start"]', GOOD.replace('FROM node:20-alpine AS runtime', 'FROM deps AS runtime')))).toEqual([]);
      expect(program(cmd('CMD ["pnpm", "start"]', GOOD.replace('USER node', 'RUN npm install -g pnpm@8.15.4\nUSER node')))).toEqual([]);
    });

    it('yarn ships with node images up to 22; later or unknown majors, or a COPY that may bring pnpm: only info', () => {
      expect(program(cmd('CMD ["yarn", "start"]'))).toEqual([]);
      expect(program(cmd('CMD ["yarn", "start"]', GOOD.replace('FROM node:20-alpine AS runtime', 'FROM node:24-alpine AS runtime')))).toEqual([expect.objectContaining({ severity: 'info' })]);
      const copied = GOOD.replace('USER node', 'COPY --from=deps /usr/local /usr/local\nUSER node');
      expect(program(cmd('CMD ["pnpm", "start"]', copied))).toEqual([expect.objectContaining({ severity: 'info' })]);
    });

    it('a base image that is not a stock node image may ship pnpm: nothing', () => {
      expect(program(cmd('CMD ["pnpm", "start"]', GOOD.replace('FROM node:20-alpine AS runtime', 'FROM ghcr.io/acme/node-pnpm:20 AS runtime')))).toEqual([]);
    });

    it('the fix names corepack only where the base ships it (node 25+ images do not)', () => {
      const on = (base: string) => program(cmd('CMD ["pnpm", "start"]', GOOD.replace('FROM node:20-alpine AS runtime', `FROM ${base} AS runtime`)))[0]?.message ?? '';
      expect(on('node:20-alpine')).toContain('RUN corepack enable');
      expect(on('node:26-alpine')).toContain('RUN npm install -g pnpm');
      expect(on('node:26-alpine')).not.toContain('corepack enable');
      expect(on('node:lts-alpine')).toContain('RUN npm install -g pnpm');
    });
  });

  describe('corepack on a node image that has none (ECS507)', () => {
    const corepack = (text: string) => check(text).filter((f) => f.code === 'ECS507');
    const on = (base: string, text = GOOD) => text.replace('FROM node:20-alpine AS deps', `FROM ${base} AS deps`);

    it('node 25 and later ship no corepack: a RUN that calls it fails the build (blocking, at the RUN)', () => {
      for (const base of ['node:25-alpine', 'node:26', 'node:26.1.0-bookworm-slim', 'public.ecr.aws/docker/library/node:26-alpine'])
        expect(corepack(on(base)), base).toEqual([expect.objectContaining({ code: 'ECS507', severity: 'blocking', line: 3 })]);
      const viaArg = `ARG NODE_VERSION=26\n${on('node:${NODE_VERSION}-alpine')}`;
      expect(corepack(viaArg), 'the global ARG default decides the tag').toEqual([expect.objectContaining({ severity: 'blocking', line: 4 })]);
    });

    it('node 24 and older ship it, and an earlier `npm i -g corepack` installs it: nothing', () => {
      for (const base of ['node:20-alpine', 'node:24-bookworm-slim', 'node:22.11.0']) expect(corepack(on(base)), base).toEqual([]);
      expect(corepack(on('node:26-alpine').replace('RUN corepack enable', 'RUN npm install -g corepack@0.34.0 && corepack enable'))).toEqual([]);
      expect(corepack(on('node:26-alpine').replace('RUN corepack enable', 'RUN npm i -g corepack\nRUN corepack enable'))).toEqual([]);
    });

    it('a tag that names no major is only info; a base that is not node: nothing', () => {
      for (const base of ['node:lts-alpine', 'node:alpine', 'node']) expect(corepack(on(base)), base).toEqual([expect.objectContaining({ severity: 'info', line: 3 })]);
      expect(corepack(on('ghcr.io/acme/toolbox:1'))).toEqual([]);
      const unresolved = `ARG NODE_VERSION\n${on('node:${NODE_VERSION}-alpine')}`;
      expect(corepack(unresolved), 'an ARG without a default: not established').toEqual([]);
    });
  });

  describe('RUN steps that write a path they name (ECS502 on COPY --from)', () => {
    const goTree = (dockerfile: string): Tree =>
      new Map([
        ['services/catalog/go.mod', 'module example.com/catalog\n\ngo 1.21\n'],
        ['services/catalog/main.go', 'package main\n\nfunc main() {}\n'],
        ['services/catalog/cmd/server/main.go', 'package main\n\nfunc main() {}\n'],
        ['services/catalog/Cargo.toml', '[package]\nname = "catalog"\n'],
        ['services/catalog/src/main.rs', 'fn main() {}\n'],
        ['services/catalog/Dockerfile', dockerfile],
        ['docker-compose.yml', 'services:\n  catalog:\n    build: ./services/catalog\n'],
      ]);
    const copyFindings = (dockerfile: string) =>
      checkDockerfileBuild(dockerfile, modelOf(goTree(dockerfile)), { path: 'services/catalog/Dockerfile' }).filter((f) => f.code === 'ECS502');
    const twoStage = (build: string, copy: string) => `FROM golang:1.21-alpine AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
${build}

FROM gcr.io/distroless/static-debian12
${copy}
USER nonroot
ENTRYPOINT ["/catalog"]
`;

    it('go build -o, cargo build, cp, mv and a compiler -o create the path the runtime stage copies', () => {
      const cases: [string, string][] = [
        ['RUN CGO_ENABLED=0 go build -o /catalog .', 'COPY --from=build /catalog /catalog'],
        ['RUN go build -ldflags="-s -w" -o bin/server ./cmd/server', 'COPY --from=build /src/bin/server /catalog'],
        ['RUN GOOS=linux go build -o=/out/catalog .', 'COPY --from=build /out/catalog /catalog'],
        ['RUN cargo build --release', 'COPY --from=build /src/target/release/catalog /catalog'],
        ['RUN cargo build --release --target-dir /build', 'COPY --from=build /build/release/catalog /catalog'],
        ['RUN mkdir -p /out && cp main.go /out/', 'COPY --from=build /out/main.go /catalog'],
        ['RUN cp -r cmd /srv/cmd', 'COPY --from=build /srv/cmd/server/main.go /catalog'],
        ['RUN mv go.mod /go.mod.copy', 'COPY --from=build /go.mod.copy /catalog'],
        ['RUN gcc -O2 -o /usr/local/bin/catalog main.c', 'COPY --from=build /usr/local/bin/catalog /catalog'],
        ['RUN pip wheel --wheel-dir /wheels -r requirements.txt', 'COPY --from=build /wheels /wheels'],
      ];
      for (const [build, copy] of cases) expect(copyFindings(twoStage(build, copy)), build).toEqual([]);
    });

    it('a path the followed steps do not create is still blocking', () => {
      expect(copyFindings(twoStage('RUN CGO_ENABLED=0 go build -o /catalog .', 'COPY --from=build /app/catalog /catalog'))).toEqual([
        expect.objectContaining({ code: 'ECS502', severity: 'blocking', line: 9 }),
      ]);
    });

    it('a system path the base image may ship (CA certificates): only "could not confirm" (info)', () => {
      const text = twoStage('RUN CGO_ENABLED=0 go build -o /catalog .', 'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\nCOPY --from=build /catalog /catalog');
      expect(copyFindings(text)).toEqual([expect.objectContaining({ code: 'ECS502', severity: 'info', line: 9 })]);
      expect(copyFindings(text.replace('FROM golang:1.21-alpine AS build', 'FROM scratch AS build')), 'scratch ships nothing').toEqual([
        expect.objectContaining({ code: 'ECS502', severity: 'blocking', line: 9 }),
      ]);
    });

    it('a stage with a step the check cannot follow: only "could not confirm" (info)', () => {
      for (const build of ['RUN make release', 'RUN go build .', 'RUN ./build.sh -o /catalog'])
        expect(copyFindings(twoStage(build, 'COPY --from=build /app/catalog /catalog')), build).toEqual([expect.objectContaining({ code: 'ECS502', severity: 'info', line: 9 })]);
    });
  });
});

describe('ECS508 a dependency install that does not cover the service (review5 N8)', () => {
  // node-b's sqs-poller: the yarn 1 workspace root is installed in /home/app, the service copied to
  // /home/app/poller, which the root's `workspaces` globs (services/*, libs/*) do not match: yarn
  // installs nothing for it (and succeeds, so the npm fallback never runs); the worker dies with
  // "Cannot find module '@aws-sdk/client-sqs'".
  const POLLER = `FROM node:20-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends tini \\
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system app && useradd --system --gid app --create-home app
WORKDIR /home/app/poller
COPY --chown=app:app package.json yarn.lock /home/app/
COPY --chown=app:app services/sqs-poller/ ./
RUN cd /home/app && yarn install --production --frozen-lockfile --ignore-scripts || npm install --omit=dev
USER app
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["npm", "start"]
`;
  const tree = (dockerfile: string, root: Record<string, unknown> = {}): Tree =>
    new Map([
      ['package.json', JSON.stringify({ name: 'shopfront', private: true, workspaces: ['services/*', 'libs/*'], scripts: { lint: 'eslint .' }, ...root })],
      ['yarn.lock', '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n"@aws-sdk/client-sqs@^3.572.0":\n  version "3.1175.0"\n'],
      ['libs/shared/package.json', JSON.stringify({ name: '@shop/shared', version: '0.1.0', main: 'index.js' })],
      ['libs/shared/index.js', 'module.exports = {};\n'],
      ['services/sqs-poller/package.json', JSON.stringify({ name: '@shop/sqs-poller', version: '1.0.0', main: 'poller.js', scripts: { start: 'node poller.js' }, dependencies: { '@aws-sdk/client-sqs': '^3.572.0' } })],
      ['services/sqs-poller/poller.js', "const { SQSClient, ReceiveMessageCommand } = require('@aws-sdk/client-sqs');\nconst sqs = new SQSClient({});\nasync function poll() { for (;;) await sqs.send(new ReceiveMessageCommand({ QueueUrl: process.env.QUEUE_URL, WaitTimeSeconds: 20 })); }\npoll();\n"],
      ['services/sqs-poller/Dockerfile', dockerfile],
      ['docker-compose.yml', 'services:\n  sqs-poller:\n    build:\n      context: .\n      dockerfile: services/sqs-poller/Dockerfile\n    environment:\n      QUEUE_URL: http://localstack:4566/000000000000/jobs\n'],
    ]);
  const coverage = (dockerfile: string, root?: Record<string, unknown>) =>
    checkDockerfileBuild(dockerfile, modelOf(tree(dockerfile, root)), { path: 'services/sqs-poller/Dockerfile' })
      .filter((f) => f.code === 'ECS508')
      .map((f) => ({ severity: f.severity, line: f.line }));

  it('the root install in /home/app, the service in /home/app/poller: blocking, on the install', () => {
    expect(coverage(POLLER)).toEqual([{ severity: 'blocking', line: 9 }]);
  });

  it('a root that declares dependencies of its own may pull the service\'s in: a warning', () => {
    expect(coverage(POLLER, { devDependencies: { eslint: '^8.57.0' } })).toEqual([{ severity: 'warning', line: 9 }]);
  });

  it('a step the check cannot follow in the stage: info', () => {
    expect(coverage(POLLER.replace('USER app', 'RUN ./scripts/vendor.sh\nUSER app'))).toEqual([{ severity: 'info', line: 9 }]);
  });

  it('near misses: the service where its glob matches, installed in its own directory, or its node_modules copied from another stage', () => {
    expect(coverage(POLLER.replace('/home/app/poller', '/home/app/services/sqs-poller'))).toEqual([]);
    expect(coverage(POLLER.replace('RUN cd /home/app && yarn install', 'RUN yarn install'))).toEqual([]);
    expect(coverage(POLLER.replace('USER app', 'ENV NODE_PATH=/opt/deps/node_modules\nUSER app')), 'NODE_PATH').toEqual([]);
    const copied = `FROM node:20-slim AS deps
WORKDIR /home/app
COPY package.json yarn.lock ./
RUN yarn install --production --frozen-lockfile
FROM node:20-slim
WORKDIR /home/app/poller
COPY --from=deps /home/app/node_modules /home/app/node_modules
COPY services/sqs-poller/ ./
CMD ["npm", "start"]
`;
    expect(coverage(copied)).toEqual([]);
  });
});

/** review6 R24/R23/R8: the build's output is where its config files say, not an assumed dist/. */
describe('build outputs the config files establish (review6 R24, R23, R8)', () => {
  const buildCheck = (tree: Tree, path: string) => checkDockerfileBuild(tree.get(path) as string, modelOf(tree), { path });
  const blocking = (findings: BuildFinding[]) => findings.filter((f) => f.severity === 'blocking').map((f) => `${f.code}:${f.line}`);

  // The `typeorm init --express` template: "build": "tsc", tsconfig outDir ./build, no "main".
  const typeorm = (tsconfig: Record<string, string>, copied = 'build'): Tree =>
    new Map([
      ['docker-compose.yml', 'services:\n  users:\n    build: ./typeorm\n    ports: ["3000:3000"]\n'],
      ['typeorm/package.json', JSON.stringify({ name: 'typeorm-api', scripts: { start: 'node build/index.js', build: 'tsc' }, dependencies: { express: '^4.17.2' } })],
      ['typeorm/package-lock.json', '{"lockfileVersion":3}\n'],
      ['typeorm/src/index.ts', "import express from 'express';\nexpress().listen(3000);\n"],
      ...Object.entries(tsconfig),
      [
        'typeorm/Dockerfile',
        `FROM node:20-slim AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nFROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY --from=build /app/${copied} ./build\nUSER node\nCMD ["node", "build/index.js"]\n`,
      ],
    ]);

  it('tsc writes tsconfig compilerOptions.outDir (./build), relative to the tsconfig, through relative extends', () => {
    expect(buildCheck(typeorm({ 'typeorm/tsconfig.json': '{ "compilerOptions": { "outDir": "./build", "rootDir": "./src" } }' }), 'typeorm/Dockerfile')).toEqual([]);
    // Set in the file it extends (JSON with comments and a trailing comma), relative to that file.
    const extended = { 'typeorm/tsconfig.json': '{ "extends": "./config/base", }', 'typeorm/config/base.json': '{\n  // shared\n  "compilerOptions": { "outDir": "../build", },\n}\n' };
    expect(buildCheck(typeorm(extended), 'typeorm/Dockerfile')).toEqual([]);
    // Established, so a COPY of another directory is still a blocking claim.
    expect(blocking(buildCheck(typeorm({ 'typeorm/tsconfig.json': '{ "compilerOptions": { "outDir": "./build" } }' }, 'dist'), 'typeorm/Dockerfile'))).toEqual(['ECS502:12', 'ECS503:14']);
  });

  it('a tsc output the model cannot read makes no blocking claim', () => {
    for (const tsconfig of [
      { 'typeorm/tsconfig.json': '{ "extends": "@tsconfig/node20/tsconfig.json" }' },
      { 'typeorm/tsconfig.json': '{ "compilerOptions": { "rootDir": "./src" } }' },
    ]) {
      const findings = buildCheck(typeorm(tsconfig), 'typeorm/Dockerfile');
      expect(blocking(findings), JSON.stringify(tsconfig)).toEqual([]);
      expect(findings.filter((f) => f.code === 'ECS502').map((f) => f.severity)).toEqual(['info']);
    }
  });

  // What `nx g @nx/react:app` / @nx/vite generate: build.outDir ../../dist/apps/web.
  const vite = (config: string | null, file = 'vite.config.js'): Tree =>
    new Map([
      ['package.json', JSON.stringify({ name: '@acme/source', private: true, workspaces: ['apps/*'] })],
      ['package-lock.json', '{"lockfileVersion":3}\n'],
      ['docker-compose.yml', 'services:\n  web:\n    build:\n      context: .\n      dockerfile: apps/web/Dockerfile\n    ports: ["80:80"]\n'],
      ['apps/web/package.json', JSON.stringify({ name: '@acme/web', private: true, type: 'module', scripts: { build: 'vite build' } })],
      ['apps/web/index.html', '<div id="root"></div>\n'],
      ['apps/web/src/main.tsx', 'export {};\n'],
      ...(config === null ? [] : [[`apps/web/${file}`, config] as [string, string]]),
      [
        'apps/web/Dockerfile',
        'FROM node:20-alpine AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nCOPY apps/web/package.json apps/web/\nRUN npm ci -w @acme/web\nCOPY apps/web apps/web\nRUN npm run build -w @acme/web\n\nFROM nginx:1.27-alpine\nCOPY --from=build /app/dist/apps/web /usr/share/nginx/html\n',
      ],
    ]);
  const nxVite = "export default {\n  root: __dirname,\n  server: { port: 4200 },\n  build: { outDir: '../../dist/apps/web', emptyOutDir: true },\n};\n";

  it('vite build writes vite.config build.outDir (the Nx default ../../dist/apps/web)', () => {
    expect(buildCheck(vite(nxVite), 'apps/web/Dockerfile').filter((f) => f.code === 'ECS502')).toEqual([]);
    // defineConfig(...) in TypeScript syntax reads the same.
    expect(buildCheck(vite(`import { defineConfig } from 'vite';\nexport default defineConfig({ plugins: [] as unknown[], build: { outDir: '../../dist/apps/web' } });\n`, 'vite.config.mts'), 'apps/web/Dockerfile').filter((f) => f.code === 'ECS502')).toEqual([]);
  });

  it('vite: the default dist when nothing sets outDir (established), info when outDir is not a literal', () => {
    // No outDir: vite writes apps/web/dist, so /app/dist/apps/web is made by nothing.
    expect(blocking(buildCheck(vite("export default { server: { port: 4200 } };\n"), 'apps/web/Dockerfile'))).toContain('ECS502:10');
    expect(blocking(buildCheck(vite(null), 'apps/web/Dockerfile'))).toContain('ECS502:10');
    const variable = "const out = process.env.OUT ?? '../../dist/apps/web';\nexport default { build: { outDir: out } };\n";
    const findings = buildCheck(vite(variable), 'apps/web/Dockerfile').filter((f) => f.code === 'ECS502');
    expect(findings.map((f) => f.severity)).toEqual(['info']);
  });

  // vercel/next.js examples/with-docker, near verbatim.
  const nextApp = (config: string): Tree =>
    new Map([
      ['docker-compose.yml', 'services:\n  web:\n    build: ./app\n    ports: ["3000:3000"]\n'],
      ['app/package.json', JSON.stringify({ name: 'web', private: true, scripts: { dev: 'next dev', build: 'next build', start: 'next start' }, dependencies: { next: '14.2.3', react: '18.3.1' } })],
      ['app/package-lock.json', '{"lockfileVersion":3}\n'],
      ['app/next.config.js', config],
      ['app/src/app/page.js', 'export default function Page() { return null; }\n'],
      ['app/src/app/api/health/route.js', 'export async function GET() { return Response.json({ ok: true }); }\n'],
      ['app/public/favicon.ico', ''],
      [
        'app/Dockerfile',
        [
          'FROM node:20-alpine AS deps',
          'WORKDIR /app',
          'COPY package.json package-lock.json ./',
          'RUN npm ci',
          '',
          'FROM node:20-alpine AS builder',
          'WORKDIR /app',
          'COPY --from=deps /app/node_modules ./node_modules',
          'COPY . .',
          'ENV NEXT_TELEMETRY_DISABLED 1',
          'RUN npm run build',
          '',
          'FROM node:20-alpine AS runner',
          'WORKDIR /app',
          'ENV NODE_ENV production',
          'RUN addgroup --system --gid 1001 nodejs',
          'RUN adduser --system --uid 1001 nextjs',
          'COPY --from=builder /app/public ./public',
          'RUN mkdir .next',
          'RUN chown nextjs:nodejs .next',
          'COPY --from=builder --chown=nextjs:nodejs /app/.next/standalone ./',
          'COPY --from=builder --chown=nextjs:nodejs /app/.next/static ./.next/static',
          'USER nextjs',
          'EXPOSE 3000',
          'ENV PORT 3000',
          'ENV HOSTNAME "0.0.0.0"',
          'CMD ["node", "server.js"]',
          '',
        ].join('\n'),
      ],
    ]);

  it("next build with output: 'standalone' makes .next/standalone (server.js) and .next/static", () => {
    expect(buildCheck(nextApp("/** @type {import('next').NextConfig} */\nmodule.exports = { output: 'standalone' };\n"), 'app/Dockerfile')).toEqual([]);
  });

  it('next build without standalone output makes no .next/standalone; an output that is not a literal is not established', () => {
    expect(blocking(buildCheck(nextApp('module.exports = { reactStrictMode: true };\n'), 'app/Dockerfile'))).toEqual(['ECS502:21', 'ECS503:27']);
    const unsure = buildCheck(nextApp("module.exports = { output: process.env.STANDALONE ? 'standalone' : undefined };\n"), 'app/Dockerfile');
    expect(blocking(unsure)).toEqual([]);
  });

  // The Dockerfile `nx g @nx/node:setup-docker` generates: it copies dist/, which `nx build` makes outside docker.
  const nxNode = (projectJson: boolean): Tree =>
    new Map([
      ['package.json', JSON.stringify({ name: '@acme/source', private: true, workspaces: ['apps/*'], scripts: { build: 'nx run-many -t build' } })],
      ['package-lock.json', '{"lockfileVersion":3}\n'],
      ['.gitignore', 'node_modules\ndist\n'],
      ['docker-compose.yml', 'services:\n  orders:\n    build:\n      context: .\n      dockerfile: apps/orders/Dockerfile\n    ports: ["3100:3000"]\n'],
      ['apps/orders/package.json', JSON.stringify({ name: '@acme/orders', version: '1.0.0', dependencies: { express: '^4.19.2' } })],
      ['apps/orders/src/main.ts', "import express from 'express';\nexpress().listen(3000);\n"],
      ...(projectJson
        ? [
            [
              'apps/orders/project.json',
              JSON.stringify({ name: 'orders', targets: { build: { executor: '@nx/webpack:webpack', outputs: ['{options.outputPath}'], options: { outputPath: 'dist/apps/orders', main: 'apps/orders/src/main.ts' } }, 'docker-build': { dependsOn: ['build'], command: 'docker build -f apps/orders/Dockerfile . -t orders' } } }),
            ] as [string, string],
          ]
        : []),
      [
        'apps/orders/Dockerfile',
        'FROM docker.io/node:lts-alpine\n\nENV HOST=0.0.0.0\nENV PORT=3000\n\nWORKDIR /app\n\nRUN addgroup --system orders && \\\n          adduser --system -G orders orders\n\nCOPY dist/apps/orders orders/\nRUN chown -R orders:orders .\n\nRUN npm --prefix orders --omit=dev -f install\n\nCMD [ "node", "orders" ]\n',
      ],
    ]);

  it('a COPY of the output an Nx build declares (project.json outputPath) is a warning, not "cannot build"', () => {
    const findings = buildCheck(nxNode(true), 'apps/orders/Dockerfile').filter((f) => f.code === 'ECS502');
    expect(findings).toEqual([expect.objectContaining({ severity: 'warning', line: 11 })]);
    // Nothing in the repo says what makes dist/apps/orders: still not in the build context.
    expect(blocking(buildCheck(nxNode(false), 'apps/orders/Dockerfile'))).toContain('ECS502:11');
    // The context's .dockerignore leaves dist out: building it first does not put it in the context.
    const ignored = nxNode(true).set('.dockerignore', 'node_modules\ndist\n');
    expect(blocking(buildCheck(ignored, 'apps/orders/Dockerfile'))).toContain('ECS502:11');
  });

  // A service compiled by babel, swc or tsup: where they write comes from their flags or tsup.config, not from "dist".
  const compiled = (build: string, out: string, extra: [string, string][] = []): Tree =>
    new Map([
      ['docker-compose.yml', 'services:\n  api:\n    build: ./api\n    ports: ["3000:3000"]\n'],
      ['api/package.json', JSON.stringify({ name: 'api', scripts: { build, start: `node ${out}/index.js` }, dependencies: { express: '^4.19.2' } })],
      ['api/package-lock.json', '{"lockfileVersion":3}\n'],
      ['api/src/index.js', "const express = require('express');\nexpress().listen(3000);\n"],
      ...extra,
      ['api/Dockerfile', `FROM node:20-slim AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nFROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY --from=build /app/${out} ./${out}\nUSER node\nCMD ["node", "${out}/index.js"]\n`],
    ]);

  it('babel and swc write their --out-dir/-d; without one (stdout, --out-file) the output is not established', () => {
    for (const build of ['babel src -d lib', 'babel src --out-dir lib --copy-files', 'npx babel src --out-dir=lib', 'swc src -d lib', 'swc ./src --out-dir lib --strip-leading-paths'])
      expect(buildCheck(compiled(build, 'lib'), 'api/Dockerfile'), build).toEqual([]);
    // Established: a COPY of another directory is still a blocking claim.
    expect(blocking(buildCheck(compiled('babel src -d lib', 'build'), 'api/Dockerfile'))).toEqual(['ECS502:12', 'ECS503:14']);
    for (const build of ['babel src --out-file lib/index.js', 'swc src -o lib/index.js'])
      expect(blocking(buildCheck(compiled(build, 'lib'), 'api/Dockerfile')), build).toEqual([]);
  });

  it('tsup writes --out-dir/-d, else tsup.config outDir (a literal), else dist', () => {
    expect(buildCheck(compiled('tsup src/index.js --out-dir build', 'build'), 'api/Dockerfile')).toEqual([]);
    expect(buildCheck(compiled('tsup', 'build', [['api/tsup.config.ts', "import { defineConfig } from 'tsup';\nexport default defineConfig({ entry: ['src/index.js'], outDir: 'build', format: ['cjs'] });\n"]]), 'api/Dockerfile')).toEqual([]);
    expect(buildCheck(compiled('tsup src/index.js', 'dist'), 'api/Dockerfile')).toEqual([]);
    expect(blocking(buildCheck(compiled('tsup src/index.js', 'build'), 'api/Dockerfile'))).toEqual(['ECS502:12', 'ECS503:14']);
    // An outDir that is not one literal (two configs, a variable): not established, so no blocking claim.
    const two = "export default [{ entry: ['src/index.js'], outDir: 'build' }, { entry: ['src/cli.js'], outDir: 'bin' }];\n";
    expect(blocking(buildCheck(compiled('tsup', 'build', [['api/tsup.config.js', two]]), 'api/Dockerfile'))).toEqual([]);
    expect(blocking(buildCheck(compiled('tsup', 'dist', [['api/tsup.config.js', 'export default { outDir: process.env.OUT };\n']]), 'api/Dockerfile'))).toEqual([]);
  });
});

describe('ECS509 npm ci where the image has package.json but no lockfile (review9 R13)', () => {
  // review9 R13's A-v2 jobs image: an npm-workspaces repo (one package-lock.json at the root), built
  // from the root, whose Dockerfile copies only the app's package.json before `npm ci`.
  const JOBS = 'FROM node:18-alpine\nWORKDIR /app/apps/jobs\nCOPY apps/jobs/package.json ./\nRUN npm ci --omit=dev\nCOPY apps/jobs ./\nCMD ["node", "src/worker.js"]\n';
  const tree = (dockerfile: string, extra: [string, string][] = []): Tree =>
    new Map([
      ['package.json', JSON.stringify({ name: 'acme-platform', private: true, workspaces: ['apps/*', 'libs/*'], devDependencies: { typescript: '~5.3.3' } }, null, 2)],
      ['package-lock.json', '{"name":"acme-platform","lockfileVersion":3,"requires":true,"packages":{}}\n'],
      ['nx.json', '{}\n'],
      ['apps/jobs/package.json', JSON.stringify({ name: '@acme/jobs', version: '1.0.0', private: true, main: 'src/worker.js', scripts: { start: 'node src/worker.js' }, dependencies: { '@acme/config': '*', '@acme/logger': '*', bullmq: '^5.1.0' } }, null, 2)],
      ['apps/jobs/src/worker.js', "const { Worker } = require('bullmq');\nconst { logger } = require('@acme/logger');\nnew Worker('reports', async () => logger.info('x'), { connection: { host: process.env.REDIS_HOST } });\n"],
      ['libs/logger/package.json', JSON.stringify({ name: '@acme/logger', main: 'src/index.js' })],
      ['libs/logger/src/index.js', 'module.exports = { logger: console };\n'],
      ['libs/config/package.json', JSON.stringify({ name: '@acme/config', main: 'src/index.js' })],
      ['libs/config/src/index.js', 'module.exports = {};\n'],
      ['docker/jobs.Dockerfile', dockerfile],
      ['docker-compose.yml', 'name: acme\nservices:\n  jobs:\n    build:\n      context: .\n      dockerfile: docker/jobs.Dockerfile\n    profiles: ["workers"]\n'],
      ...extra,
    ]);
  const ecs509 = (t: Tree, path = 'docker/jobs.Dockerfile') => checkDockerfileBuild(t.get(path) as string, modelOf(t), { path }).filter((f) => f.code === 'ECS509');

  it('blocking at the RUN line, advising the root lockfile and `npm ci -w <package>`', () => {
    const found = ecs509(tree(JOBS));
    expect(found.map((f) => `${f.severity}:${f.line}`)).toEqual(['blocking:4']);
    expect(found[0]?.message).toContain('npm ci -w @acme/jobs');
  });

  it('a per-service context whose directory has neither lockfile: blocking; `cd` in the RUN is followed', () => {
    const t: Tree = new Map([
      ['docker-compose.yml', 'services:\n  api:\n    build: ./api\n'],
      ['api/package.json', JSON.stringify({ name: 'api', main: 'index.js', dependencies: { express: '^4.19.2' } })],
      ['api/index.js', "require('express')().listen(3000);\n"],
      ['api/Dockerfile', 'FROM node:20-slim\nWORKDIR /srv\nCOPY package.json app/\nRUN cd app && npm ci --omit=dev\nCOPY . app/\nCMD ["node", "app/index.js"]\n'],
    ]);
    expect(ecs509(t, 'api/Dockerfile').map((f) => `${f.severity}:${f.line}`)).toEqual(['blocking:4']);
  });

  it('silent when the lockfile is copied in (package*.json, or the root one with `-w`), for npm install, and for a stage the target does not build', () => {
    expect(ecs509(tree('FROM node:18-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nCOPY apps/jobs/package.json apps/jobs/\nRUN npm ci --omit=dev -w @acme/jobs\nCOPY apps/jobs apps/jobs\nCMD ["node", "apps/jobs/src/worker.js"]\n'))).toEqual([]);
    expect(ecs509(tree(JOBS.replace('npm ci', 'npm install')))).toEqual([]);
    expect(ecs509(tree(JOBS, [['apps/jobs/package-lock.json', '{"lockfileVersion":3}\n']]).set('docker/jobs.Dockerfile', JOBS.replace('COPY apps/jobs/package.json ./', 'COPY apps/jobs/package*.json ./')))).toEqual([]);
    const dev = `FROM node:18-alpine AS dev\nWORKDIR /app/apps/jobs\nCOPY apps/jobs/package.json ./\nRUN npm ci\n\nFROM node:18-alpine AS prod\nWORKDIR /app\nCOPY package.json package-lock.json ./\nCOPY apps/jobs/package.json apps/jobs/\nRUN npm ci --omit=dev -w @acme/jobs\nCOPY apps/jobs apps/jobs\nCMD ["node", "apps/jobs/src/worker.js"]\n`;
    expect(ecs509(tree(dev))).toEqual([]);
  });

  it('silent below another package.json (npm may install from that workspace root), info after a step the check cannot follow', () => {
    const below = 'FROM node:18-alpine\nWORKDIR /app\nCOPY package.json ./\nWORKDIR /app/apps/jobs\nCOPY apps/jobs/package.json ./\nRUN npm ci --omit=dev\nCOPY apps/jobs ./\nCMD ["node", "src/worker.js"]\n';
    expect(ecs509(tree(below))).toEqual([]);
    const unfollowed = JOBS.replace('RUN npm ci', 'RUN ./scripts/fetch-lock.sh\nRUN npm ci');
    expect(ecs509(tree(unfollowed)).map((f) => `${f.severity}:${f.line}`)).toEqual(['info:5']);
  });
});

describe('ECS510 an image already non-root whose user cannot write a directory the process writes (review9 R8)', () => {
  // review9 R8's acme-platform mailer: WORKDIR made by root, COPY --chown of its contents only, USER node,
  // and a shared logger package that creates cwd/logs when it is required.
  const LOGGER = "const path = require('path');\nconst fs = require('fs');\nconst { createLogger, transports } = require('winston');\n\nconst LOG_DIR = process.env.LOG_DIR || path.join(process.cwd(), 'logs');\nif (!fs.existsSync(LOG_DIR)) {\n  fs.mkdirSync(LOG_DIR, { recursive: true });\n}\n\nfunction buildLogger(service) {\n  return createLogger({ defaultMeta: { service }, transports: [new transports.Console(), new transports.File({ filename: path.join(LOG_DIR, 'combined.log') })] });\n}\n\nmodule.exports = { buildLogger };\n";
  const MAILER = (runtime: string) =>
    `FROM node:18-bullseye-slim AS builder\nWORKDIR /home/node/app\nCOPY package.json package-lock.json ./\nCOPY apps/mailer/package.json apps/mailer/\nCOPY libs libs\nRUN npm install --omit=dev -w @acme/mailer\n\nFROM node:18-bullseye-slim\nENV NODE_ENV=production\n${runtime}CMD ["node", "apps/mailer/src/consumer.js"]\n`;
  const AS_IS = 'WORKDIR /home/node/app\nCOPY --from=builder --chown=node:node /home/node/app .\nCOPY --chown=node:node apps/mailer apps/mailer\nUSER node\n';
  const tree = (dockerfile: string, extra: [string, string][] = []): Tree =>
    new Map([
      ['package.json', JSON.stringify({ name: 'acme-platform', private: true, workspaces: ['apps/*', 'libs/*'] }, null, 2)],
      ['package-lock.json', '{"name":"acme-platform","lockfileVersion":3,"requires":true,"packages":{}}\n'],
      ['apps/mailer/package.json', JSON.stringify({ name: '@acme/mailer', version: '1.0.0', private: true, main: 'src/consumer.js', scripts: { start: 'node src/consumer.js' }, dependencies: { '@acme/logger': '*', amqplib: '^0.10.3' } }, null, 2)],
      ['apps/mailer/src/consumer.js', "const amqp = require('amqplib');\nconst { buildLogger } = require('@acme/logger');\n\nconst logger = buildLogger('mailer');\n\nasync function main() {\n  const connection = await amqp.connect(process.env.AMQP_URL);\n  const channel = await connection.createChannel();\n  await channel.consume('mail.send', (msg) => logger.info(String(msg.content)));\n}\n\nmain().catch((err) => {\n  logger.error(err);\n  process.exit(1);\n});\n"],
      ['libs/logger/package.json', JSON.stringify({ name: '@acme/logger', version: '1.0.0', main: 'src/index.js', dependencies: { winston: '^3.11.0' } }, null, 2)],
      ['libs/logger/src/index.js', LOGGER],
      ['docker/mailer.Dockerfile', dockerfile],
      ['docker-compose.yml', 'name: acme\nservices:\n  mailer:\n    profiles: ["workers"]\n    build:\n      context: .\n      dockerfile: docker/mailer.Dockerfile\n    environment:\n      AMQP_URL: amqp://guest:guest@rabbitmq:5672\n'],
      ...extra,
    ]);
  const ecs510 = (t: Tree, path = 'docker/mailer.Dockerfile') => {
    const repo = modelOf(t);
    const service = repo.services.find((s) => s.dockerfile === path) ?? null;
    return checkDockerfileBuild(t.get(path) as string, repo, { path, service }).filter((f) => f.code === 'ECS510');
  };

  it('blocking at the USER line: the WORKDIR root made is where the logger creates logs', () => {
    const found = ecs510(tree(MAILER(AS_IS)));
    expect(found.map((f) => `${f.severity}:${f.line}`)).toEqual(['blocking:13']);
    expect(found[0]?.message).toContain('/home/node/app/logs');
  });

  it('silent once the directory is the user\'s: mkdir && chown before USER (what dockerfile-non-root writes), a chown of the WORKDIR, or a COPY --chown that brings it', () => {
    const handed = AS_IS.replace('USER node', '# Back to node once the steps that need root are done; it owns the directories the app writes.\nRUN mkdir -p /home/node/app/logs \\\n && chown -R node:node /home/node/app/logs\nUSER node');
    expect(ecs510(tree(MAILER(handed)))).toEqual([]);
    expect(ecs510(tree(MAILER(AS_IS.replace('USER node', 'RUN chown node:node /home/node/app\nUSER node'))))).toEqual([]);
    // The repo keeps a logs/ directory that the COPY --chown of the root brings in, owned by node.
    const copied = 'WORKDIR /home/node/app\nCOPY --from=builder --chown=node:node /home/node/app .\nCOPY --chown=node:node logs logs\nCOPY --chown=node:node apps/mailer apps/mailer\nUSER node\n';
    expect(ecs510(tree(MAILER(copied), [['logs/.gitkeep', '']]))).toEqual([]);
  });

  it('silent where the image model does not establish root: a WORKDIR made after USER, a script RUN, a chmod, or an image that runs as root (ECS505)', () => {
    expect(ecs510(tree(MAILER('USER node\nWORKDIR /home/node/app\nCOPY --from=builder --chown=node:node /home/node/app .\nCOPY --chown=node:node apps/mailer apps/mailer\n')))).toEqual([]);
    expect(ecs510(tree(MAILER(AS_IS.replace('USER node', 'RUN ./docker/prepare.sh\nUSER node'))))).toEqual([]);
    expect(ecs510(tree(MAILER(AS_IS.replace('USER node', 'RUN chmod 1777 /home/node/app\nUSER node'))))).toEqual([]);
    expect(ecs510(tree(MAILER(AS_IS.replace('USER node\n', ''))))).toEqual([]);
  });

  it('silent when content the model cannot list lands above the path (Next.js standalone copied to /app from a build it cannot follow)', () => {
    const tree = readTree(join(import.meta.dirname, '..', 'fixtures', 'transforms', 'dockerfile-non-root', 'turborepo-dev-layer-target', 'before'));
    expect(ecs510(tree, 'apps/web/Dockerfile')).toEqual([]);
  });

  // review9 R8's second repro (B3): a Flask image already USER appuser, with a VOLUME on a path no step creates.
  const FLASK = (volume: string) =>
    `FROM python:3.11-slim\n\nRUN useradd -m appuser\nWORKDIR /home/appuser/app\nUSER appuser\n\nCOPY --chown=appuser:appuser requirements.txt .\nRUN pip install --user --no-cache-dir -r requirements.txt\nENV PATH="/home/appuser/.local/bin:\${PATH}"\n\nCOPY --chown=appuser:appuser . .\n\n${volume}EXPOSE 5000\n\nCMD ["gunicorn", "-b", "0.0.0.0:5000", "wsgi:app"]\n`;
  const flask = (dockerfile: string): Tree =>
    new Map([
      ['docker-compose.yml', 'services:\n  web:\n    build: ./backend\n    ports:\n      - "5000:5000"\n'],
      ['backend/requirements.txt', 'flask==3.0.0\ngunicorn==21.2.0\n'],
      ['backend/wsgi.py', 'from app import create_app\n\napp = create_app()\n'],
      ['backend/app/__init__.py', 'from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.get("/health")\n    def health():\n        return "ok"\n\n    return app\n'],
      ['backend/Dockerfile', dockerfile],
    ]);

  it('a VOLUME on a path no step creates: its mount point is root\'s; silent once a RUN before USER creates it for the user', () => {
    const found = ecs510(flask(FLASK('VOLUME /home/appuser/app/uploads\n')), 'backend/Dockerfile');
    expect(found.map((f) => `${f.severity}:${f.line}`)).toEqual(['blocking:5']);
    expect(found[0]?.message).toContain('VOLUME /home/appuser/app/uploads');
    const made = FLASK('VOLUME /home/appuser/app/uploads\n').replace('USER appuser\n', 'RUN mkdir -p /home/appuser/app/uploads && chown appuser:appuser /home/appuser/app/uploads\nUSER appuser\n');
    expect(ecs510(flask(made), 'backend/Dockerfile')).toEqual([]);
    // Made by root and never handed over: still root's.
    const rootMade = FLASK('VOLUME /home/appuser/app/uploads\n').replace('USER appuser\n', 'RUN mkdir -p /home/appuser/app/uploads\nUSER appuser\n');
    expect(ecs510(flask(rootMade), 'backend/Dockerfile').map((f) => f.line)).toEqual([6]);
    expect(ecs510(flask(FLASK('')), 'backend/Dockerfile')).toEqual([]);
  });
});

describe('entrypoint-mode (ECS515): a start script the repo has without the exec bit (review9 R16)', () => {
  const tree: Tree = new Map([
    ['backend/app.py', 'print("hi")\n'],
    ['backend/docker/entrypoint.sh', '#!/bin/sh\nset -e\nflask db upgrade\nexec "$@"\n'],
  ]);
  const dockerfile = (tail: string) => `FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n${tail}CMD ["python", "app.py"]\n`;
  const run = (text: string, executables?: string[]) => {
    const files = [...tree.keys(), 'backend/Dockerfile'].sort();
    const read = (rel: string) => (rel === 'backend/Dockerfile' ? text : (tree.get(rel) ?? null));
    const repo = buildRepoModel('/virtual', { files, read, ...(executables ? { executables: new Set(executables) } : {}) });
    return checkDockerfileBuild(text, repo, { path: 'backend/Dockerfile' }).filter((f) => f.code === 'ECS515').map((f) => [f.line, f.severity]);
  };

  it('ENTRYPOINT of a 100644 script: blocking at its line; silent when the repo has it executable', () => {
    expect(run(dockerfile('ENTRYPOINT ["/app/docker/entrypoint.sh"]\n'), [])).toEqual([[4, 'blocking']]);
    expect(run(dockerfile('ENTRYPOINT ["/app/docker/entrypoint.sh"]\n'), ['backend/docker/entrypoint.sh'])).toEqual([]);
  });

  it('a script copied onto PATH and named bare, behind tini: found the same way', () => {
    const text = dockerfile('COPY docker/entrypoint.sh /usr/local/bin/\nENTRYPOINT ["tini", "--", "entrypoint.sh"]\n');
    expect(run(text, [])).toEqual([[5, 'blocking']]);
  });

  it('silent when a shell runs it, a chmod or COPY --chmod may set the mode, or the modes are not known', () => {
    expect(run(dockerfile('ENTRYPOINT ["sh", "/app/docker/entrypoint.sh"]\n'), [])).toEqual([]);
    expect(run(dockerfile('RUN chmod +x docker/entrypoint.sh\nENTRYPOINT ["/app/docker/entrypoint.sh"]\n'), [])).toEqual([]);
    expect(run('FROM python:3.12-slim\nWORKDIR /app\nCOPY --chmod=755 docker/entrypoint.sh /entrypoint.sh\nCOPY . .\nENTRYPOINT ["/entrypoint.sh"]\n', [])).toEqual([]);
    expect(run(dockerfile('ENTRYPOINT ["/app/docker/entrypoint.sh"]\n'))).toEqual([]);
  });
});

describe('executableFiles: what a clean clone has with the exec bit', () => {
  it("reads git's recorded mode for tracked files, the file's own mode for untracked ones", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecsfix-mode-'));
    try {
      writeFileSync(join(dir, 'tracked-plain.sh'), '#!/bin/sh\n');
      writeFileSync(join(dir, 'tracked-exec.sh'), '#!/bin/sh\n');
      writeFileSync(join(dir, 'untracked-exec.sh'), '#!/bin/sh\n', { mode: 0o755 });
      execFileSync('git', ['init', '-q', dir]);
      execFileSync('git', ['-C', dir, 'add', 'tracked-plain.sh', 'tracked-exec.sh']);
      execFileSync('git', ['-C', dir, 'update-index', '--chmod=+x', 'tracked-exec.sh']);
      // The work tree's mode of a tracked file does not count: a clone gets git's.
      chmodSync(join(dir, 'tracked-plain.sh'), 0o755);
      expect([...executableFiles(dir, ['tracked-plain.sh', 'tracked-exec.sh', 'untracked-exec.sh'])].sort()).toEqual(['tracked-exec.sh', 'untracked-exec.sh']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a base image tag chosen by a build variable (review9 R40)', () => {
  it('names its variant only through the literal part of the tag', async () => {
    const { classifyBaseImage } = await import('../src/repo/baseImage.js');
    expect(classifyBaseImage('python:${PYTHON_TAG}').distro).toBe('unknown');
    expect(classifyBaseImage('python:${PYTHON_ALPINE_TAG}').distro).toBe('unknown');
    expect(classifyBaseImage('node:${NODE_VERSION}-alpine').distro).toBe('alpine');
    expect(classifyBaseImage('node:${NODE_VERSION}-slim').distro).toBe('debian');
    expect(classifyBaseImage('python:3.12').distro).toBe('debian');
  });
});

/**
 * review10 R38: BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile in place of the
 * context root's .dockerignore (not merged): the build check, the image model and the transforms read
 * that one for builds of that Dockerfile, and the context's for the others.
 */
describe("a Dockerfile's own ignore file (docker/api.Dockerfile.dockerignore) replaces the context's .dockerignore (review10 R38)", () => {
  const buildCheck = (tree: Tree, path: string) => checkDockerfileBuild(tree.get(path) as string, modelOf(tree), { path });
  const blocking = (findings: BuildFinding[]) => findings.filter((f) => f.severity === 'blocking').map((f) => `${f.code}:${f.line}`);
  const monorepo = (extra: [string, string][]): Tree =>
    new Map([
      ['docker-compose.yml', 'services:\n  api:\n    build:\n      context: .\n      dockerfile: docker/api.Dockerfile\n    ports: ["3000:3000"]\n  admin:\n    build:\n      context: .\n      dockerfile: docker/admin.Dockerfile\n    ports: ["3001:3001"]\n'],
      ['package.json', JSON.stringify({ name: 'root', private: true, packageManager: 'pnpm@9.4.0' })],
      ['pnpm-workspace.yaml', "packages:\n  - 'apps/*'\n"],
      ['pnpm-lock.yaml', "lockfileVersion: '9.0'\n"],
      ['apps/api/package.json', JSON.stringify({ name: 'api', scripts: { start: 'node server.js' }, dependencies: { express: '^4.19.2' } })],
      ['apps/api/server.js', "require('express')().listen(process.env.PORT || 3000);\n"],
      ['apps/admin/package.json', JSON.stringify({ name: 'admin', scripts: { start: 'node server.js' }, dependencies: { express: '^4.19.2' } })],
      ['apps/admin/server.js', "require('express')().listen(process.env.PORT || 3001);\n"],
      ...['api', 'admin'].map((app): [string, string] => [`docker/${app}.Dockerfile`, `FROM node:20-slim\nWORKDIR /repo\nRUN corepack enable\nCOPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./\nCOPY apps/${app} apps/${app}\nRUN pnpm install --frozen-lockfile --filter ${app}\nWORKDIR /repo/apps/${app}\nUSER node\nCMD ["node", "server.js"]\n`]),
      ...extra,
    ]);

  it('a COPY of what the Dockerfile\'s own ignore file leaves out cannot build; the other Dockerfile (same context) still reads the root .dockerignore', () => {
    const tree = monorepo([
      ['.dockerignore', 'node_modules\n**/node_modules\n'],
      ['docker/api.Dockerfile.dockerignore', '# api: only what it needs\n*\n!apps/api\n!package.json\n!pnpm-workspace.yaml\n'],
    ]);
    expect(blocking(buildCheck(tree, 'docker/api.Dockerfile'))).toContain('ECS502:4');
    expect(blocking(buildCheck(tree, 'docker/admin.Dockerfile'))).not.toContain('ECS502:4');
    // The ignore file is not a Dockerfile of the repo.
    expect([...modelOf(tree).dockerfiles.keys()].sort()).toEqual(['docker/admin.Dockerfile', 'docker/api.Dockerfile']);
  });

  it('the root .dockerignore leaving the lockfile out does not apply to a Dockerfile with its own ignore file that keeps it', () => {
    const root: [string, string] = ['.dockerignore', 'node_modules\npnpm-lock.yaml\n'];
    expect(blocking(buildCheck(monorepo([root]), 'docker/api.Dockerfile'))).toContain('ECS502:4');
    expect(blocking(buildCheck(monorepo([root, ['docker/api.Dockerfile.dockerignore', 'node_modules\n']]), 'docker/api.Dockerfile'))).not.toContain('ECS502:4');
  });

  it("the repo model's image-file lookups read it too: an entrypoint script the Dockerfile's own ignore file leaves out is not in the image", () => {
    const tree = (ignore: string | null): Tree =>
      new Map([
        ['docker-compose.yml', 'services:\n  web:\n    build:\n      context: .\n      dockerfile: deploy/web.Dockerfile\n    ports: ["8000:8000"]\n'],
        ['web/requirements.txt', 'gunicorn==22.0\n'],
        ['web/app.py', 'def app(environ, start_response):\n    start_response("200 OK", [])\n    return [b"ok"]\n'],
        ['web/gunicorn.conf.py', 'bind = "0.0.0.0:8000"\nworkers = 2\npidfile = "/var/run/web/gunicorn.pid"\n'],
        ['deploy/web.Dockerfile', 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY web/ ./\nCMD ["gunicorn", "app:app"]\n'],
        ...(ignore === null ? [] : [['deploy/web.Dockerfile.dockerignore', ignore] as [string, string]]),
      ]);
    const writes = (t: Tree) => (modelOf(t).services.find((s) => s.name === 'web')?.runtimeWrites ?? []).map((w) => w.path);
    expect(writes(tree(null))).toEqual(['/var/run/web']);
    // gunicorn.conf.py is left out of the context: the image has no config file, so gunicorn writes no pid file.
    expect(writes(tree('**/*.conf.py\n'))).toEqual([]);
  });
});
