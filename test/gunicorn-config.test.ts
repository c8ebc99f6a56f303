/**
 * gunicorn's config file as port evidence (review8 R11, R19): only the file the process's gunicorn
 * reads (`-c <file>`, else ./gunicorn.conf.py in its working directory) and the image holds says
 * anything about the port, and its `bind` decides it: a literal, or the variable it is read from.
 */
import { describe, expect, it } from 'vitest';
import { dockerfilePortEnv } from '../transforms/dockerfile-port-env.js';
import { findingsOf, modelOf, planTree, type Tree } from './helpers/repo.js';

const GUNICORN_CONF = `"""Gunicorn settings for the API (uvicorn workers)."""
import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "uvicorn.workers.UvicornWorker"
`;

/** The FastAPI docs' container page (review8 B-fastapicli), with the old gunicorn.conf.py still beside it. */
function fastapiTree(dockerfileTail: string): Tree {
  return new Map([
    ['docker-compose.yml', 'services:\n  api:\n    build: ./api\n    ports:\n      - "80:80"\n'],
    ['api/pyproject.toml', '[tool.poetry]\nname = "api"\n'],
    ['api/gunicorn.conf.py', GUNICORN_CONF],
    ['api/app/__init__.py', ''],
    ['api/app/main.py', 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/health")\ndef health():\n    return {"ok": True}\n'],
    ['api/Dockerfile', `FROM python:3.12-slim\nWORKDIR /code\nRUN pip install --no-cache-dir poetry==1.8.3 && poetry config virtualenvs.create false\nCOPY ./pyproject.toml /code/\nRUN poetry install --only main --no-root --no-interaction\n${dockerfileTail}`],
  ]);
}

describe('gunicorn.conf.py is port evidence only where gunicorn reads it from the image (review8 R19)', () => {
  it('a `fastapi run` image that neither copies nor runs gunicorn.conf.py: one port, no ECS006', () => {
    const tree = fastapiTree('COPY ./app /code/app\nCMD ["fastapi", "run", "app/main.py", "--port", "80"]\n');
    const api = modelOf(tree).services.find((s) => s.name === 'api');
    expect(api?.port).toBe(80);
    expect(api?.portEvidence.map((e) => e.file)).not.toContain('api/gunicorn.conf.py');
    expect(modelOf(tree).problems.map((p) => p.code)).not.toContain('ECS006');
    expect(findingsOf(planTree(tree, [dockerfilePortEnv]).plan).map((f) => f.code)).not.toContain('ECS006');
  });

  it('gunicorn run with the file not copied into the image: not evidence either', () => {
    const tree = fastapiTree('COPY ./app /code/app\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "app.main:app", "--bind", "0.0.0.0:80"]\n');
    expect(modelOf(tree).services.find((s) => s.name === 'api')?.portEvidence.map((e) => e.file)).not.toContain('api/gunicorn.conf.py');
  });

  it('gunicorn -c gunicorn.conf.py with the file copied: its PORT default is evidence (and disagrees with 80)', () => {
    const tree = fastapiTree('COPY . /code\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "app.main:app"]\n');
    const api = modelOf(tree).services.find((s) => s.name === 'api');
    expect(api?.portEvidence.filter((e) => e.file === 'api/gunicorn.conf.py').map((e) => e.value)).toEqual([8000]);
    expect(modelOf(tree).problems.map((p) => p.code)).toContain('ECS006');
  });
});

describe('gunicorn binds from another variable than PORT (review8 R11)', () => {
  const tree = (conf: string, env = ''): Tree =>
    new Map([
      ['docker-compose.yml', `services:\n  api:\n    build: ./api\n    expose:\n      - "8000"\n    environment:\n      PORT: 8000\n${env}`],
      ['api/requirements.txt', 'fastapi\ngunicorn\nuvicorn\n'],
      ['api/gunicorn.conf.py', conf],
      ['api/app/__init__.py', ''],
      ['api/app/main.py', 'from fastapi import FastAPI\n\napp = FastAPI()\n'],
      ['api/Dockerfile', 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nEXPOSE 8000\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "app.main:app"]\n'],
    ]);

  it.each([
    ['os.getenv', 'bind = os.getenv("GUNICORN_BIND", "0.0.0.0:8000")\nworkers = 2\n'],
    ['os.environ.get in a list', "bind = [os.environ.get('GUNICORN_BIND', '0.0.0.0:8000')]\nworkers = 2\n"],
  ])('%s: the address variable, no ENV PORT', (_name, conf) => {
    const api = modelOf(tree(`import os\n\n${conf}`)).services.find((s) => s.name === 'api');
    expect(api?.portVariable).toMatchObject({ value: 'GUNICORN_BIND', address: true, file: 'api/gunicorn.conf.py' });
    const { plan } = planTree(tree(`import os\n\n${conf}`), [dockerfilePortEnv]);
    expect(plan.changes.map((c) => c.after).join('')).not.toMatch(/ENV PORT/);
    expect(findingsOf(plan).map((f) => f.code)).toContain('ECS102');
  });

  it('GUNICORN_CMD_ARGS with --bind in compose wins over the file: a fixed port (ECS107), no ENV PORT', () => {
    const t = tree(`import os\n\nbind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"\n`, '      GUNICORN_CMD_ARGS: "--bind=0.0.0.0:8000 --workers 2"\n');
    expect(modelOf(t).services.find((s) => s.name === 'api')?.configBind).toMatchObject({ port: 8000, file: 'docker-compose.yml' });
    const { plan } = planTree(t, [dockerfilePortEnv]);
    expect(plan.changes.map((c) => c.after).join('')).not.toMatch(/ENV PORT/);
    expect(findingsOf(plan).map((f) => f.code)).toContain('ECS107');
  });

  it('a bind that reads PORT stays a PORT read: ENV PORT is added', () => {
    const { plan } = planTree(tree(`import os\n\nbind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"\n`), [dockerfilePortEnv]);
    expect(plan.changes.map((c) => c.after).join('')).toMatch(/ENV PORT=8000/);
  });
});
