/**
 * ECS410 (review of a Django repo): the container runs database migrations every time it starts
 * (`manage.py migrate` in the entrypoint script, `prisma migrate deploy && node …` as the CMD). On
 * ECS every task of the service starts it, so N tasks migrate at once on each deploy and scale-out,
 * and a failed migration restarts the tasks in a loop. No automatic fix: where migrations run is
 * a deployment decision (a one-off task before the service update). A one-off job (ECS419: another
 * service waits for it to complete) is that task already: migrating is what it is run for.
 */
import { posix } from 'node:path';
import type { Finding } from '../../findings/finding.js';
import type { DockerStage, ParsedDockerfile } from '../../repo/dockerfile.js';
import type { Service } from '../../repo/model.js';
import { instructionWords } from '../../dockerfile/shell.js';
import { composeCommand, finding, lastInForce, serviceImage, type CheckContext } from '../context.js';
import { entrypointScript } from './dev-server-command.js';
import { guardAround, guardHolds } from './shell-guard.js';
import { startScriptsOf } from '../start-scripts.js';
import { cliSubcommand } from '../../repo/commandPattern.js';

const MIGRATIONS: [string, RegExp][] = [
  ['manage.py migrate', cliSubcommand('\\bmanage\\.py', 'migrate')],
  ['prisma migrate deploy', cliSubcommand('\\bprisma', 'migrate', 'deploy')],
  ['alembic upgrade', cliSubcommand('\\balembic', 'upgrade')],
  ['flask db upgrade', cliSubcommand('\\bflask', 'db', 'upgrade')],
  ['knex migrate:latest', cliSubcommand('\\bknex', 'migrate:latest')],
  ['sequelize db:migrate', cliSubcommand('\\bsequelize(?:-cli)?', 'db:migrate')],
  ['typeorm migration:run', cliSubcommand('\\btypeorm(?:-ts-node-\\w+)?', 'migration:run')],
];

function migration(command: string): string | null {
  return MIGRATIONS.find(([, re]) => re.test(command))?.[0] ?? null;
}

/**
 * Whether a command starts what follows the migration only when it succeeds
 * (`prisma migrate deploy && node src/server.js`): with the database down, nothing after it runs.
 */
function gatesStart(command: string): boolean {
  return MIGRATIONS.some(([, re]) => new RegExp(`${re.source}[^;&|]*&&\\s*\\S`).test(command));
}

/**
 * The arguments the ENTRYPOINT script starts with: the ENTRYPOINT's words after the script, then
 * compose's `command` or the image's CMD (a shell-form CMD runs as `/bin/sh -c …`); null when they
 * are not established (compose replaces the entrypoint, a shell-form ENTRYPOINT, a compose
 * command that interpolates a variable). `from` says which command settled them.
 */
function scriptArgs(image: { parsed: ParsedDockerfile; stage: DockerStage }, service: Service, scriptPath: string): { args: string[]; from: string } | null {
  const compose = service.compose;
  if (compose?.entrypoint !== undefined) return null;
  const entrypoint = lastInForce(image.parsed, image.stage, 'ENTRYPOINT');
  if (!entrypoint) return null;
  const ep = instructionWords(image.parsed, entrypoint);
  if (!ep.json) return null;
  const words = ep.words.map((w) => w.value);
  const at = words.findIndex((w) => posix.basename(w) === posix.basename(scriptPath));
  if (at < 0) return null;
  const rest = words.slice(at + 1);
  if (compose?.commandArgs) return compose.commandArgs.some((a) => a.includes('$')) ? null : { args: [...rest, ...compose.commandArgs], from: `compose's command (${compose.file})` };
  const cmd = lastInForce(image.parsed, image.stage, 'CMD');
  if (!cmd) return { args: rest, from: 'the image, which has no CMD' };
  const cw = instructionWords(image.parsed, cmd);
  const args = cw.json ? cw.words.map((w) => w.value) : ['/bin/sh', '-c', cmd.args.trim()];
  return { args: [...rest, ...args], from: `the image's CMD (line ${cmd.line})` };
}

