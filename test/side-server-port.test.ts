/**
 * A second HTTP server in the service's process (metrics, admin) listens on a port fixed in code
 * beside the app's server, which reads PORT: the side server's port is not evidence about the
 * service's port, so no ECS006 (port evidence disagrees) and no ECS409 (the server listens on
 * another port). Several servers that all fix their port in code still disagree.
 */
import { describe, expect, it } from 'vitest';
import { buildCheckReport } from '../src/check/report.js';
import { dockerfilePortEnv } from '../transforms/dockerfile-port-env.js';
import { findingsOf, modelOf, planTree, type Tree } from './helpers/repo.js';

const APP = [
  "import express from 'express';",
  "import { startMetricsServer } from './metrics';",
  '',
  'const app = express();',
  "app.get('/health', (_req, res) => res.json({ ok: true }));",
  '',
  'const port = Number(process.env.PORT || 3000);',
  'app.listen(port, () => console.log(`api on ${port}`));',
  'startMetricsServer();',
  '',
].join('\n');

const METRICS = [
  "import express from 'express';",
  '',
  'export function startMetricsServer(): void {',
  '  const metrics = express();',
  "  metrics.get('/metrics', (_req, res) => res.send('# metrics'));",
  '  metrics.listen(9090);',
  '}',
  '',
].join('\n');

function tree(app: string): Tree {
  return new Map([
    ['docker-compose.yml', 'services:\n  api:\n    build: ./services/api\n    ports:\n      - "3000:3000"\n'],
    ['services/api/package.json', JSON.stringify({ name: 'api', version: '1.0.0', main: 'dist/index.js', dependencies: { express: '^4.19.2' } }, null, 2) + '\n'],
    ['services/api/src/index.ts', app],
    ['services/api/src/metrics.ts', METRICS],
    ['services/api/Dockerfile', 'FROM node:20-alpine\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\nRUN npm run build\nEXPOSE 3000\nCMD ["node", "dist/index.js"]\n'],
  ]);
}

function codes(t: Tree): string[] {
  const { repo, plan } = planTree(t, [dockerfilePortEnv]);
  const check = buildCheckReport(repo, plan, (p) => t.get(p) ?? null, []).findings;
  return [...repo.problems, ...findingsOf(plan), ...check].map((f) => f.code);
}

describe('a metrics server beside the app server', () => {
  it('is not port evidence: one port, no ECS006 or ECS409', () => {
    const t = tree(APP);
    const api = modelOf(t).services.find((s) => s.name === 'api');
    expect(api?.port).toBe(3000);
    expect(api?.portEvidence.map((e) => e.value)).not.toContain(9090);
    expect(codes(t)).not.toContain('ECS006');
    expect(codes(t)).not.toContain('ECS409');
  });

  it('when the app server fixes its port in code too, the two ports still disagree (ECS006)', () => {
    const t = tree(APP.replace('app.listen(port,', 'app.listen(3000,'));
    expect(modelOf(t).services.find((s) => s.name === 'api')?.portEvidence.map((e) => e.value)).toContain(9090);
    expect(codes(t)).toContain('ECS006');
  });
});
