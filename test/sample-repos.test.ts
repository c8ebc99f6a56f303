/**
 * Whole-repo tests on the bundled sample monorepos (in memory): what the model finds, what the
 * PORT / HEALTHCHECK transforms change, and — for every registered transform together — that the
 * output still parses and a second run changes nothing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileProblems } from '../src/repo/dockerfile.js';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { TRANSFORMS, transformById } from '../transforms/index.js';
import type { Transform } from '../src/transform.js';
import { applyPlan, findingsOf, modelOf, planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const kodingcaravan = readTree(join(FIXTURES, 'kodingcaravan'));
const peerprep = readTree(join(FIXTURES, 'peerprep'));
const portAndHealth = ['dockerfile-port-env', 'dockerfile-healthcheck-env'].map((id) => transformById(id) as Transform);

const HTTP_PORTS: Record<string, number> = {
  'api-gateway': 3000, 'student-auth-service': 3001, 'trainer-auth-service': 3002, 'student-service': 3003,
  'trainer-service': 3004, 'course-service': 3005, 'notification-service': 3006, 'payment-service': 3007,
  'chat-service': 3008, 'analytics-service': 3009, 'admin-service': 3010, 'booking-service': 3011,
};
const WORKERS = ['notification-worker', 'purchase-worker', 'session-worker', 'cache-worker', 'allocation-worker'];

describe('kodingcaravan (Node/pnpm, seeds 000-002)', () => {
  const repo = modelOf(kodingcaravan);

  it('finds 12 HTTP services on their ports and 5 workers', () => {
    for (const [name, port] of Object.entries(HTTP_PORTS))
      expect(repo.services.find((s) => s.name === name), name).toMatchObject({ role: 'http', port, dockerfile: `services/${name}/Dockerfile`, healthRoute: { path: '/health' } });
    for (const name of WORKERS) expect(repo.services.find((s) => s.name === name), name).toMatchObject({ role: 'worker', healthRoute: null });
    expect(repo.services).toHaveLength(17);
    expect(repo.problems).toEqual([]);
  });

  it('knows the pnpm version, the workspace deps and the non-root convention', () => {
    expect(repo.packageManager.pnpm).toMatchObject({ version: '8.15.0' });
    expect(repo.packageManager.pnpm?.source).toContain('packageManager');
    const allocation = repo.services.find((s) => s.name === 'allocation-worker');
    expect(allocation?.packageName).toBe('@kodingcaravan/allocation-worker');
    expect(allocation?.workspaceDeps).toEqual(expect.arrayContaining(['@kodingcaravan/shared', '@kodingcaravan/admin-service']));
    expect(repo.userConvention).toMatchObject({ user: 'nodejs', uid: 1001 });
  });

  it('PORT and HEALTHCHECK change exactly the 12 HTTP Dockerfiles, each with its own port', () => {
    const { plan } = planTree(kodingcaravan, portAndHealth);
    expect(plan.failures).toEqual([]);
    expect(plan.changes.map((c) => c.path).sort()).toEqual(Object.keys(HTTP_PORTS).map((n) => `services/${n}/Dockerfile`).sort());
    for (const change of plan.changes) {
      const name = change.path.split('/')[1] as string;
      const port = HTTP_PORTS[name];
      expect(change.after).toContain(`ENV PORT=${port}\n`);
      expect(change.after.match(/^ENV PORT=/gm)).toHaveLength(1);
      expect(change.after).toContain(`EXPOSE ${port}\n`);
      const healthcheck = change.after.slice(change.after.search(/^HEALTHCHECK/m));
      expect(healthcheck).toMatch(new RegExp(`process\\.env\\.PORT \\|\\| '${port}'|\\$\\{PORT:-${port}\\}`));
      expect(healthcheck).not.toMatch(new RegExp(`localhost:${port}`));
      expect(change.transforms).toEqual(portAndHealth.map((t) => t.id));
    }
    // The commented-out curl HEALTHCHECK in chat-service is left as it was.
    const chat = plan.changes.find((c) => c.path === 'services/chat-service/Dockerfile');
    expect(chat?.after).toContain('# HEALTHCHECK CMD curl -f http://localhost:3008/health || exit 1');
  });
});

describe('peerprep (Django/FastAPI + nginx, seeds 003-004)', () => {
  const repo = modelOf(peerprep);

  it('finds six Python HTTP services on 8000 and the nginx frontend', () => {
    for (const name of ['user-service', 'question-service', 'matching-service', 'history-service', 'collaboration-service', 'chat-service'])
      expect(repo.services.find((s) => s.name === name), name).toMatchObject({ role: 'http', port: 8000, language: 'python' });
    expect(repo.services.find((s) => s.name === 'frontend')).toMatchObject({ role: 'frontend', port: 80, dockerfile: 'frontend/Dockerfile', compose: { name: 'frontend' } });
    // docker-compose.prod.yml overrides only frontend's build args: context and dockerfile stay.
    expect(repo.problems).toEqual([]);
  });

  it('adds a python HEALTHCHECK where the code defines a health route, none (with a finding) where it does not', () => {
    const { plan } = planTree(peerprep, portAndHealth);
    const after = (p: string) => plan.changes.find((c) => c.path === p)?.after ?? '';
    for (const svc of ['chat_service', 'collaboration_service', 'matching_service', 'question_service'])
      expect(after(`${svc}/Dockerfile`), svc).toMatch(/HEALTHCHECK [^\n]*\\\n\s+CMD \["python3", "-c", "import os, urllib\.request; [^\n]*os\.environ\.get\('PORT', '8000'\) \+ '\/health'/);
    // collaboration and matching ran `uvicorn --port 8000`: their CMD now reads PORT, or the probe could not follow it.
    for (const svc of ['collaboration_service', 'matching_service'])
      expect(after(`${svc}/Dockerfile`), svc).toContain('CMD ["sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000}"]');
    expect(after('user_service/Dockerfile')).toContain("+ '/health/'"); // Django's own route, with its slash
    expect(after('history_service/Dockerfile')).not.toMatch(/^HEALTHCHECK/m);
    expect(findingsOf(plan, 'history_service/Dockerfile').filter((f) => f.code === 'ECS111').map((f) => [f.severity, f.service])).toEqual([['warning', 'history-service']]);
    // user_service already sets ENV PORT=8000: not duplicated.
    expect(after('user_service/Dockerfile').match(/^ENV PORT=/gm)).toHaveLength(1);
    expect(plan.changes.find((c) => c.path === 'frontend/Dockerfile')?.transforms ?? []).not.toContain('dockerfile-port-env');
  });
});

describe.each([
  ['kodingcaravan', kodingcaravan],
  ['peerprep', peerprep],
])('every transform on %s', (_name, tree) => {
  it('produces Dockerfiles that parse, and a second run changes nothing', () => {
    const { plan } = planTree(tree, [...TRANSFORMS]);
    expect(plan.failures).toEqual([]);
    const result = applyPlan(tree, plan);
    for (const change of plan.changes) if (isDockerfileName(change.path)) expect(dockerfileProblems(change.after), change.path).toEqual([]);
    expect(planTree(result, [...TRANSFORMS]).plan.changes.map((c) => c.path)).toEqual([]);
  });
});
