/**
 * `ecsfix check` on copies of the sample monorepos: the seeds' findings by code, service, file and
 * line; what remains after `apply --yes`; the exit codes; and every output format against its
 * schema (JSON Schema, the SARIF 2.1.0 schema, the SARIF multitool) or the ECS API's shape.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildCheckReport } from '../src/check/report.js';
import { findingCode } from '../src/findings/codes.js';
import { checkJson as toJson } from '../src/check/format/json.js';
import { formatMarkdown } from '../src/check/format/markdown.js';
import { checkSarif } from '../src/check/format/sarif.js';
import { formatText } from '../src/check/format/text.js';
import { TRANSFORMS } from '../transforms/index.js';
import { applyPlan, planTree, readTree } from './helpers/repo.js';
import { copySample, FIXTURES, gitInit, runCli, tempDir } from './helpers/tmp.js';

interface JsonFinding {
  code: string;
  severity: string;
  service: string | null;
  file: string | null;
  line: number | null;
  fixedBy: string | null;
}

const ROOT = join(import.meta.dirname, '..');

/** The report of a bundled sample, built in memory once per sample (the format tests share it). */
const reports = new Map<string, ReturnType<typeof buildCheckReport>>();
function sampleReport(name: string) {
  const hit = reports.get(name);
  if (hit) return hit;
  const tree = readTree(join(FIXTURES, name));
  const { repo, plan } = planTree(tree, [...TRANSFORMS]);
  const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
  reports.set(name, report);
  return report;
}
const reportSchema = JSON.parse(readFileSync(join(ROOT, 'schemas/check-report.schema.json'), 'utf8'));

async function checkJson(dir: string, ...args: string[]) {
  const result = await runCli(['check', dir, '--format', 'json', ...args]);
  return { code: result.code, report: JSON.parse(result.stdout) as { findings: JsonFinding[]; services: { name: string; verdict: string; blocking: number }[] } & Record<string, unknown> };
}

const has = (findings: JsonFinding[], want: Partial<JsonFinding>) =>
  expect(findings.some((f) => Object.entries(want).every(([k, v]) => f[k as keyof JsonFinding] === v)), JSON.stringify(want)).toBe(true);

/** Seeds 000-002 on the kodingcaravan sample: what has no automatic fix, with its place. */
const SEED_READINESS: Partial<JsonFinding>[] = [
  // 001 B.2 / E.1: course-service connects to Mongo before it listens and exits
  { code: 'ECS401', service: 'course-service', file: 'services/course-service/src/index.ts', line: 43, severity: 'blocking' },
  // 001 B.3 / E.3-5: notification-worker exits when MONGO_URI is unset or Mongo is down
  { code: 'ECS401', service: 'notification-worker', file: 'services/notification-worker/src/index.ts', line: 301, severity: 'blocking' },
  // 001 B.4 / E.6-7: cache-worker exits when Redis is not available (the seed calls it blocking; a
  // reviewer's "the scheduler replaces it" does not stop the crash loop)
  { code: 'ECS401', service: 'cache-worker', file: 'services/cache-worker/src/index.ts', line: 181, severity: 'blocking' },
  // 001 E.8-10
  { code: 'ECS401', service: 'purchase-worker', file: 'services/purchase-worker/src/index.ts', line: 237 },
  { code: 'ECS401', service: 'session-worker', file: 'services/session-worker/src/index.ts', line: 187 },
  { code: 'ECS401', service: 'allocation-worker', file: 'services/allocation-worker/src/index.ts', line: 198 },
  // 001 C.2 / E.11: getServicePortSync at module top level throws without PORT
  { code: 'ECS402', service: 'api-gateway', file: 'services/api-gateway/src/index.ts', line: 10 },
  { code: 'ECS402', service: 'student-auth-service', file: 'services/student-auth-service/src/index.ts', line: 82 },
  // 000 sections 2.3 and 9: compose-only hostnames ECS must get as env vars
  { code: 'ECS406', service: 'booking-service', file: 'docker-compose.yml', line: 302 },
  { code: 'ECS406', service: 'admin-service', file: 'docker-compose.yml', line: 286 },
  { code: 'ECS406', service: 'notification-worker', file: 'docker-compose.yml', line: 320 },
  { code: 'ECS406', service: 'allocation-worker', file: 'docker-compose.yml', line: 372 },
  { code: 'ECS406', service: 'api-gateway', file: 'docker-compose.yml', line: 120 },
];