/**
 * The one-off job a service is when its compose command is nothing but a migration (`command: npx
 * prisma migrate deploy`, review9 R23) and it publishes no port: it runs to completion, once per
 * deploy, and serves nothing, whatever the image it borrows serves. Null otherwise (a migration
 * chained before a server, `migrate && node server.js`, is a server: ECS410/ECS417).
 */
export function oneOffCommand(service: Service): { what: string; command: string; file: string; line: number } | null {
  const process = composeCommand(service);
  const what = process ? migration(process.value) : null;
  if (!process || !what || /[;|&]/.test(process.value) || service.compose?.containerPorts.length) return null;
  return { what, command: process.value, file: process.file, line: process.line };
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
  // review6 R7: `migrate && node server.js` needs the database before the server runs, whatever the code does.
  const gate = (service: string, file: string, line: number, what: string, where: string, command: string, how = '(&&)') => {
    if (how === '(&&)' && !gatesStart(command)) return;
    findings.push(
      finding(ctx, 'ECS417', {
        service,
        file,
        line,
        message: `${where} (line ${line}) runs ${what} and starts the server only when it succeeds ${how}: while the database is down or slow the migration fails, the server never starts and the container exits at start, so "${service}" crash-loops on ECS even where its code listens first; run migrations as a one-off ECS task and start only the server`,
      }),
    );
  };
  for (const service of ctx.repo.services) {
    // A one-off job (waited on to complete, or a compose command that only migrates) is what ECS410 asks for.
    if (service.runsToCompletion || oneOffCommand(service)) continue;
    // The process the task definition runs when compose replaces the image's (`sh -c "manage.py migrate && gunicorn ..."`).
    const process = composeCommand(service);
    const migrates = process ? migration(process.value) : null;
    if (process && migrates) say(service.name, process.file, process.line, migrates, 'the compose command the task definition carries');
    if (process && migrates) gate(service.name, process.file, process.line, migrates, 'the compose command the task definition carries', process.value);
    // review6 R21: the package.json script the command runs (`npm run start:prod`), and npm's pre-hook of it.
    for (const run of startScriptsOf(ctx, service)) {
      const what = migration(run.body);
      if (!what) continue;
      say(service.name, run.file, run.line, what, run.said);
      gate(service.name, run.file, run.line, what, run.said, run.body, run.hook ? '(npm runs the script only when its pre-hook exits 0)' : '(&&)');
    }
    const image = serviceImage(ctx.repo, service);
    if (!image || !service.dockerfile) continue;
    for (const keyword of ['ENTRYPOINT', 'CMD']) {
      const ins = lastInForce(image.parsed, image.stage, keyword);
      const what = ins ? migration(ins.args) : null;
      if (ins && what) say(service.name, service.dockerfile, ins.line, what, `the image ${keyword}`);
      // The image's start command only runs when compose does not replace it.
      const replaced = keyword === 'CMD' ? Boolean(process) : service.compose?.entrypoint !== undefined;
      if (ins && what && !replaced) gate(service.name, service.dockerfile, ins.line, what, `the image ${keyword}`, ins.args);
    }
    const script = entrypointScript(ctx, service, image);
    const lines = script?.text.split('\n') ?? [];
    // What settles the script's conditions: the env the container gets, and the arguments it starts with.
    const started = script ? scriptArgs(image, service, script.path) : null;
    const env: Record<string, string | null> = { ...Object.fromEntries([...service.imageEnv].map(([name, v]) => [name, v.value])), ...(service.compose?.environment ?? {}) };
    lines.forEach((line, i) => {
      const what = /^\s*#/.test(line) ? null : migration(line);
      if (!what || !script) return;
      const guard = guardAround(lines, i);
      const runs = guard ? guardHolds(guard, { env, args: started?.args ?? null }) : true;
      if (runs === false) return; // the image or compose settles the condition so that this service skips it
      const settledBy = guard?.positional && started ? `: it starts with ${started.args.join(' ') || 'no arguments'}, from ${started.from}` : '';
      const condition = guard ? ` (under \`if ${guard.text}\`, ${runs === null ? 'which the image and compose do not settle for this service' : `which holds for this service${settledBy}`})` : '';
      say(service.name, script.path, i + 1, what, `the entrypoint script${condition}`);
    });
  }
  return findings;
}
