/**
 * ECS407 (seeds 003/004): the image starts a development server: its CMD/ENTRYPOINT in force, the
 * entrypoint script it runs (when the repo has it), or the `command:` of a production compose file.
 */
import { posix } from 'node:path';
import type { Finding } from '../../findings/finding.js';
import { composeEntries } from '../../repo/composeEntries.js';
import { composeCommand, finding, lastInForce, serviceImage, type CheckContext } from '../context.js';
import { startScriptPath } from '../../repo/startScript.js';
import { repoFileAt } from '../../dockerfile/imageBuild.js';
import type { DockerStage, ParsedDockerfile } from '../../repo/dockerfile.js';
import type { Service } from '../../repo/model.js';
import { cliSubcommand } from '../../repo/commandPattern.js';

const DEV_SERVERS: [string, RegExp][] = [
  ['manage.py runserver', /\bmanage\.py["',\s]+runserver\b/],
  ['npm/yarn/pnpm run dev', /\b(?:npm|yarn|pnpm)["',\s]+(?:run["',\s]+)?(?:dev|start:dev|serve)\b/],
  ['vite dev server', /(?:^|[\s"'[,/])vite(?!["',\s]+(?:build|--version))(?=["',\s\]]|$)/],
  ['nodemon', /\bnodemon\b/],
  ['ts-node-dev', /\bts-node-dev\b/],
  ['next dev', /\bnext["',\s]+dev\b/],
  ['ng serve', /\bng["',\s]+serve\b/],
  ['webpack dev server', /\bwebpack(?:-dev-server|["',\s]+serve)\b/],
  // Flask >= 2.2 puts options before the subcommand: `flask --app wsgi run --debug`.
  ['flask run', cliSubcommand('\\bflask', 'run')],
  ['uvicorn --reload', /\buvicorn\b.*--reload\b/],
  ['fastapi dev', /\bfastapi["',\s]+dev\b/],
  // review9 R41: the Nx/Turborepo dev targets and the watch modes of node, tsx, nest and gunicorn.
  ['nx serve', /\bnx["',\s]+(?:serve\b|run["',\s]+[\w@/.-]+:serve(?![\w:-]))/],
  ['turbo dev', /\bturbo["',\s]+(?:run["',\s]+)?dev\b/],
  ['tsx watch', /\btsx["',\s]+watch\b/],
  ['node --watch', /\bnode\b[^|;&]*["',\s]--watch(?:-path)?(?![\w-])/],
  ['nest start --watch', /\bnest["',\s]+start\b[^|;&]*--watch\b/],
  ['gunicorn --reload', /\bgunicorn\b.*--reload\b/],
];

function devServer(command: string): string | null {
  return DEV_SERVERS.find(([, re]) => re.test(command))?.[0] ?? null;
}

export function devServerCommand(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    const image = serviceImage(ctx.repo, service);
    if (!image || !service.dockerfile) continue;
    for (const keyword of ['ENTRYPOINT', 'CMD']) {
      const ins = lastInForce(image.parsed, image.stage, keyword);
      const server = ins ? devServer(ins.args) : null;
      if (ins && server)
        findings.push(finding(ctx, 'ECS407', { service: service.name, file: service.dockerfile, line: ins.line, message: `the image ${keyword} starts a development server (${server})` }));
    }
    const script = entrypointScript(ctx, service, image);
    if (script) {
      script.text.split('\n').forEach((line, i) => {
        const server = /^\s*#/.test(line) ? null : devServer(line);
        if (server) findings.push(finding(ctx, 'ECS407', { service: service.name, file: script.path, line: i + 1, message: `the entrypoint script starts a development server (${server})` }));
      });
    }
  }
  // What the task definition runs in place of the image's CMD: the deployed compose command.
  for (const service of ctx.repo.services) {
    const process = composeCommand(service);
    const server = process ? devServer(process.value) : null;
    if (process && server) findings.push(finding(ctx, 'ECS407', { service: service.name, file: process.file, line: process.line, message: `the compose command, which the task definition runs, starts a development server (${server})` }));
  }
  const deployed = new Set(ctx.repo.services.map((s) => s.name));
  for (const file of ctx.repo.composeFiles.filter((f) => /prod/i.test(posix.basename(f)))) {
    const text = ctx.read(file);
    if (text === null) continue;
    for (const command of composeEntries(file, text).command) {
      const server = deployed.has(command.service) ? devServer(command.value) : null;
      const reported = findings.some((f) => f.file === file && f.line === command.line && f.service === command.service);
      if (server && !reported) findings.push(finding(ctx, 'ECS407', { service: command.service, file, line: command.line, message: `the production compose ${command.key} starts a development server (${server})` }));
    }
  }
  return findings;
}

/** The repo file an ENTRYPOINT script comes from: the file the image's COPY put there, else the script's name in the build context. */
export function entrypointScript(ctx: CheckContext, service: Service, image: { parsed: ParsedDockerfile; stage: DockerStage }): { path: string; text: string } | null {
  const args = lastInForce(image.parsed, image.stage, 'ENTRYPOINT')?.args ?? '';
  const path = startScriptPath(service.buildContext, args, ctx.repo.files, repoFileAt(image.parsed, image.stage, service.buildContext, ctx.repo, undefined, service.dockerfile));
  const text = path === null ? null : ctx.read(path);
  return path === null || text === null ? null : { path, text };
}
