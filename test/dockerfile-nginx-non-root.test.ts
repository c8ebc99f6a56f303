/**
 * dockerfile-nginx-non-root beyond its fixture pairs: the nginx config parser it edits with, a run
 * together with compose-secret-defaults on the same compose file (both changes kept), and the
 * configs it writes accepted by nginx itself (`nginx -t`, Debian's nginx-light; .ci/run installs
 * it, and without it that part is skipped, visibly).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NginxSyntaxError, findDirectives, listenAddress, parseNginxConfig } from '../src/nginx/config.js';
import { deployedStage } from '../src/repo/dockerfile.js';
import { dockerfileNginxNonRoot } from '../transforms/dockerfile-nginx-non-root.js';
import { composeSecretDefaults } from '../transforms/compose-secret-defaults.js';
import { nginxImageConfig } from '../src/nginx/image.js';
import { TRANSFORMS } from '../transforms/index.js';
import { buildCheckReport } from '../src/check/report.js';
import { narrowPlan } from '../src/run/engine.js';
import { wholeUnits } from '../src/run/plan.js';
import { applyPlan, findingKey, findingsOf, modelOf, planTree, readTree, type Tree } from './helpers/repo.js';

const CASES = join(import.meta.dirname, '..', 'fixtures', 'transforms', 'dockerfile-nginx-non-root');

describe('the nginx config parser', () => {
  it('reads directives, blocks, quoted words, ${var} words and comments with their lines', () => {
    const text = 'user nginx;\n# a comment; with { braces }\nhttp {\n  log_format main \'$remote_addr "$request"\';\n  server {\n    listen [::]:80 default_server;\n    proxy_pass ${API_URL}/;\n  }\n}\n';
    const top = parseNginxConfig(text);
    expect(top.map((d) => [d.name, d.line])).toEqual([['user', 1], ['http', 3]]);
    const [server] = findDirectives(top, 'server');
    expect(server?.block?.map((d) => [d.name, d.args.map((a) => a.value)])).toEqual([
      ['listen', ['[::]:80', 'default_server']],
      ['proxy_pass', ['${API_URL}/']],
    ]);
    expect(findDirectives(top, 'log_format')[0]?.args[1]?.value).toBe('$remote_addr "$request"');
  });

  it('tells an upstream backend (`server host:port;`) from a server block', () => {
    const top = parseNginxConfig('http { upstream api { server api:3000; } server { listen 80; } }');
    expect(findDirectives(top, 'server').map((d) => d.block !== null)).toEqual([false, true]);
  });

  it('reads the port of every listen form, and says which ones carry none it can move', () => {
    const port = (arg: string) => {
      const [d] = findDirectives(parseNginxConfig(`listen ${arg};`), 'listen');
      const a = d ? listenAddress(d) : null;
      return a?.kind === 'port' ? [a.port, a.implicit] : a?.kind;
    };
    expect(port('80')).toEqual([80, false]);
    expect(port('0.0.0.0:80')).toEqual([80, false]);
    expect(port('[::]:8081')).toEqual([8081, false]);
    expect(port('127.0.0.1')).toEqual([80, true]);
    expect(port('${PORT}')).toBe('variable');
    expect(port('$port')).toBe('variable');
    expect(port('unix:/run/app.sock')).toBe('unix');
  });

  it('names the line of a syntax error', () => {
    expect(() => parseNginxConfig('http {\n  server {\n    listen 80\n  }\n}\n')).toThrow(NginxSyntaxError);
    try {
      parseNginxConfig('events {}\nhttp {\n  server { listen 80; }\n');
    } catch (error) {
      expect((error as NginxSyntaxError).line).toBe(2);
    }
  });
});

describe('with compose-secret-defaults on the same compose file', () => {
  it('keeps both changes: the removed secret default and the moved container port', () => {
    const tree: Tree = new Map([
      ['web/Dockerfile', 'FROM nginx:1.27-alpine\nCOPY default.conf /etc/nginx/conf.d/default.conf\n'],
      ['web/default.conf', 'server {\n    listen 80;\n    root /usr/share/nginx/html;\n}\n'],
      ['docker-compose.yml', 'services:\n  web:\n    build: ./web\n    ports:\n      - "80:80"\n    environment:\n      SESSION_SECRET: ${SESSION_SECRET:-dev-secret-123}\n'],
    ]);
    const { plan } = planTree(tree, [dockerfileNginxNonRoot, composeSecretDefaults]);
    const compose = plan.changes.find((c) => c.path === 'docker-compose.yml');
    expect(compose?.after).toContain('- "80:8080"');
    expect(compose?.after).toContain('SESSION_SECRET: ${SESSION_SECRET}');
    expect(compose?.transforms.sort()).toEqual(['compose-secret-defaults', 'dockerfile-nginx-non-root']);
    expect(plan.failures).toEqual([]);
  });
});

describe('the port move is one change over three files (review9 R42)', () => {
  // review9's lumen: --only the compose file, or a run from deploy/, wrote `80:8080` while nginx kept listening on 80.
  const tree: Tree = new Map([
    ['frontend/Dockerfile', 'FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\nEXPOSE 80\n'],
    ['frontend/nginx.conf', 'server {\n    listen 80;\n    root /usr/share/nginx/html;\n}\n'],
    ['deploy/compose.prod.yml', 'services:\n  frontend:\n    build: ../frontend\n    ports:\n      - "80:80"\n    environment:\n      SESSION_SECRET: ${SESSION_SECRET:-dev-secret-123}\n'],
  ]);
  const files = ['deploy/compose.prod.yml', 'frontend/Dockerfile', 'frontend/nginx.conf'];

  it('each file of it needs the others', () => {
    const { plan } = planTree(tree, [dockerfileNginxNonRoot]);
    expect(plan.changes.map((c) => [c.path, c.needs])).toEqual(files.map((f) => [f, files.filter((o) => o !== f)]));
  });

  it('narrowed to a part of it, none of it is kept and ECS010 names what it needs (.env.example needs the compose change too)', () => {
    const { plan } = planTree(tree, [dockerfileNginxNonRoot, composeSecretDefaults]);
    const onlyCompose = narrowPlan(plan, (p) => p.startsWith('deploy/'));
    expect(onlyCompose.changes.map((c) => c.path)).toEqual([]);
    expect(onlyCompose.findings.filter((f) => f.code === 'ECS010').map((f) => f.file)).toEqual(['deploy/.env.example', 'deploy/compose.prod.yml']);
    const withoutConf = narrowPlan(plan, (p) => p !== 'frontend/nginx.conf');
    expect(withoutConf.changes.map((c) => c.path)).toEqual([]);
    expect(withoutConf.findings.filter((f) => f.code === 'ECS010').map((f) => f.file).sort()).toEqual(['deploy/.env.example', 'deploy/compose.prod.yml', 'frontend/Dockerfile']);
    const all = narrowPlan(plan, () => true);
    expect(all.changes.map((c) => c.path)).toEqual(['deploy/.env.example', ...files]);
    expect(all.findings.filter((f) => f.code === 'ECS010')).toEqual([]);
  });

  it('compose-secret-defaults: the .env.example line needs the compose change, not the other way round', () => {
    const secrets: Tree = new Map([['docker-compose.yml', 'services:\n  api:\n    image: node:20\n    environment:\n      JWT_SECRET: ${JWT_SECRET:-changeme}\n']]);
    const { plan } = planTree(secrets, [composeSecretDefaults]);
    expect(plan.changes.map((c) => [c.path, c.needs])).toEqual([['.env.example', ['docker-compose.yml']], ['docker-compose.yml', undefined]]);
    const pick = (path: string) => wholeUnits(plan.changes.filter((c) => c.path === path)).kept.map((c) => c.path);
    expect(pick('docker-compose.yml')).toEqual(['docker-compose.yml']);
    expect(pick('.env.example')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// nginx -t on what the transform writes.

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;
if (!NGINX) console.warn('SKIPPED: nginx is not installed (apt-get install nginx-light); the configs dockerfile-nginx-non-root writes are not checked with nginx -t');

/** The image's own nginx.conf after the transform's `sed` (user line gone, pid in /tmp). */
const STOCK_MAIN = [
  'worker_processes  auto;',
  'error_log  /var/log/nginx/error.log notice;',
  'pid /tmp/nginx.pid;',
  'events {\n    worker_connections  1024;\n}',
  'http {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n    include /etc/nginx/conf.d/*.conf;\n}',
  '',
].join('\n');

