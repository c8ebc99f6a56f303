/**
 * The environment of the ECS task definitions `check --format ecs` writes: what the ECS agent sets
 * itself is never listed to fill in, and the local-development override's environment and command
 * stay out of what is deployed.
 */
import { describe, expect, it } from 'vitest';
import { ecsOf } from './helpers/ecs.js';

// What the ECS agent and Fargate set in every task (written out here, not imported, so the test holds the list to account).
const AGENT_INJECTED = 'ECS_CONTAINER_METADATA_URI ECS_CONTAINER_METADATA_URI_V4 ECS_AGENT_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_EXECUTION_ENV AWS_REGION AWS_DEFAULT_REGION'.split(' ');

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

describe('task definition environment: the local-development override', () => {
  // rc's shape: docker-compose.override.yml builds the dev stage, mounts src and sets NODE_ENV=development
  // (and, for catalog, a relative LOG_FILE; for api, a watch-mode command); docker-compose.yml says
  // NODE_ENV=production through an x- anchor.
  it('api: NODE_ENV is the base file\'s production, the dev-only variable and the watch-mode command are left out, and the difference is noted', () => {
    const { env, names, container, ecs } = ecsOf('dev-override-layer', 'api');
    expect(env).toMatchObject({ NODE_ENV: 'production', LOG_LEVEL: 'info', PORT: '3000' });
    expect(names).not.toContain('PRISMA_LOG_QUERIES');
    expect(names).toContain('DATABASE_URL');
    expect(container?.command).toBeUndefined();
    expect(ecs?.notes.filter((n) => n.includes('docker-compose.override.yml') && n.includes('NODE_ENV') && n.includes('command'))).toHaveLength(1);
  });

  it('catalog: LOG_FILE is the base file\'s absolute path, NODE_ENV production', () => {
    const { env } = ecsOf('dev-override-layer', 'catalog');
    expect(env).toMatchObject({ NODE_ENV: 'production', LOG_FILE: '/var/log/app/catalog.log', CATALOG_PORT: '4000' });
  });

  it('orders-worker, not in the override, keeps its environment and gets no note about it', () => {
    const { env, ecs } = ecsOf('dev-override-layer', 'orders-worker');
    expect(env).toMatchObject({ NODE_ENV: 'production', ORDERS_TOPIC: 'orders.v1' });
    expect(ecs?.notes.filter((n) => n.includes('docker-compose.override.yml'))).toEqual([]);
  });

  it('an override that builds no dev stage but runs for development (NODE_ENV development, a watch command) is still the dev layer (review8 R1)', () => {
    const { env, names, container } = ecsOf('dev-override-layer', 'api', (tree) => {
      const text = tree.get('docker-compose.override.yml') ?? '';
      tree.set('docker-compose.override.yml', text.replace(/ {4}build:\n {6}target: dev\n/g, ''));
    });
    expect(env).toMatchObject({ NODE_ENV: 'production' });
    expect(names).not.toContain('PRISMA_LOG_QUERIES');
    expect(container?.command).toBeUndefined();
  });

  it('an override that shows no development is merged as Compose merges it (its environment and command reach the task definition)', () => {
    const { env, container } = ecsOf('dev-override-layer', 'api', (tree) => {
      const text = tree.get('docker-compose.override.yml') ?? '';
      tree.set('docker-compose.override.yml', text.replace(/ {4}build:\n {6}target: dev\n/g, '').replace(/NODE_ENV: development/g, 'NODE_ENV: staging').replace('"start:dev"', '"start:prod"'));
    });
    expect(env).toMatchObject({ NODE_ENV: 'staging', PRISMA_LOG_QUERIES: 'true' });
    expect(container?.command).toEqual(['pnpm', '--filter', '@acme/api', 'start:prod']);
  });

  it('a layer named for development (docker-compose.dev.yml merged over the base file) is the dev layer whatever target it names', () => {
    const { env, names, container } = ecsOf('dev-override-layer', 'api', (tree) => {
      const text = tree.get('docker-compose.override.yml') ?? '';
      tree.delete('docker-compose.override.yml');
      tree.set('docker-compose.dev.yml', text.replace(/ {4}build:\n {6}target: dev\n/g, ''));
    });
    expect(env).toMatchObject({ NODE_ENV: 'production' });
    expect(names).not.toContain('PRISMA_LOG_QUERIES');
    expect(container?.command).toBeUndefined();
  });
});

