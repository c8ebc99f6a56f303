/**
 * ECS410 (review of a Django repo): the container runs database migrations every time it starts
 * (`manage.py migrate` in the entrypoint script, `prisma migrate deploy && node …` as the CMD). On
 * ECS every task of the service starts it, so N tasks migrate at once on each deploy and scale-out,
 * and a failed migration restarts the tasks in a loop. No automatic fix: where migrations run is
 * a deployment decision (a one-off task before the service update).
 */
import type { Finding } from '../../findings/finding.js';
import { finding, lastInForce, serviceImage, type CheckContext } from '../context.js';
import { entrypointScript } from './dev-server-command.js';

const MIGRATIONS: [string, RegExp][] = [
  ['manage.py migrate', /\bmanage\.py["',\s]+migrate\b/],
  ['prisma migrate deploy', /\bprisma["',\s]+migrate["',\s]+deploy\b/],
  ['alembic upgrade', /\balembic["',\s]+upgrade\b/],
  ['flask db upgrade', /\bflask["',\s]+db["',\s]+upgrade\b/],
  ['knex migrate:latest', /\bknex["',\s]+migrate:latest\b/],
  ['sequelize db:migrate', /\bsequelize(?:-cli)?["',\s]+db:migrate\b/],
  ['typeorm migration:run', /\btypeorm(?:-ts-node-\w+)?["',\s]+migration:run\b/],
];

function migration(command: string): string | null {
  return MIGRATIONS.find(([, re]) => re.test(command))?.[0] ?? null;
}

/** `if [ "${NAME:-default}" = "value" ]; then` (or `!=`): a condition on an env variable around a line. */
interface EnvGuard {
  name: string;
  value: string;
  fallback: string | null;
  negated: boolean;
}

const GUARD = /^\s*(?:if|elif)\s+\[\[?\s*"?\$\{?(\w+)(?::?-([^}"]*))?\}?"?\s*(!?=|==)\s*"?([^"\s\]]*)"?\s*\]\]?/;

/** The innermost open `if` on an env variable before line `at` of a shell script, if any. */
function envGuard(lines: string[], at: number): EnvGuard | null {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (/^\s*fi\b/.test(line)) depth++;
    else if (/^\s*if\b/.test(line)) {
      if (depth > 0) {
        depth--;
        continue;
      }
      const m = GUARD.exec(line);
      return m ? { name: m[1] ?? '', fallback: m[2] ?? null, negated: m[3] === '!=', value: m[4] ?? '' } : null;
    }
  }
  return null;
}

/** Whether the guard holds with a service's compose environment: null when the variable's value is not established there. */
function guardHolds(guard: EnvGuard, environment: Record<string, string | null>): boolean | null {
  const set = environment[guard.name];
  const value = typeof set === 'string' ? set : set === undefined ? guard.fallback : null;
  if (value === null) return null;
  return (value === guard.value) !== guard.negated;
}

export function migrateOnStart(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const say = (service: string, file: string, line: number, what: string, where: string) =>
    findings.push(
      finding(ctx, 'ECS410', {
        service,
        file,
        line,
        message: `${where} runs ${what} at every start: on ECS each task of "${service}" migrates, concurrently on every deploy and scale-out; run migrations once per deploy (a one-off ECS task) instead`,
      }),
    );
  for (const service of ctx.repo.services) {
    const image = serviceImage(ctx.repo, service);
    if (!image || !service.dockerfile) continue;
    for (const keyword of ['ENTRYPOINT', 'CMD']) {
      const ins = lastInForce(image.parsed, image.stage, keyword);
      const what = ins ? migration(ins.args) : null;
      if (ins && what) say(service.name, service.dockerfile, ins.line, what, `the image ${keyword}`);
    }
    const script = entrypointScript(ctx, service, image);
    const lines = script?.text.split('\n') ?? [];
    lines.forEach((line, i) => {
      const what = /^\s*#/.test(line) ? null : migration(line);
      if (!what || !script) return;
      const guard = envGuard(lines, i);
      const runs = guard ? guardHolds(guard, service.compose?.environment ?? {}) : true;
      if (runs === false) return; // compose sets the variable so that this service skips it
      const condition = guard ? ` (under \`if ${guard.name} ${guard.negated ? '!=' : '='} "${guard.value}"\`, ${runs === null ? 'which compose does not settle for this service' : 'which holds for this service'})` : '';
      say(service.name, script.path, i + 1, what, `the entrypoint script${condition}`);
    });
  }
  return findings;
}