/**
 * Lays out the config the image starts with under a temporary /etc/nginx, the way the entrypoint
 * leaves it: templates rendered with the compose environment (only variables set there, as the
 * image's envsubst step does), compose host names pointed at 127.0.0.1 (nginx -t resolves them and
 * this machine knows no compose network). The layout is read from `tree`, the file contents from
 * `texts` (the transform's output). Returns the main config's path.
 */
function layOut(tree: Tree, dockerfile: string, into: string, texts: Tree = tree): string {
  const repo = modelOf(tree);
  const service = repo.services.find((s) => s.dockerfile === dockerfile);
  const parsed = repo.dockerfiles.get(dockerfile)?.parsed;
  const stage = parsed && deployedStage(parsed, service?.target);
  if (!service || !parsed || !stage) throw new Error(`no nginx image in ${dockerfile}`);
  // Which files go where is read from the Dockerfile as it was (the transform's own RUN touches /etc/nginx).
  const config = nginxImageConfig(parsed, stage, service.buildContext, { ...repo, dockerfile }, (p) => texts.get(p) ?? null);
  if ('kind' in config) throw new Error(config.message);
  const env = service.compose?.environment ?? {};
  const hosts = new Set(repo.compose.services.map((s) => s.name));
  const relocate = (text: string) =>
    text
      .replace(/\/etc\/nginx\//g, `${into}/etc/nginx/`)
      .replace(/\b(proxy_pass\s+https?:\/\/|(?:uwsgi|fastcgi|scgi|grpc)_pass\s+(?:grpcs?:\/\/)?|server\s+)([\w.-]+)(?=[:/;\s])/g, (m, lead: string, host: string) => (hosts.has(host) ? `${lead}127.0.0.1` : m));
  const write = (imagePath: string, text: string) => {
    const target = join(into, imagePath);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, relocate(text));
  };
  mkdirSync(join(into, 'etc/nginx/conf.d'), { recursive: true });
  // The files the official image ships beside nginx.conf, which a repo's config includes by name.
  for (const shipped of ['mime.types', 'fastcgi_params', 'scgi_params', 'uwsgi_params']) copyFileSync(`/etc/nginx/${shipped}`, join(into, `etc/nginx/${shipped}`));
  if (!config.main) write('/etc/nginx/nginx.conf', STOCK_MAIN);
  for (const file of config.loaded) {
    const text = file.template ? file.text.replace(/\$\{(\w+)\}/g, (m, name: string) => (typeof env[name] === 'string' ? (env[name] as string) : m)) : file.text;
    write(file.imagePath, text);
  }
  return join(into, 'etc/nginx/nginx.conf');
}