describe('task definition environment: LocalStack credentials and endpoints (review5 N3)', () => {
  // On ECS, static keys in the environment come before the task role in every AWS SDK's default chain.
  const TASK_ROLE_OVERRIDES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'];

  it('sqs-poller (keys merged from an x- anchor): neither key is in environment or secrets, one note names both; the LocalStack queue URL is a placeholder with a note', () => {
    const { names, env, ecs } = ecsOf('aws-local-credentials', 'sqs-poller');
    for (const name of TASK_ROLE_OVERRIDES) expect(names, name).not.toContain(name);
    expect(env).toEqual({ JOB_CONCURRENCY: '4', QUEUE_URL: '<QUEUE_URL>' });
    expect(ecs?.notes.filter((n) => n.includes('AWS_ACCESS_KEY_ID') && n.includes('AWS_SECRET_ACCESS_KEY'))).toHaveLength(1);
    expect(ecs?.notes.filter((n) => n.includes('QUEUE_URL') && n.includes('localstack:4566'))).toHaveLength(1);
  });

  it('archiver (list form): profile, session token and endpoint overrides are left out with a note; MinIO, ElasticMQ and DynamoDB Local values are placeholders; real values stay', () => {
    const { names, env, ecs } = ecsOf('aws-local-credentials', 'archiver');
    for (const name of TASK_ROLE_OVERRIDES) expect(names, name).not.toContain(name);
    expect(env).toEqual({ ARCHIVE_BUCKET: 'acme-archive', EVENTS_QUEUE_URL: '<EVENTS_QUEUE_URL>', PUBLIC_URL: 'https://archive.example.com', TABLE_ENDPOINT: '<TABLE_ENDPOINT>' });
    expect(ecs?.notes.filter((n) => ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'].every((v) => n.includes(v)))).toHaveLength(1);
    expect(ecs?.notes.filter((n) => n.includes('EVENTS_QUEUE_URL') || n.includes('TABLE_ENDPOINT'))).toHaveLength(2);
  });

  it('a value on localhost:4566 (LocalStack on the developer machine) is a placeholder too; localhost on another port is not an emulator', () => {
    const { env } = ecsOf('aws-local-credentials', 'archiver', (tree) => {
      const text = tree.get('docker-compose.yml') ?? '';
      tree.set('docker-compose.yml', text.replace('http://elasticmq:9324/000000000000/events', 'http://localhost:4566/000000000000/events').replace('https://archive.example.com', 'http://localhost:8080'));
    });
    // review9 R12: localhost:8080 is no emulator, but an address of the developer's machine all the same.
    expect(env).toMatchObject({ EVENTS_QUEUE_URL: '<EVENTS_QUEUE_URL>', PUBLIC_URL: '<PUBLIC_URL>' });
  });
});

describe('task definition environment: a local mail catcher (review6 R19)', () => {
  // jobs sets SMTP_HOST: mailhog and MAIL_URL: smtp://mailpit:1025; neither is a compose service here.
  it('a mail catcher host is a placeholder with a note citing the line, and so is its port (review9 R12); a real SMTP host stays', () => {
    const { env, ecs } = ecsOf('extends-inherited-env', 'jobs');
    expect(env).toMatchObject({ SMTP_HOST: '<SMTP_HOST>', MAIL_URL: '<MAIL_URL>', SMTP_PORT: '<SMTP_PORT>', BILLING_SMTP: 'smtp.example.com' });
    expect(ecs?.notes.filter((n) => n.startsWith('SMTP_PORT') && n.includes('mailhog'))).toHaveLength(1);
    expect(JSON.stringify(ecs?.taskDefinition)).not.toMatch(/mailhog|mailpit/);
    expect(ecs?.notes.filter((n) => n.includes('SMTP_HOST') && n.includes('docker-compose.yml:32'))).toHaveLength(1);
    expect(ecs?.notes.filter((n) => n.includes('MAIL_URL') && n.includes('docker-compose.yml:34'))).toHaveLength(1);
  });

  it('maildev, smtp4dev and a mail catcher run as a compose service are placeholders too; a host that only starts with the name is not', () => {
    const { env, report } = ecsOf('extends-inherited-env', 'jobs', (tree) => {
      const text = (tree.get('docker-compose.yml') ?? '')
        .replace('SMTP_HOST: mailhog', 'SMTP_HOST: maildev\n      MAIL_SERVER: smtp4dev\n      RELAY_HOST: mailhog.mail.example.com')
        .replace('  redis:\n', '  mailpit:\n    image: axllent/mailpit\n  redis:\n');
      tree.set('docker-compose.yml', text);
    });
    expect(env).toMatchObject({ SMTP_HOST: '<SMTP_HOST>', MAIL_SERVER: '<MAIL_SERVER>', MAIL_URL: '<MAIL_URL>', RELAY_HOST: 'mailhog.mail.example.com' });
    expect(report.findings.filter((f) => f.code === 'ECS406' && (f.services ?? [f.service]).includes('jobs')).map((f) => `${f.file}:${f.line}`).sort()).toEqual(['docker-compose.base.yml:7', 'docker-compose.yml:36']);
  });
});

describe('task definition environment: compose env_file (review5 N16)', () => {
  const FIXTURE = '../transforms/compose-secret-defaults/env-file-credentials/before';

  it('notify: the committed env file\'s variables are carried (environment: over them), its credentials as secrets, never as values', () => {
    const { env, container, ecs, report } = ecsOf(FIXTURE, 'notify');
    expect(env).toMatchObject({ NODE_ENV: 'production', LOG_LEVEL: 'info', TOKEN_TTL: '3600', PORT: '3100' });
    expect(container?.secrets.map((s) => s.name).sort()).toEqual(['JWT_SECRET', 'SMTP_URL']);
    expect(JSON.stringify(ecs)).not.toContain('SG.x8Kd92');
    expect(JSON.stringify(ecs)).not.toContain('9f8e7d6c5b4a');
    const keys = report.findings.filter((f) => /^ECS21[127]$/.test(f.code)).map((f) => `${f.code} ${f.file}:${f.line}`);
    expect(keys.sort()).toEqual(['ECS211 services/notify/.env.production:5', 'ECS211 services/notify/.env.production:6', 'ECS212 mongo.env:2', 'ECS212 services/mailer/defaults.env:2']);
  });

  it('mailer: list form with an optional long-form entry that does not exist: the list\'s variables, environment (list form) over them, no finding and no note for the optional file', () => {
    const { env, container, ecs, report } = ecsOf(FIXTURE, 'mailer');
    expect(env.MAIL_FROM).toBe('noreply@shop.example');
    expect(Object.keys(env)).toContain('SMTP_HOST');
    expect(container?.secrets.map((s) => s.name)).toEqual(['SMTP_PASSWORD']);
    expect(ecs?.notes.filter((n) => n.includes('local.env'))).toEqual([]);
    expect(report.findings.filter((f) => f.code === 'ECS217')).toEqual([]);
  });

  it('a required env file that does not exist: ECS217 at the entry, and the task definition says its variables are not carried', () => {
    const { ecs, report } = ecsOf(FIXTURE, 'mailer', (tree) => tree.delete('services/mailer/defaults.env'));
    expect(report.findings.filter((f) => f.code === 'ECS217').map((f) => `${f.file}:${f.line}`)).toEqual(['docker-compose.yml:15']);
    expect(ecs?.notes.filter((n) => n.includes('services/mailer/defaults.env'))).toHaveLength(1);
  });

  it('an env file git ignores (the developer\'s own, absent from a clone): no ECS217 and no secret finding; the task definition names the .gitignore line', () => {
    const { ecs, report } = ecsOf(FIXTURE, 'notify', (tree) => {
      tree.delete('services/notify/.env.production');
      tree.set('.gitignore', 'node_modules\n.env.production\n');
    });
    expect(report.findings.filter((f) => /^ECS21[17]$/.test(f.code))).toEqual([]);
    expect(ecs?.notes.filter((n) => n.includes('services/notify/.env.production') && n.includes('.gitignore:2'))).toHaveLength(1);
  });
});

describe('compose files used only as extends: templates', () => {
  // review6 R14: deploy/compose.base.yml holds `api-base: {build: …}` only for docker-compose.yml's
  // `api: {extends: {file: deploy/compose.base.yml, service: api-base}}`; nothing runs the base file.
  it('the template service is no deployed service: one task definition (api), with the environment it inherits', () => {
    const { ecs, env, report, repo } = ecsOf('extends-template-base', 'api');
    expect(report.ecs.map((e) => e.service)).toEqual(['api']);
    expect(report.services.map((s) => s.name)).toEqual(['api']);
    expect(repo.compose.projects.map((p) => p.file)).toEqual(['docker-compose.yml']);
    expect(env).toMatchObject({ NODE_ENV: 'production', LOG_LEVEL: 'info' });
    expect(ecs?.taskDefinition.family).toBe('api');
  });

  it('a base file a script runs by itself (docker compose -f deploy/compose.base.yml up) stays a project of its own', () => {
    const { report } = ecsOf('extends-template-base', 'api', (tree) => {
      tree.set('Makefile', 'base:\n\tdocker compose -f deploy/compose.base.yml up --build\n');
    });
    expect(report.ecs.map((e) => e.service).sort()).toEqual(['api', 'api-base']);
  });

  it('a base file .env names in COMPOSE_FILE stays a project of its own', () => {
    const { report } = ecsOf('extends-template-base', 'api', (tree) => {
      tree.set('.env', 'COMPOSE_FILE=deploy/compose.base.yml\n');
    });
    expect(report.ecs.map((e) => e.service).sort()).toEqual(['api', 'api-base']);
  });

  it('a base file with a service nothing extends stays a project of its own', () => {
    const { report } = ecsOf('extends-template-base', 'api', (tree) => {
      tree.set('deploy/compose.base.yml', `${tree.get('deploy/compose.base.yml')}  migrate:\n    build:\n      context: ..\n      dockerfile: apps/api/Dockerfile\n    command: ["node", "src/server.js"]\n`);
    });
    expect(report.ecs.map((e) => e.service).sort()).toEqual(expect.arrayContaining(['api', 'api-base']));
  });
});

describe('task definition environment: the image ENV as the build expands it (one model with the start command)', () => {
  // api/Dockerfile: ARG NAME=api, ARG RELEASE (no default); ENV APP_DIR=/srv/$NAME, ENV RELEASE_TAG=$RELEASE;
  // the code reads both. Before the one model, the check read ENV values as written: both names
  // counted as set by the image and were left out, RELEASE_TAG's value being a literal `$RELEASE`.
  it('APP_DIR expands to /srv/api in the model and, set by the image, stays out of the task definition', () => {
    const { env, names, repo } = ecsOf('image-env-build-args', 'api');
    expect(repo.services.find((s) => s.name === 'api')?.imageEnv.get('APP_DIR')).toMatchObject({ value: '/srv/api', written: '/srv/$NAME' });
    expect(names).not.toContain('APP_DIR');
    expect(env).toMatchObject({ LOG_LEVEL: 'info', PORT: '3000' });
  });

  it('RELEASE_TAG from a build ARG with no value is not established: a <RELEASE_TAG> placeholder with a note naming the ENV line, never `$RELEASE`', () => {
    const { env, ecs, repo } = ecsOf('image-env-build-args', 'api');
    expect(repo.services.find((s) => s.name === 'api')?.imageEnv.get('RELEASE_TAG')).toMatchObject({ value: null, unknown: ['RELEASE'], line: 9 });
    expect(env.RELEASE_TAG).toBe('<RELEASE_TAG>');
    expect(Object.values(env).some((v) => v.includes('$'))).toBe(false);
    expect(ecs?.notes.filter((n) => n.includes('RELEASE_TAG') && n.includes('api/Dockerfile:9'))).toHaveLength(1);
  });

  it('a compose build arg gives RELEASE a value: RELEASE_TAG is established and left to the image, with no note', () => {
    const { names, ecs, repo } = ecsOf('image-env-build-args', 'api', (tree) => {
      tree.set('docker-compose.yml', (tree.get('docker-compose.yml') ?? '').replace('    build: ./api\n', '    build:\n      context: ./api\n      args:\n        RELEASE: "2024.06"\n'));
    });
    expect(repo.services.find((s) => s.name === 'api')?.imageEnv.get('RELEASE_TAG')?.value).toBe('2024.06');
    expect(names).not.toContain('RELEASE_TAG');
    expect(ecs?.notes.filter((n) => n.includes('RELEASE_TAG'))).toEqual([]);
  });
});

// review9 R12 (acme-platform's api and mailer): development values and placeholders for known values.
describe('task definition environment: development values and known defaults (review9 R12)', () => {
  it('a localhost URL is a placeholder with a note, unless it is the service\'s own port; a compose ${VAR:-default} is its default; ${VAR} alone stays a placeholder', () => {
    const { env, ecs } = ecsOf('dev-values-and-defaults', 'api');
    expect(env).toMatchObject({ CORS_ORIGIN: '<CORS_ORIGIN>', SELF_URL: 'http://localhost:3000', LOG_LEVEL: 'info', NODE_ENV: 'production', DOCS_URL: '<DOCS_URL>' });
    expect(ecs?.notes.filter((n) => n.startsWith('CORS_ORIGIN') && n.includes('localhost:8080') && n.includes('docker-compose.yml:14'))).toHaveLength(1);
    expect(ecs?.notes.filter((n) => n.includes('SELF_URL'))).toEqual([]);
  });

  it('a committed .env beside the project file sets what ${VAR:-default} becomes', () => {
    const { env } = ecsOf('dev-values-and-defaults', 'api', (tree) => tree.set('.env', 'LOG_LEVEL=warn\nDOCS_URL=https://docs.example.com\n'));
    expect(env).toMatchObject({ LOG_LEVEL: 'warn', DOCS_URL: 'https://docs.example.com' });
  });

  it('a mail catcher\'s port goes with its host; a variable only the code reads, with a fallback at every read, is left unset; one without stays a placeholder', () => {
    const { env, ecs } = ecsOf('dev-values-and-defaults', 'mailer');
    expect(env).toMatchObject({ SMTP_HOST: '<SMTP_HOST>', SMTP_PORT: '<SMTP_PORT>', MAIL_FROM: '<MAIL_FROM>' });
    expect(Object.keys(env)).not.toContain('MAIL_QUEUE');
    expect(Object.keys(env)).not.toContain('MAIL_PREFETCH');
    expect(JSON.stringify(ecs?.taskDefinition)).not.toContain('1025');
    expect(ecs?.notes.filter((n) => n.startsWith('SMTP_PORT') && n.includes('docker-compose.yml:23'))).toHaveLength(1);
  });
});
