/**
 * ECS412: a frontend image bakes a localhost URL into its bundle. A public build-time variable
 * (`VITE_*`, `NEXT_PUBLIC_*`, `REACT_APP_*`, `PUBLIC_*` for SvelteKit/Astro) given by `ARG`, `ENV`
 * or compose `build.args` is inlined into the JavaScript when the framework builds; with a
 * localhost value, the users' browsers call their own machine once the image runs on ECS. Reported
 * only when a stage the deployed image is made of runs that framework's build after the variable
 * is set (a bare `vite build`, or an npm/yarn/pnpm script whose text runs it); server-side
 * variables are never reported. There is no fix to apply: the URL the browsers need is not in the repo.
 */
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../../repo/dockerfile.js';
import type { Service } from '../../repo/model.js';
import type { Finding } from '../../findings/finding.js';
import { copyArguments, copyFlag } from '../../dockerfile/copy.js';
import { expandVariables, variableAssignments } from '../../dockerfile/variables.js';
import { stageFor } from '../../dockerfile/imageBuild.js';
import { composeEntries } from '../../repo/composeEntries.js';
import { finding, serviceImage, type CheckContext } from '../context.js';

/** Public prefixes and the build commands of the frameworks that inline them. */
const FRAMEWORKS: { prefix: RegExp; build: RegExp }[] = [
  { prefix: /^VITE_/, build: /\b(?:vite|astro|svelte-kit)\s+build\b/ },
  { prefix: /^NEXT_PUBLIC_/, build: /\bnext\s+build\b/ },
  { prefix: /^REACT_APP_/, build: /\b(?:react-scripts|craco|react-app-rewired)\s+build\b/ },
  { prefix: /^PUBLIC_/, build: /\b(?:astro\s+build|svelte-kit\s+build|vite\s+build)\b/ },
];

const LOCALHOST_URL = /^(?:[a-z][\w+.-]*:\/\/)?(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\])(?::\d+)?(?:[/?#]|$)/i;
/** `npm run build`, `npm run-script build`, `yarn build`, `yarn run build`, `pnpm build`, `pnpm run build`. */
const SCRIPT_RUN = /\b(?:npm\s+(?:run|run-script)|yarn(?:\s+run)?|pnpm(?:\s+run)?|bun\s+run)\s+([\w:.-]+)/g;

/** Stages the deployed stage is made of: itself, the stages it is built FROM and those it copies from. */
function contributingStages(parsed: ParsedDockerfile, deployed: DockerStage): DockerStage[] {
  const out: DockerStage[] = [];
  const visit = (stage: DockerStage | undefined) => {
    if (!stage || out.includes(stage)) return;
    out.push(stage);
    if (stage.parentStage !== null) visit(parsed.stages[stage.parentStage]);
    for (const ins of stage.instructions.filter((i) => i.keyword === 'COPY')) {
      const args = copyArguments(parsed, ins);
      const from = args ? copyFlag(args, 'from') : undefined;
      const index = from === undefined ? null : stageFor(parsed, from, stage.index);
      if (index !== null) visit(parsed.stages[index]);
    }
  };
  visit(deployed);
  return out;
}

/** The command text a RUN really executes: package scripts it runs replaced by their text (one level). */
function buildCommandText(run: string, scripts: Record<string, string>): string {
  return [run, ...[...run.matchAll(SCRIPT_RUN)].map((m) => scripts[m[1] ?? ''] ?? '')].join('\n');
}

function packageScripts(ctx: CheckContext, service: Service): Record<string, string> {
  const text = ctx.read(service.buildContext === '.' ? 'package.json' : `${service.buildContext}/package.json`);
  try {
    const scripts = text ? (JSON.parse(text) as { scripts?: unknown }).scripts : undefined;
    return typeof scripts === 'object' && scripts !== null ? (scripts as Record<string, string>) : {};
  } catch {
    return {};
  }
}

interface BakedVariable {
  name: string;
  value: string;
  /** The ARG or ENV instruction that declares it. */
  instruction: DockerInstruction;
  /** The value comes from compose `build.args`. */
  fromCompose: boolean;
}

/** Public localhost variables a stage sets that one of its later RUNs builds into a bundle. */
function bakedInStage(stage: DockerStage, composeArgs: Record<string, string>, scripts: Record<string, string>): BakedVariable[] {
  const known = new Map<string, string>();
  const pending: BakedVariable[] = [];
  const baked: BakedVariable[] = [];
  for (const ins of stage.instructions) {
    if (ins.keyword === 'ARG' || ins.keyword === 'ENV')
      for (const [name, value] of variableAssignments(ins.args, ins.keyword)) {
        const fromCompose = ins.keyword === 'ARG' && name in composeArgs;
        // A variable with no known value expands to nothing, as in the build.
        const resolved = fromCompose ? (composeArgs[name] ?? '') : expandVariables(value ?? '', (n) => known.get(n) ?? '').text;
        known.set(name, resolved);
        const framework = FRAMEWORKS.find((f) => f.prefix.test(name));
        const inherited = pending.some((p) => resolved === p.value && value?.includes(p.name));
        if (framework && LOCALHOST_URL.test(resolved.trim()) && !inherited) pending.push({ name, value: resolved, instruction: ins, fromCompose });
      }
    if (ins.keyword !== 'RUN') continue;
    const command = buildCommandText(ins.args, scripts);
    for (const v of pending.filter((p) => !baked.includes(p)))
      if (FRAMEWORKS.some((f) => f.prefix.test(v.name) && f.build.test(command))) baked.push(v);
  }
  return baked;
}

/** The compose line that sets a build argument of a service, in the last compose file that sets it. */
function composeArgLine(ctx: CheckContext, service: string, name: string): { file: string; line: number } | null {
  let place: { file: string; line: number } | null = null;
  for (const file of ctx.repo.composeFiles) {
    const text = ctx.read(file);
    const entry = text === null ? undefined : composeEntries(file, text).buildArgs.find((e) => e.service === service && e.key === name);
    if (entry) place = { file, line: entry.line };
  }
  return place;
}

export function frontendLocalhostBuildVar(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    const image = serviceImage(ctx.repo, service);
    if (!image || !service.dockerfile) continue;
    const composeArgs = service.compose?.build?.args ?? {};
    const scripts = packageScripts(ctx, service);
    for (const stage of contributingStages(image.parsed, image.stage))
      for (const v of bakedInStage(stage, composeArgs, scripts)) {
        const place = (v.fromCompose ? composeArgLine(ctx, service.name, v.name) : null) ?? { file: service.dockerfile, line: v.instruction.line };
        findings.push(
          finding(ctx, 'ECS412', {
            service: service.name,
            ...place,
            message: `${v.name}=${v.value} is built into the browser bundle of "${service.name}" (${v.fromCompose ? 'compose build.args, read by the ARG' : v.instruction.keyword} at ${service.dockerfile}:${v.instruction.line}): on ECS the users' browsers would call their own machine. Build the image with the public URL the browsers reach (the ALB or API domain), or make the bundle read it at run time`,
          }),
        );
      }
  }
  return findings;
}