/** Seeds 000-002: what a transform fixes, as pending changes. */
const SEED_FIXABLE: Partial<JsonFinding>[] = [
  ...['notification-worker', 'purchase-worker', 'session-worker', 'cache-worker', 'allocation-worker'].map((s) => ({ service: s, file: `services/${s}/Dockerfile`, fixedBy: 'dockerfile-worker-multistage' })),
  { service: 'notification-service', file: 'services/notification-service/Dockerfile', line: 39, fixedBy: 'dockerfile-frozen-lockfile' },
  // 000 section 1.2: the workers run as root (static build check), fixed by the multi-stage rewrite
  { code: 'ECS505', service: 'allocation-worker', file: 'services/allocation-worker/Dockerfile', fixedBy: 'dockerfile-worker-multistage', severity: 'blocking' },
  { service: 'api-gateway', file: 'services/api-gateway/Dockerfile', line: 99, fixedBy: 'dockerfile-healthcheck-env' },
  { service: 'course-service', file: 'services/course-service/Dockerfile', fixedBy: 'dockerfile-port-env' },
  { service: 'api-gateway', file: 'services/api-gateway/src/index.ts', line: 10, code: 'ECS402', fixedBy: 'dockerfile-port-env' },
];

describe('ecsfix check on kodingcaravan', () => {
  it('exits 1 and names the seeds\' findings; after apply --yes only findings without a fix remain', async () => {
    const dir = copySample('kodingcaravan');
    gitInit(dir);
    const before = await checkJson(dir);
    expect(before.code).toBe(1);
    for (const want of [...SEED_READINESS, ...SEED_FIXABLE]) has(before.report.findings, want);
    expect(before.report.services.every((s) => s.verdict === 'NEEDS CHANGES')).toBe(true);

    expect((await runCli(['apply', dir, '--yes'])).code).toBe(0);
    const after = await checkJson(dir);
    expect(after.report.findings.filter((f) => f.fixedBy !== null)).toEqual([]);
    // listen-before-mongo moved course-service's Mongo connection after listen: its start-up no longer exits on Mongo
    const courseExit = (f: Partial<JsonFinding>) => f.code === 'ECS401' && f.service === 'course-service';
    // The codemods inserted lines into the worker entry files: the same findings, at moved lines.
    const codemodded = (f: Partial<JsonFinding>) => /-worker\/src\/index\.ts$/.test(f.file ?? '');
    for (const want of SEED_READINESS.filter((f) => f.code !== 'ECS402' && !courseExit(f))) {
      const { line, ...rest } = want;
      has(after.report.findings, codemodded(want) ? rest : { line, ...rest });
    }
    expect(after.report.findings.filter(courseExit)).toEqual([]);
    // ENV PORT now mitigates the throwing port helper: info, no longer a warning
    has(after.report.findings, { code: 'ECS402', service: 'api-gateway', line: 10, severity: 'info', fixedBy: null });
    const verdict = Object.fromEntries(after.report.services.map((s) => [s.name, s.verdict]));
    expect(verdict['api-gateway']).toBe('READY');
    expect(verdict['booking-service']).toBe('READY');
    // B.3 (MONGO_URI required at start-up) and B.4 (exits when Redis is down) stay blocking
    expect(verdict['notification-worker']).toBe('NEEDS CHANGES');
    expect(verdict['cache-worker']).toBe('NEEDS CHANGES');
    expect(after.code).toBe(1);
    // --fail-on is a threshold, not a filter: blocking findings fail every level
    expect((await runCli(['check', dir, '--fail-on', 'info'])).code).toBe(1);
  }, 60_000);

  it('text fits 80 columns and shows the verdict table and ECS fragments', () => {
    const stdout = formatText(sampleReport('kodingcaravan'), { color: false, verbose: true });
    for (const line of stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(stdout).toMatch(/^course-service\s+http\s+3005\s+NEEDS CHANGES\s+\d+$/m);
    expect(stdout).toContain('ECS401');
  });

  it('--format json matches the schema the README documents', async () => {
    const ajv = new Ajv({ allErrors: true });
    const validate = ajv.compile(reportSchema);
    for (const sample of ['kodingcaravan', 'peerprep']) {
      const report = JSON.parse(JSON.stringify(toJson(sampleReport(sample))));
      expect(validate(report) ? [] : validate.errors).toEqual([]);
    }
    // the CLI prints the same document
    const { report } = await checkJson(copySample('peerprep'));
    expect(validate(report) ? [] : validate.errors).toEqual([]);
  });

  it('--format ecs writes task definitions whose health check the image can run', async () => {
    const dir = copySample('kodingcaravan');
    const out = join(tempDir(), 'ecs');
    const { code } = await runCli(['check', dir, '--format', 'ecs', '--output', out]);
    expect(code).toBe(1);
    const files = readdirSync(out);
    expect(files).toContain('course-service.task-definition.json');
    expect(files).toContain('course-service.target-group.json');
    expect(files).not.toContain('cache-worker.target-group.json');
    const td = JSON.parse(readFileSync(join(out, 'course-service.task-definition.json'), 'utf8'));
    const container = td.containerDefinitions[0];
    expect(container.portMappings).toEqual([{ containerPort: 3005, protocol: 'tcp' }]);
    expect(container.healthCheck.command.slice(0, 2)).toEqual(['CMD', 'node']); // node:18-alpine has node, not curl
    expect(container.healthCheck.command[3]).toContain('/health');
    expect(container.healthCheck).toMatchObject({ interval: 30, timeout: 5, retries: 3, startPeriod: 40 });
    const tg = JSON.parse(readFileSync(join(out, 'course-service.target-group.json'), 'utf8'));
    expect(tg).toMatchObject({ Port: 3005, HealthCheckPath: '/health', HealthCheckPort: 'traffic-port', Matcher: { HttpCode: '200' } });
    const worker = JSON.parse(readFileSync(join(out, 'notification-worker.task-definition.json'), 'utf8')).containerDefinitions[0];
    expect(worker.portMappings).toEqual([]);
    expect(worker.healthCheck).toBeUndefined();
    expect(worker.stopTimeout).toBe(30);
    // the chat-service MONGO_URI is a secret: a reference, never a value
    const chat = JSON.parse(readFileSync(join(out, 'chat-service.task-definition.json'), 'utf8')).containerDefinitions[0];
    expect(chat.secrets.map((s: { name: string }) => s.name)).toContain('MONGO_URI');
    expect(chat.environment.map((e: { name: string }) => e.name)).not.toContain('MONGO_URI');
    expect(JSON.stringify(chat)).not.toContain('Kc%40ravan');
  });

  it('an nginx frontend: ECS505 names dockerfile-nginx-non-root; its task definition probes the HEALTHCHECK route on the fixed port', () => {
    const tree = readTree(join(FIXTURES, 'transforms/dockerfile-nginx-non-root/alpine-conf-d/before'));
    const { repo, plan } = planTree(tree, [...TRANSFORMS]);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
    expect(report.findings.filter((f) => f.code === 'ECS505' && f.service === 'frontend').map((f) => f.fixedBy)).toEqual(['dockerfile-nginx-non-root']);
    // N14: check reports root at runtime as blocking, and the code table (README, --fail-on users) says the same.
    expect(report.findings.filter((f) => f.code === 'ECS505').map((f) => f.severity)).toEqual(['blocking']);
    expect(findingCode('ECS505')?.defaultSeverity).toBe('blocking');
    const frontend = report.ecs.find((e) => e.service === 'frontend');
    expect(frontend?.targetGroup?.HealthCheckPath).toBe('/health');
    const probe = (frontend?.taskDefinition.containerDefinitions[0]?.healthCheck?.command ?? []).join(' ');
    expect(probe).toContain('localhost:8080/health');
    expect(probe).not.toContain('PORT');
  });

  it('--format markdown lists the fixes with their commands and what is left by hand', () => {
    const stdout = formatMarkdown(sampleReport('kodingcaravan'));
    expect(stdout).toContain('ecsfix apply -t dockerfile-worker-multistage --yes');
    expect(stdout).toMatch(/\| blocking \| ECS401 \| cache-worker \| `services\/cache-worker\/src\/index.ts:181` \|/);
  });

  it('a file that does not parse: the report still prints, the file is named with its line, exit 2', async () => {
    const dir = copySample('peerprep');
    writeFileSync(join(dir, 'user_service/docker-compose.yml'), 'services:\n  user-service:\n    build: [\n');
    const { code, stdout, stderr } = await runCli(['check', dir]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^question-service\s+http/m);
    expect(stderr).toContain('user_service/docker-compose.yml:4');
  });

  it('bad flags exit 2', async () => {
    expect((await runCli(['check', '--format', 'xml'])).code).toBe(2);
    expect((await runCli(['check', '--fail-on', 'never'])).code).toBe(2);
    expect((await runCli(['check', '--output', 'x'])).code).toBe(2);
  });
});

describe('ecsfix check on peerprep', () => {
  it('names the development servers and curl probes of seeds 003/004 and probes with python', async () => {
    const dir = copySample('peerprep');
    const { code, report } = await checkJson(dir);
    expect(code).toBe(1);
    has(report.findings, { code: 'ECS407', service: 'user-service', file: 'user_service/Dockerfile', line: 27, severity: 'blocking' });
    has(report.findings, { code: 'ECS407', service: 'history-service', file: 'history_service/Dockerfile', line: 22 });
    has(report.findings, { code: 'ECS408', service: 'user-service', file: 'user_service/docker-compose.yml', line: 34 });
    has(report.findings, { code: 'ECS408', service: 'question-service', file: 'question_service/docker-compose.yml', line: 35 });
    // Line 11's QUESTION_SERVICE_URL is the per-service project's (run alone for development): the
    // deployed definition (the root project with docker-compose.prod.yml) sets it from a variable.
    has(report.findings, { code: 'ECS406', service: 'matching-service', file: 'matching_service/docker-compose.yml', line: 12 });
    expect(report.findings.filter((f) => f.code === 'ECS406' && f.service === 'matching-service').map((f) => f.line)).toEqual([12]);
    const ecs = (report.ecs as { service: string; taskDefinition: { containerDefinitions: { healthCheck?: { command: string[] } }[] } }[]).find((e) => e.service === 'matching-service');
    expect(ecs?.taskDefinition.containerDefinitions[0]?.healthCheck?.command.slice(0, 2)).toEqual(['CMD', 'python3']);
  });
});

describe('ecsfix check exit 0', () => {
  it('exits 0 once no blocking finding remains, and --fail-on warning then still fails on warnings', async () => {
    const dir = tempDir();
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'api', version: '1.0.0', main: 'dist/index.js', scripts: { build: 'tsc' }, dependencies: { express: '^4' } }, null, 2) + '\n',
      'package-lock.json': '{}\n',
      'src/index.ts': "import express from 'express';\nconst app = express();\napp.get('/health', (_req, res) => res.send('ok'));\napp.listen(Number(process.env.PORT) || 3000);\n",
      Dockerfile: 'FROM node:20-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nUSER node\nEXPOSE 3000\nCMD ["node", "dist/index.js"]\n',
      'docker-compose.yml': 'services:\n  api:\n    build: .\n    ports:\n      - "3000:3000"\n    environment:\n      CACHE_URL: http://cache:6379\n  cache:\n    image: redis:7-alpine\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    gitInit(dir);
    const first = await checkJson(dir);
    expect(first.code).toBe(1);
    expect(first.report.findings.filter((f) => f.severity === 'blocking').every((f) => f.fixedBy !== null)).toBe(true);
    expect((await runCli(['apply', dir, '--yes'])).code).toBe(0);
    const second = await checkJson(dir);
    expect(second.code).toBe(0);
    has(second.report.findings, { code: 'ECS406', service: 'api', severity: 'warning' });
    expect(second.report.services).toMatchObject([{ name: 'api', verdict: 'READY', blocking: 0 }]);
    expect((await runCli(['check', dir, '--fail-on', 'warning'])).code).toBe(1);
  });
});

