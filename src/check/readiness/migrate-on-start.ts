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
    const script = entrypointScript(ctx, service.buildContext, lastInForce(image.parsed, image.stage, 'ENTRYPOINT')?.args ?? '');
    script?.text.split('\n').forEach((line, i) => {
      const what = /^\s*#/.test(line) ? null : migration(line);
      if (what) say(service.name, script.path, i + 1, what, 'the entrypoint script');
    });
  }
  return findings;
}