function nginxTest(main: string): { ok: boolean; output: string } {
  const run = spawnSync(NGINX as string, ['-t', '-q', '-e', 'stderr', '-c', main], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe.skipIf(!NGINX)('nginx -t accepts the configs it writes', () => {
  const changedCases = readdirSync(CASES).filter((c) => existsSync(join(CASES, c, 'after')));

  it('finds cases that change a config', () => {
    expect(changedCases.length).toBeGreaterThanOrEqual(3);
  });

  for (const name of changedCases) {
    it(name, () => {
      const before = readTree(join(CASES, name, 'before'));
      const { plan } = planTree(before, [dockerfileNginxNonRoot]);
      const after = applyPlan(before, plan);
      const dockerfiles = plan.changes.filter((c) => /Dockerfile$/.test(c.path)).map((c) => c.path);
      expect(dockerfiles.length).toBeGreaterThan(0);
      for (const dockerfile of dockerfiles) {
        const dir = mkdtempSync(join(tmpdir(), 'ecsfix-nginx-'));
        try {
          const result = nginxTest(layOut(before, dockerfile, dir, after));
          expect(result.output, `${name}: ${dockerfile}`).toBe('');
          expect(result.ok).toBe(true);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });
  }

  it('fails a broken config (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecsfix-nginx-'));
    try {
      const tree: Tree = new Map([
        ['web/Dockerfile', 'FROM nginx:1.27-alpine\nCOPY default.conf /etc/nginx/conf.d/default.conf\n'],
        ['web/default.conf', 'server {\n    listen 8080;\n    absolute_redirect maybe;\n}\n'],
      ]);
      expect(nginxTest(layOut(tree, 'web/Dockerfile', dir)).ok).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// review9 R42: `--only deploy/compose.prod.yml` or a run from infra/ wrote the compose port alone (80:8080)
// while nginx still listened on 80. The files of one change are written together or not at all.
describe('a narrowed run (--only, a subdirectory) never writes part of the move', () => {
  const before = readTree(join(CASES, 'two-compose-projects', 'before'));
  const { plan } = planTree(before, [dockerfileNginxNonRoot, composeSecretDefaults]);
  const moved = ['deploy/compose.prod.yml', 'deploy/compose.staging.yml', 'frontend/Dockerfile', 'frontend/nginx.conf', 'infra/docker-compose.yml'];

  it('the whole run changes every file of the move, each naming the others it goes with', () => {
    expect(plan.changes.map((c) => c.path)).toEqual(expect.arrayContaining(moved));
    expect(plan.changes.find((c) => c.path === 'infra/docker-compose.yml')?.needs).toEqual(expect.arrayContaining(['frontend/Dockerfile', 'frontend/nginx.conf', 'deploy/compose.prod.yml']));
  });

  it('from infra/ (or --only one compose file): nothing of the move is written, ECS010 names what it needs', () => {
    for (const keep of [(p: string) => p.startsWith('infra/'), (p: string) => p === 'deploy/compose.prod.yml']) {
      const narrowed = narrowPlan(plan, keep);
      expect(narrowed.changes.map((c) => c.path)).toEqual([]);
      const withheld = narrowed.findings.filter((f) => f.code === 'ECS010');
      expect(withheld).toHaveLength(1);
      expect(withheld[0]?.message).toContain('frontend/nginx.conf');
    }
  });

  it('--only every file of the move writes it whole', () => {
    const narrowed = narrowPlan(plan, (p) => moved.includes(p) || p === 'deploy/.env.example');
    expect(narrowed.changes.map((c) => c.path).sort()).toEqual([...moved, 'deploy/.env.example'].sort());
    expect(narrowed.findings.filter((f) => f.code === 'ECS010')).toEqual([]);
  });
});

describe('findings', () => {
  it('a second run on its own output reports no refusal', () => {
    const before = readTree(join(CASES, 'alpine-conf-d', 'before'));
    const { plan } = planTree(before, [dockerfileNginxNonRoot]);
    const second = planTree(applyPlan(before, plan), [dockerfileNginxNonRoot]).plan;
    expect(findingsOf(second).map(findingKey)).toEqual([]);
  });
});

describe('check --format ecs follows the move', () => {
  const fragment = (tree: Tree) => {
    const { repo, plan } = planTree(tree, [...TRANSFORMS]);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
    const ecs = report.ecs.find((e) => e.service === 'frontend');
    const container = ecs?.taskDefinition.containerDefinitions[0];
    return { ports: container?.portMappings.map((m) => m.containerPort), targetPort: ecs?.targetGroup?.Port, env: container?.environment.map((e) => e.name) };
  };

  it('says 8080 while the change is pending and after it is applied, and sets no PORT nginx would ignore', () => {
    const before = readTree(join(CASES, 'alpine-conf-d', 'before'));
    expect(fragment(before)).toMatchObject({ ports: [8080], targetPort: 8080 });
    expect(fragment(before).env).not.toContain('PORT');
    const { plan } = planTree(before, [dockerfileNginxNonRoot]);
    expect(fragment(applyPlan(before, plan))).toMatchObject({ ports: [8080], targetPort: 8080 });
  });

  it('keeps the current port when the transform leaves nginx as root', () => {
    const tree = readTree(join(CASES, 'listen-variable', 'before'));
    const { repo, plan } = planTree(tree, [...TRANSFORMS]);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
    expect(report.ecs.find((e) => e.service === 'web')?.taskDefinition.containerDefinitions[0]?.portMappings).toEqual([{ containerPort: 80, protocol: 'tcp' }]);
  });
});

describe('where the switch goes in the Dockerfile', () => {
  const conf = 'server {\n    listen 80;\n}\n';
  const run = (dockerfile: string) => {
    const tree: Tree = new Map([
      ['web/Dockerfile', dockerfile],
      ['web/default.conf', conf],
      ['docker-compose.yml', 'services:\n  web:\n    build: ./web\n    ports: ["80:80"]\n'],
    ]);
    const { plan } = planTree(tree, [dockerfileNginxNonRoot]);
    return { after: plan.changes.find((c) => c.path === 'web/Dockerfile')?.after ?? null, findings: findingsOf(plan).map(findingKey), changed: plan.changes.map((c) => c.path) };
  };

  it('after an explicit `USER root` of the stage, so the image really ends as nginx', () => {
    const { after } = run('FROM nginx:1.27-alpine\nCOPY default.conf /etc/nginx/conf.d/default.conf\nUSER root\nEXPOSE 80\n');
    expect(after?.trimEnd().split('\n').filter((l) => l.startsWith('USER'))).toEqual(['USER root', 'USER nginx']);
  });

  it('nothing when the HEALTHCHECK probing port 80 is inherited from an earlier stage', () => {
    const result = run(
      'FROM nginx:1.27-alpine AS base\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n\nFROM base AS production\nCOPY default.conf /etc/nginx/conf.d/default.conf\n',
    );
    expect(result.changed).toEqual([]);
    expect(result.findings).toEqual(['ECS177 web/Dockerfile:2']);
  });
});

describe('where the entrypoint renders the templates (NGINX_ENVSUBST_*)', () => {
  const template = 'server {\n    listen 80;\n    location / { proxy_pass ${API_URL}; }\n}\n';
  const run = (dockerfile: string, environment = '', extra: [string, string][] = []) => {
    const tree: Tree = new Map([
      ['web/Dockerfile', dockerfile],
      ['web/templates/default.conf.template', template],
      ['web/templates/default.conf.tpl', template],
      ['docker-compose.yml', `services:\n  web:\n    build: ./web\n    ports: ["80:80"]\n    environment:\n      API_URL: http://api.internal:8000\n${environment}`],
      ...extra,
    ]);
    const { plan } = planTree(tree, [dockerfileNginxNonRoot]);
    const after = plan.changes.find((c) => c.path === 'web/Dockerfile')?.after ?? null;
    return { chown: after && /chown -R nginx:nginx ([^\n]*)/.exec(after)?.[1], findings: findingsOf(plan).map(findingKey), changed: plan.changes.map((c) => c.path).sort() };
  };
  const rmThenCopy = 'FROM nginx:1.27-alpine\nRUN rm /etc/nginx/conf.d/default.conf\nCOPY templates/ /etc/nginx/templates/\n';

  it('a suffix set by ENV or compose picks the template that is rendered', () => {
    expect(run(rmThenCopy.replace('\nRUN', '\nENV NGINX_ENVSUBST_TEMPLATE_SUFFIX=.tpl\nRUN'))).toMatchObject({ chown: '/var/cache/nginx /etc/nginx/conf.d', changed: ['docker-compose.yml', 'web/Dockerfile', 'web/templates/default.conf.tpl'] });
    expect(run(rmThenCopy, '      NGINX_ENVSUBST_TEMPLATE_SUFFIX: .tpl\n').changed).toContain('web/templates/default.conf.tpl');
  });

  it('an output directory the repo config includes becomes nginx\'s', () => {
    const main = 'events {}\nhttp {\n    include /etc/nginx/sites/*.conf;\n}\n';
    const dockerfile = 'FROM nginx:1.27-alpine\nENV NGINX_ENVSUBST_OUTPUT_DIR=/etc/nginx/sites\nCOPY nginx.conf /etc/nginx/nginx.conf\nCOPY sites/ /etc/nginx/sites/\nCOPY templates/ /etc/nginx/templates/\n';
    const result = run(dockerfile, '', [['web/nginx.conf', main], ['web/sites/.keep', '']]);
    expect(result.chown).toBe('/var/cache/nginx /etc/nginx/sites');
    expect(result.changed).toContain('web/templates/default.conf.template');
  });

  it('nothing, with the reason, when the output directory is not established or the services disagree', () => {
    expect(run(rmThenCopy, '      NGINX_ENVSUBST_OUTPUT_DIR: /srv/conf\n')).toMatchObject({ changed: [], findings: ['ECS176 web/Dockerfile:1'] });
    expect(run(rmThenCopy, '      NGINX_ENVSUBST_OUTPUT_DIR:\n')).toMatchObject({ changed: [], findings: ['ECS176 web/Dockerfile:1'] });
    expect(run(rmThenCopy.replace('\nRUN', '\nENV NGINX_ENVSUBST_OUTPUT_DIR=${CONF_OUT}\nRUN'))).toMatchObject({ changed: [], findings: ['ECS176 web/Dockerfile:2'] });
    const twice = `  admin:\n    build: ./web\n    environment:\n      NGINX_ENVSUBST_TEMPLATE_SUFFIX: .tpl\n`;
    expect(run(rmThenCopy, twice).findings).toEqual(['ECS176 docker-compose.yml:7']);
  });
});
