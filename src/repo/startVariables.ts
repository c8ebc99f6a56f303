/**
 * The value a variable has in a service's container when its start command runs: what a shell-form
 * CMD (`npm start --workspace=$WORKER`, `node apps/$APP/dist/main.js`) expands it to. The image's
 * ENV (each value expanded at build time with the ARGs and ENVs before it, an ARG taking the
 * service's compose `build.args` over its default), with the deployed compose `environment` and
 * env files over it, as Docker and Compose set them.
 *
 * A value is not established (null) when the ARG it comes from has no value, when compose passes
 * the caller's variable through (`WORKER:` or `${WORKER}`), when an env file the repo does not have
 * (git ignores it, or it is missing) may set it, when the compose projects that run the service
 * give it different values, or when nothing sets it.
 */
import type { ComposeService } from './compose.js';
import { deployedProcess, interpolatedUnset } from './compose.js';
import type { DockerInstruction } from './dockerfile.js';
import { expandedNames, expandVariables, substitute, variableAssignments } from '../dockerfile/variables.js';

export type VariableLookup = (name: string) => string | null;

/** A variable the image's ENV sets, as the build expands it. */
export interface ImageVariable {
  /** Its value in the image; null when the build does not establish it (see {@link ImageVariable.unknown}). */
  value: string | null;
  /** The value as the ENV instruction writes it (`/srv/$NAME`). */
  written: string | null;
  /** The line of the ENV instruction that sets it last. */
  line: number;
  /** The variables it expands that have no value the repo establishes (an ARG with neither a default nor a build arg, a variable the base image sets). */
  unknown: string[];
  /** The ARGs whose default (no compose build arg sets them) its value rests on: a `--build-arg` the repo does not show may change it. */
  argDefaults: string[];
}

/** The deployed stage's runtime ENV, by name (later assignments winning). */
export type ImageEnvironment = ReadonlyMap<string, ImageVariable>;

/**
 * The image's runtime ENV: each value expanded at build time with the ARGs and ENVs before it, an
 * ARG taking the service's compose `build.args` over its default (`inForce`: the deployed stage's
 * instructions with its parents'; `globalArgs`: the ARGs before the first FROM).
 */
export function imageEnvironment(inForce: readonly DockerInstruction[], globalArgs: readonly DockerInstruction[], composeArgs: Readonly<Record<string, string>>): ImageEnvironment {
  // Compose interpolates `build.args` before the build sees them: `${APP_PORT:-8080}` passes 8080, `${APP_PORT}` an unknown value.
  const buildArgs = Object.fromEntries(Object.entries(composeArgs).map(([name, raw]) => [name, interpolatedUnset(raw)]));
  const globals = new Map<string, string | null>();
  // The global ARGs whose value is their default.
  const globalDefaults = new Set<string>();
  for (const ins of globalArgs)
    for (const [name, value] of variableAssignments(ins.args, 'ARG')) {
      globals.set(name, Object.hasOwn(buildArgs, name) ? (buildArgs[name] ?? null) : value);
      if (!Object.hasOwn(buildArgs, name) && value !== null) globalDefaults.add(name);
      else globalDefaults.delete(name);
    }
  const args = new Map<string, { value: string | null; argDefaults: string[] }>();
  const env = new Map<string, ImageVariable>();
  const known = (name: string) => (env.has(name) ? env.get(name)?.value ?? null : args.get(name)?.value ?? null);
  // The ARG defaults a written value expands, through the ARGs and ENVs it names.
  const restsOn = (raw: string) => expandedNames(raw).flatMap((n) => (env.has(n) ? env.get(n)?.argDefaults : args.get(n)?.argDefaults) ?? []);
  for (const ins of inForce) {
    if (ins.keyword !== 'ARG' && ins.keyword !== 'ENV') continue;
    for (const [name, raw] of variableAssignments(ins.args, ins.keyword)) {
      if (ins.keyword === 'ARG') {
        // A build arg wins over the default; a bare ARG re-declares the global one (its value, if any).
        if (Object.hasOwn(buildArgs, name)) args.set(name, { value: buildArgs[name] ?? null, argDefaults: [] });
        else if (raw === null) args.set(name, { value: globals.get(name) ?? null, argDefaults: globalDefaults.has(name) ? [name] : [] });
        else args.set(name, { value: substitute(raw, known), argDefaults: [...new Set([name, ...restsOn(raw)])] });
        continue;
      }
      const expansion = raw === null ? null : expandVariables(raw, known);
      const unknown = expansion?.unknown ?? [];
      env.set(name, { value: expansion && !unknown.length ? expansion.text : null, written: raw, line: ins.line, unknown, argDefaults: raw === null ? [] : [...new Set(restsOn(raw))] });
    }
  }
  return env;
}

/** One compose definition's value for a variable: a string, null (not established), or undefined (it does not set it). */
function composeValue(compose: ComposeService, name: string): string | null | undefined {
  const process = deployedProcess(compose);
  if (!process) return undefined;
  const declared = process.declaredEnvironment ?? process.environment;
  if (Object.hasOwn(declared, name)) {
    const raw = declared[name];
    return raw === null || raw === undefined ? null : substitute(raw, () => null);
  }
  // An env file the repo does not have (ignored, or missing) may set it.
  const unread = (process.envFiles ?? []).some((f) => f.variables === null && (f.required || f.onDisk || f.ignoredBy !== undefined));
  if (unread) return null;
  if (Object.hasOwn(process.environment, name)) return process.environment[name] ?? null;
  return undefined;
}

/** The variables of a service's container, as its start command sees them: the image's ENV ({@link imageEnvironment}) under the compose definitions'. */
export function startVariables(image: ImageEnvironment, composes: readonly (ComposeService | null)[]): VariableLookup {
  const defs = composes.filter((c): c is ComposeService => c !== null);
  return (name) => {
    const values = defs.map((c) => composeValue(c, name));
    const set = values.filter((v) => v !== undefined);
    if (set.length) {
      // Every project that runs the service must set it, to one value.
      if (set.length !== values.length || set.some((v) => v === null || v !== set[0])) return null;
      return set[0] as string;
    }
    return image.get(name)?.value ?? null;
  };
}