describe('ecsfix check --format sarif', () => {
  it('is valid SARIF 2.1.0 (schema) with rules, repo-relative locations and fixes', () => {
    const dir = join(FIXTURES, 'kodingcaravan');
    const log = JSON.parse(JSON.stringify(checkSarif(sampleReport('kodingcaravan'), dir, '0.0.0-test')));
    // jest-sarif ships the SARIF 2.1.0 schema (draft-04) and an ajv that reads draft-04.
    const require = createRequire(require_base());
    const Ajv6 = require('ajv');
    const ajv = new Ajv6({ schemaId: 'auto', validateSchema: false, allErrors: true });
    ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
    const valid = ajv.validate(require('../lib/schemas/sarif-2.1.0-rtm.5.json'), log);
    expect(valid ? [] : ajv.errors).toEqual([]);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toContain('ECS401');
    for (const rule of run.tool.driver.rules) expect(rule.helpUri).toMatch(/^https:\/\/.*#/);
    const result = run.results.find((r: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.ruleId === 'ECS401' && r.locations[0]?.physicalLocation.artifactLocation.uri === 'services/cache-worker/src/index.ts');
    expect(result.locations[0].physicalLocation.region.startLine).toBe(181);
    const fixed = run.results.filter((r: { fixes?: unknown[] }) => r.fixes);
    expect(fixed.length).toBeGreaterThan(0);
    // Each fix, applied to the file on disk, gives what `apply` writes.
    for (const r of fixed) {
      const change = r.fixes[0].artifactChanges[0];
      const path = join(dir, change.artifactLocation.uri);
      let text = readFileSync(path, 'utf8');
      for (const rep of [...change.replacements].reverse())
        text = text.slice(0, rep.deletedRegion.charOffset) + (rep.insertedContent?.text ?? '') + text.slice(rep.deletedRegion.charOffset + rep.deletedRegion.charLength);
      expect(text).toBe(sampleReport('kodingcaravan').changes.find((c) => c.path === change.artifactLocation.uri)?.after);
    }
    expect(new Set(fixed.map((r: { fixes: { artifactChanges: { artifactLocation: { uri: string } }[] }[] }) => r.fixes[0]?.artifactChanges[0]?.artifactLocation.uri)).size).toBe(sampleReport('kodingcaravan').changes.length);
  });

  it('passes the SARIF multitool validate with no errors', async () => {
    const tool = join(ROOT, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
    if (!existsSync(tool)) {
      console.warn('SKIPPED: SARIF multitool not installed');
      return;
    }
    chmodSync(tool, 0o755); // npm does not run its install script, so it is not executable after npm ci
    const dir = copySample('kodingcaravan');
    const work = tempDir();
    const { code, stdout } = await runCli(['check', dir, '--format', 'sarif']);
    expect(code).toBe(1);
    writeFileSync(join(work, 'check.sarif'), stdout);
    let output: string;
    try {
      // Asynchronously: the validation takes about 30 s, and a test worker blocked that long misses vitest's RPC timeout.
      ({ stdout: output } = await promisify(execFile)(tool, ['validate', join(work, 'check.sarif'), '--output', join(work, 'validation.sarif')], { encoding: 'utf8', env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' } }));
    } catch (error) {
      const e = error as { code?: number | string; stdout?: string; message: string };
      const status = typeof e.code === 'number' ? e.code : undefined;
      if (status === undefined || status === 126 || status === 127) {
        console.warn(`SKIPPED: SARIF multitool cannot run here: ${e.message}`);
        return;
      }
      throw new Error(`multitool validate failed (${status}): ${e.stdout ?? ''}`);
    }
    expect(output).not.toMatch(/: error /);
    const validation = JSON.parse(readFileSync(join(work, 'validation.sarif'), 'utf8'));
    const errors = validation.runs.flatMap((r: { results?: { level?: string }[] }) => r.results ?? []).filter((r: { level?: string }) => r.level === 'error');
    expect(errors).toEqual([]);
  }, 60_000);
});

function require_base(): string {
  return join(ROOT, 'node_modules/@microsoft/jest-sarif/lib/index.js');
}

describe('check names a fix only while apply would make it', () => {
  // A pnpm monorepo whose lockfile records no importer: dockerfile-worker-multistage and
  // dockerfile-frozen-lockfile refuse (ECS145/ECS161 say why), dockerfile-non-root has a change.
  const tree = new Map(Object.entries({
    'package.json': '{ "name": "acme", "private": true, "packageManager": "pnpm@8.15.4", "devDependencies": { "turbo": "^1.12.4" } }\n',
    'pnpm-workspace.yaml': 'packages:\n  - "apps/*"\n',
    'pnpm-lock.yaml': 'lockfileVersion: "6.0"\n',
    'apps/worker/package.json': '{ "name": "@acme/worker", "main": "dist/index.js", "scripts": { "build": "tsc" }, "dependencies": { "bullmq": "^5.1.0" } }\n',
    'apps/worker/src/index.ts': "import { Worker } from 'bullmq';\nconst worker = new Worker('emails', async () => {});\nprocess.on('SIGTERM', async () => {\n  await worker.close();\n  process.exit(0);\n});\n",
    'apps/worker/Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm install\nRUN npm run build --workspace=@acme/worker\nCMD ["node", "apps/worker/dist/index.js"]\n',
    'docker-compose.yml': 'services:\n  worker:\n    build:\n      context: .\n      dockerfile: apps/worker/Dockerfile\n',
  }));
  const report = (t: Map<string, string>) => {
    const { repo, plan } = planTree(t, [...TRANSFORMS]);
    return { plan, report: buildCheckReport(repo, plan, (p) => t.get(p) ?? null, [...TRANSFORMS]) };
  };

  it('a refused transform\'s finding carries no fixedBy; the pending change does', () => {
    const { plan, report: before } = report(tree);
    expect(plan.changes.map((c) => [c.path, c.transforms])).toEqual([['apps/worker/Dockerfile', ['dockerfile-non-root']]]);
    const refusals = before.findings.filter((f) => f.code === 'ECS145' || f.code === 'ECS161');
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.map((f) => f.fixedBy)).toEqual(refusals.map(() => undefined));
    expect(before.findings.filter((f) => f.fixedBy).every((f) => f.fixedBy === 'dockerfile-non-root')).toBe(true);
  });

  it('after apply (nothing left to change) nothing is fixable and no finding names a fix', () => {
    const { plan } = report(tree);
    const { plan: again, report: after } = report(applyPlan(tree, plan));
    expect(again.changes).toEqual([]);
    expect(after.summary.fixable).toBe(0);
    expect(after.findings.filter((f) => f.fixedBy)).toEqual([]);
    expect(formatText(after, { color: false, verbose: true })).not.toContain('[fix:');
  });
});

describe('check: the pending .env.example of compose-secret-defaults', () => {
  it('names the repo\'s own variables with their compose lines, as info beside the compose change', () => {
    const tree = new Map(Object.entries({
      'docker-compose.yml': 'services:\n  api:\n    image: node:20-alpine\n    environment:\n      MONGO_URL: ${MONGO_URL:-mongodb://mongo:27017/acme}\n      JWT_SECRET: ${JWT_SECRET:-changeme}\n  worker:\n    image: node:20-alpine\n    environment:\n      - SMTP_PASSWORD=${SMTP_PASSWORD:-secret}\n',
    }));
    const { repo, plan } = planTree(tree, [...TRANSFORMS]);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
    const pending = report.findings.filter((f) => f.code === 'ECS009');
    const env = pending.filter((f) => f.file === '.env.example');
    expect(env).toHaveLength(1);
    expect(env[0]?.severity).toBe('info');
    for (const fact of ['JWT_SECRET', 'docker-compose.yml:6', 'SMTP_PASSWORD', 'docker-compose.yml:10']) expect(env[0]?.message).toContain(fact);
    expect(env[0]?.message).not.toContain('MONGO_URI');
    // the change to the compose file is the one that counts
    expect(pending.filter((f) => f.file === 'docker-compose.yml').map((f) => f.severity)).toEqual(['blocking']);
    expect(report.summary.fixable).toBe(1);
  });
});

describe('check: a secret default in an `extends:` base (review9 R10)', () => {
  // acme-platform's shape: docker/common.yml is only the `extends:` base `node-app` of api, gateway
  // and jobs; the root file include:s the infra project, whose rabbitmq defaults RABBITMQ_PASS as the
  // mailer's AMQP_URL does.
  const tree = new Map(Object.entries({
    'docker-compose.yml': [
      'name: acme',
      '',
      'include:',
      '  - docker/compose.infra.yml',
      '',
      'services:',
      '  api:',
      '    extends:',
      '      file: docker/common.yml',
      '      service: node-app',
      '    build:',
      '      context: .',
      '      dockerfile: docker/api.Dockerfile',
      '    ports:',
      '      - "3000:3000"',
      '  gateway:',
      '    extends:',
      '      file: docker/common.yml',
      '      service: node-app',
      '    build:',
      '      context: .',
      '      dockerfile: docker/gateway.Dockerfile',
      '  mailer:',
      '    profiles: ["workers"]',
      '    build:',
      '      context: .',
      '      dockerfile: docker/mailer.Dockerfile',
      '    environment:',
      '      AMQP_URL: amqp://${RABBITMQ_USER:-guest}:${RABBITMQ_PASS:-guest}@rabbitmq:5672',
      '',
    ].join('\n'),
    'docker/common.yml': 'services:\n  node-app:\n    restart: unless-stopped\n    environment:\n      TZ: UTC\n      SESSION_SECRET: ${SESSION_SECRET:-keyboard cat}\n',
    'docker/compose.infra.yml': 'services:\n  rabbitmq:\n    image: rabbitmq:3.12-management\n    environment:\n      RABBITMQ_DEFAULT_USER: ${RABBITMQ_USER:-guest}\n      RABBITMQ_DEFAULT_PASS: ${RABBITMQ_PASS:-guest}\n',
    '.env.example': 'POSTGRES_PASSWORD=acme\n',
    'docker/api.Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "apps/api/index.js"]\n',
    'docker/gateway.Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "apps/gateway/index.js"]\n',
    'docker/mailer.Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "apps/mailer/index.js"]\n',
  }));
  const { repo, plan } = planTree(tree, [...TRANSFORMS]);
  const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);

  it('reports the base\'s finding for the services that extend it, not as a service of its own', () => {
    expect(report.findings.filter((f) => f.service === 'node-app')).toEqual([]);
    const atBase = report.findings.filter((f) => f.code === 'ECS210' && f.file === 'docker/common.yml' && f.line === 6);
    // Once, naming both (review10 R22).
    expect(atBase.map((f) => f.services)).toEqual([['api', 'gateway']]);
    expect(formatText(report, { color: false, verbose: true })).not.toMatch(/^node-app$/m);
  });

  it('lists a variable two compose files default once among the ECS214 lines, as .env.example gets it once', () => {
    const listed = report.findings.filter((f) => f.code === 'ECS214').flatMap((f) => [...f.message.matchAll(/([A-Z_]+) \(default removed at/g)].map((m) => m[1]));
    expect(listed.sort()).toEqual(['RABBITMQ_PASS', 'SESSION_SECRET']);
    const example = applyPlan(tree, plan).get('.env.example') ?? '';
    expect(example.match(/^RABBITMQ_PASS=/gm)).toHaveLength(1);
  });
});

describe('check: where a pending change is located (review4 Q14)', () => {
  it('a change to the prod stage is located in the prod stage, even when another transform changes the dev stage first', () => {
    const tree = readTree(join(FIXTURES, 'transforms', 'dockerfile-non-root', 'pnpm-deploy-workspace', 'before'));
    const dockerfile = (tree.get('apps/catalog/Dockerfile') as string).replace(
      'FROM base AS build',
      'FROM base AS dev\nCOPY . .\nRUN pnpm install --filter @acme/catalog...\nCMD ["pnpm", "--filter", "@acme/catalog", "dev"]\n\nFROM base AS build',
    );
    tree.set('apps/catalog/Dockerfile', dockerfile);
    // A lockfile that matches the manifests, so frozen-lockfile changes the dev stage's install.
    const importer = (deps: Record<string, string>) => `    dependencies:\n${Object.entries(deps).map(([n, v]) => `      '${n}':\n        specifier: ${v.startsWith('link:') ? 'workspace:*' : v}\n        version: ${v.startsWith('link:') ? v : v.slice(1)}\n`).join('')}`;
    tree.set(
      'pnpm-lock.yaml',
      `lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  apps/catalog:\n${importer({ '@acme/db': 'link:../../packages/db', fastify: '^4.28.1' })}\n  packages/db:\n${importer({ mongodb: '^6.9.0' })}`,
    );
    const { repo, plan } = planTree(tree, [...TRANSFORMS]);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
    const lines = dockerfile.split('\n');
    const prodFrom = lines.findIndex((l) => l.startsWith('FROM node:20-alpine AS prod')) + 1;
    const pending = (transform: string) => report.findings.find((f) => f.code === 'ECS009' && f.fixedBy === transform)?.line ?? 0;
    // The dev stage's install is what frozen-lockfile changes; ENV PORT goes into the prod stage.
    expect(pending('dockerfile-frozen-lockfile')).toBeLessThan(prodFrom);
    expect(pending('dockerfile-port-env')).toBeGreaterThan(prodFrom);
  });
});

describe('check: a finding shared by the services built from one Dockerfile is reported once (review10 R22)', () => {
  // One image run three ways: the API, a BullMQ worker (compose command) and a one-off knex
  // migration the API waits for. The Dockerfile's findings (root user, no ENV PORT, the lockfile-less
  // install), repeated per stage by the transforms' per-service passes, are the image's: once each.
  const tree = new Map(Object.entries({
    'docker-compose.yml': [
      'services:',
      '  migrate:',
      '    build: ./api',
      '    command: ["npx", "knex", "migrate:latest"]',
      '  api:',
      '    build: ./api',
      '    ports: ["3000:3000"]',
      '    depends_on:',
      '      migrate:',
      '        condition: service_completed_successfully',
      '  worker:',
      '    build: ./api',
      '    command: ["node", "src/worker.js"]',
      '    environment:',
      '      REDIS_HOST: redis',
      '  redis:',
      '    image: redis:7-alpine',
      '',
    ].join('\n'),
    'api/Dockerfile': 'FROM node:20-alpine AS base\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\n\nFROM base\nCOPY . .\nCMD ["node", "src/index.js"]\n',
    'api/package.json': JSON.stringify({ name: 'api', version: '1.0.0', main: 'src/index.js', dependencies: { express: '^4.19.2', knex: '^3.1.0', bullmq: '^5.0.0' } }, null, 2) + '\n',
    'api/src/index.js': "const express = require('express');\nconst app = express();\napp.get('/health', (req, res) => res.send('ok'));\napp.listen(process.env.PORT || 3000);\n",
    'api/src/worker.js': "const { Worker } = require('bullmq');\nnew Worker('mail', async (job) => console.log(job.id), { connection: { host: process.env.REDIS_HOST } });\n",
  }));
  const { repo, plan } = planTree(tree, [...TRANSFORMS]);
  const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
  const place = (f: { code: string; file?: string; line?: number; message: string }) => `${f.code} ${f.file}:${f.line} ${f.message}`;

  it('lists each finding once, naming every service (one-off job too) it is reported for', () => {
    const places = report.findings.map(place);
    expect(places.length).toBe(new Set(places).size);
    const pending = report.findings.filter((f) => f.code === 'ECS009' && f.file === 'api/Dockerfile');
    expect(pending.map((f) => f.fixedBy).sort()).toEqual(['dockerfile-non-root', 'dockerfile-port-env']);
    for (const f of pending) expect(f.services).toEqual(['migrate', 'api', 'worker']);
    expect(report.findings.filter((f) => f.code === 'ECS505').map((f) => f.services)).toEqual([['migrate', 'api', 'worker']]);
    expect(report.findings.filter((f) => f.code === 'ECS146')).toHaveLength(1);
    // A per-service finding stays the service's own.
    expect(report.findings.filter((f) => f.code === 'ECS419').map((f) => [f.service, f.services])).toEqual([['migrate', undefined]]);
  });

  it('counts a shared blocking finding for each service it names, and once in the summary', () => {
    // ECS505 (root) and port-env's pending change; non-root's pending change is the ECS505 problem, counted once.
    expect(report.services.map((s) => [s.name, s.blocking])).toEqual([['migrate', 2], ['api', 2], ['worker', 2]]);
    expect(report.summary.blocking).toBe(2);
    expect(report.summary.fixable).toBe(2);
  });

  it('counts a pending change once with the problem it fixes, when that problem is reported at least as severe; both stay listed', () => {
    const pendingNonRoot = report.findings.filter((f) => f.code === 'ECS009' && f.fixedBy === 'dockerfile-non-root');
    expect(pendingNonRoot).toHaveLength(1);
    expect(report.findings.filter((f) => f.code === 'ECS505' && f.fixedBy === 'dockerfile-non-root')).toHaveLength(1);
    const blocking = report.findings.filter((f) => f.severity === 'blocking').length;
    expect(report.summary.blocking).toBe(blocking - 1);
  });

  it('names the services in every format', () => {
    const json = toJson(report);
    const root = json.findings.filter((f) => f.code === 'ECS505');
    expect(root.map((f) => [f.service, f.services])).toEqual([['migrate', ['migrate', 'api', 'worker']]]);
    expect(json.findings.find((f) => f.code === 'ECS419')?.services).toEqual(['migrate']);
    expect(formatText(report, { color: false, verbose: false })).toMatch(/^migrate, api, worker$/m);
    expect(formatMarkdown(report)).toMatch(/^### migrate, api, worker$/m);
    const sarif = checkSarif(report, '/tmp/acme', '0.0.0-test') as unknown as { runs: { results: { ruleId: string; properties?: { services?: string[] } }[] }[] };
    expect(sarif.runs[0]?.results.filter((r) => r.ruleId === 'ECS505').map((r) => r.properties?.services)).toEqual([['migrate', 'api', 'worker']]);
  });

  it('a transform that says the same thing once per service or stage says it once (diff and apply too)', () => {
    const keys = plan.changes.flatMap((c) => c.findings).map((f) => `${f.transform} ${place(f)} ${f.service ?? ''}`);
    expect(keys.length).toBe(new Set(keys).size);
  });
});
