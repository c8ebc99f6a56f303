/**
 * `check --format ecs --output`: one file per service and kind, never two services written to one
 * path (review5 P3b: two compose projects that both define `web` from different Dockerfiles).
 */
import { describe, expect, it } from 'vitest';
import { buildCheckReport } from '../src/check/report.js';
import { ecsFiles, ecsJson } from '../src/check/format/ecs.js';
import { planTree, type Tree } from './helpers/repo.js';

const APP = {
  'backend/requirements.txt': 'fastapi==0.110\nuvicorn==0.29\n',
  'backend/app/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n\n@app.get("/health")\ndef health():\n    return {"ok": True}\n',
  'backend/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]\n',
  'backend/Dockerfile.dev': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--reload"]\n',
};

describe('ecs files of same-named services from two compose projects', () => {
  it('qualifies each by its compose directory, so the count of files written is the count of files there', () => {
    const tree: Tree = new Map(
      Object.entries({
        ...APP,
        'docker-compose.yml': 'services:\n  web:\n    build:\n      context: ./backend\n      dockerfile: Dockerfile.dev\n    ports:\n      - "8000:8000"\n',
        'deploy/docker-compose.prod.yml': 'services:\n  web:\n    build:\n      context: ../backend\n      dockerfile: Dockerfile\n    ports:\n      - "8000:8000"\n',
      }),
    );
    const { repo, plan } = planTree(tree, []);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []);
    const webs = report.ecs.filter((e) => e.service === 'web');
    expect(webs.length).toBe(2);
    const names = ecsFiles(report).map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('deploy--web.task-definition.json');
    expect(Object.keys(ecsJson(report)).filter((k) => k.endsWith('web'))).toHaveLength(2);
  });
});
