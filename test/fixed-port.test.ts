/** Making a CMD that starts the server on a literal port read PORT, and when not to. */
import { describe, expect, it } from 'vitest';
import { deployedStage, effectiveInstructions, parseDockerfile } from '../src/repo/dockerfile.js';
import { applyEdits } from '../src/edits.js';
import { cmdReadingPort } from '../transforms/lib/fixed-port.js';

function rewrite(dockerfile: string, script: string | null = null): string | null {
  const parsed = parseDockerfile(dockerfile);
  const stage = deployedStage(parsed);
  if (!stage) return null;
  const fix = cmdReadingPort(parsed, stage, effectiveInstructions(parsed, stage), () => script);
  return fix && 'edit' in fix ? applyEdits(dockerfile, [fix.edit]).split('\n').filter((l) => /^(CMD|ENTRYPOINT)/.test(l)).join('\n') : null;
}

describe('cmdReadingPort', () => {
  it('exec-form uvicorn becomes sh -c "exec …" with ${PORT:-8000}', () => {
    expect(rewrite('FROM python:3.12-slim\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]\n')).toBe(
      'CMD ["sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000}"]',
    );
  });

  it('shell-form gunicorn --bind host:port is edited in place', () => {
    expect(rewrite('FROM python:3.12-slim\nCMD gunicorn app.wsgi --bind 0.0.0.0:8000 --workers 3\n')).toBe('CMD gunicorn app.wsgi --bind 0.0.0.0:${PORT:-8000} --workers 3');
  });

  it('Django runserver and --port= forms, quoting other arguments', () => {
    expect(rewrite('FROM python:3.12-slim\nCMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n')).toBe('CMD ["sh", "-c", "exec python manage.py runserver 0.0.0.0:${PORT:-8000}"]');
    expect(rewrite('FROM node:20-alpine\nCMD ["node", "server.js", "--port=3000", "--name", "my app"]\n')).toBe(`CMD ["sh", "-c", "exec node server.js --port=\${PORT:-3000} --name 'my app'"]`);
  });

  it('keeps an entrypoint script that execs its arguments', () => {
    expect(rewrite('FROM python:3.12-slim\nENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["uvicorn", "app:app", "--port", "8000"]\n')).toBe(
      'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["sh", "-c", "exec uvicorn app:app --port ${PORT:-8000}"]',
    );
  });

  it('leaves alone what it cannot change safely', () => {
    // the CMD is arguments of an ENTRYPOINT program
    expect(rewrite('FROM python:3.12-slim\nENTRYPOINT ["uvicorn"]\nCMD ["app:app", "--port", "8000"]\n')).toBeNull();
    // no shell in the image
    expect(rewrite('FROM gcr.io/distroless/python3-debian12\nCMD ["-m", "uvicorn", "app:app", "--port", "8000"]\n')).toBeNull();
    // quoted in a shell-form CMD
    expect(rewrite("FROM python:3.12-slim\nCMD gunicorn app.wsgi --bind '0.0.0.0:8000'\n")).toBeNull();
    // already reads PORT
    expect(rewrite('FROM python:3.12-slim\nCMD uvicorn app:app --port ${PORT:-8000}\n')).toBeNull();
  });

  it('an ENTRYPOINT script that tests the command it is given ($1, case "$@") keeps the exec-form CMD: sh -c would become its $1', () => {
    const dockerfile = 'FROM python:3.12-slim\nCOPY scripts/entrypoint.sh /usr/local/bin/entrypoint.sh\nENTRYPOINT ["/usr/local/bin/entrypoint.sh"]\nCMD ["uvicorn", "billing.main:app", "--port", "8000"]\n';
    const migrates = '#!/bin/sh\nset -e\n# migrate only for the API\nif [ "$1" = "uvicorn" ]; then\n  alembic upgrade head\nfi\nexec "$@"\n';
    expect(rewrite(dockerfile, migrates)).toBeNull();
    expect(rewrite(dockerfile, '#!/bin/sh\ncase "$@" in\n  uvicorn*) alembic upgrade head ;;\nesac\nexec "$@"\n')).toBeNull();
    const parsed = parseDockerfile(dockerfile);
    const stage = deployedStage(parsed);
    const refused = stage ? cmdReadingPort(parsed, stage, effectiveInstructions(parsed, stage), () => migrates) : null;
    expect(refused && 'refused' in refused ? refused.line : null).toBe(4);
    // A script that only passes its arguments on is not affected by the wrap.
    expect(rewrite(dockerfile, '#!/bin/sh\nset -e\nalembic upgrade head\nexec "$@"\n')).toBe('ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]\nCMD ["sh", "-c", "exec uvicorn billing.main:app --port ${PORT:-8000}"]');
  });
});
