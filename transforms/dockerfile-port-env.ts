/**
 * dockerfile-port-env: an HTTP service's runtime stage declares `ENV PORT=<its port>` (and
 * `EXPOSE`), so the app, the HEALTHCHECK and the ECS task definition agree on one port that the
 * task definition can still override.
 */
import { deployedStage, effectiveInstructions, parseDockerfile } from '../src/repo/dockerfile.js';
import { lastCommandDetaches } from '../src/repo/detaches.js';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { servicesForFile, type Service } from '../src/repo/model.js';
import type { Finding } from '../src/findings/finding.js';
import { describeEvidence, httpServiceOf } from './lib/http-service.js';
import type { ChangeSafety, Transform, TransformInput, TransformResult } from '../src/transform.js';
import type { TextEdit } from '../src/edits.js';
import { firstRuntimeInstruction, insertLinesBefore, keyword } from '../src/dockerfile/edit.js';
import { cmdReadingPort } from './lib/fixed-port.js';
import { execShellCmd } from './lib/exec-cmd.js';
import { startScriptPath } from '../src/repo/startScript.js';
import { repoFileAt } from '../src/dockerfile/imageBuild.js';
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../src/repo/dockerfile.js';
import { resolveVariable, substitute } from '../src/dockerfile/variables.js';
import { fixedListenPorts, otherPortVariable, portReadUnestablished } from '../src/repo/portReads.js';

/** A variable's value at an instruction: compose's build arg, else the ARG/ENV in force, expanded in turn (null when unknown). */
function buildValue(parsed: ParsedDockerfile, stage: DockerStage, at: DockerInstruction, name: string, buildArgs: Record<string, string>, depth = 0): string | null {
  const found = resolveVariable(parsed, stage, at, name);
  const value = found.instruction?.keyword === 'ARG' && name in buildArgs ? (buildArgs[name] ?? null) : found.value;
  if (value === null || depth > 3) return value;
  return substitute(value, (inner) => buildValue(parsed, stage, found.instruction ?? at, inner, buildArgs, depth + 1));
}

/** An EXPOSE word with its variables expanded (`${GATEWAY_PORT}` -> 8080); null when one has no known value. */
function exposedPort(word: string, lookup: (name: string) => string | null): string | null {
  return word.includes('$') ? substitute(word, lookup) : word;
}

/** A shell-form CMD (or an exec-form `sh -c`) runs under the shell as PID 1, which does not pass SIGTERM on: exec the server instead (ECS140). */
function execChange(parsed: ParsedDockerfile, stage: DockerStage, inForce: DockerInstruction[], daemonConfig: Service['daemonConfig']): { edit: TextEdit; finding: Finding; verify: string } | null {
  const execEdit = execShellCmd(parsed, stage, inForce, daemonConfig);
  if (!execEdit) return null;
  return {
    edit: execEdit.edit,
    finding: {
      code: 'ECS140',
      severity: 'warning',
      message: `CMD now starts ${execEdit.program} with exec: ${execEdit.shell ? `the exec-form CMD ran \`${execEdit.shell} -c\`, so ${execEdit.shell} was PID 1` : 'in shell form /bin/sh was PID 1'} and does not pass SIGTERM on (${execEdit.shell && !/(?:^|\/)(?:da)?sh$/.test(execEdit.shell) ? 'it does not exec the last command of a list' : 'dash does not exec the last command'}), so every stop waited for the stop timeout and ended in SIGKILL; verify the container starts as before and stops on SIGTERM`,
      line: execEdit.line,
    },
    verify: `the CMD now execs ${execEdit.program}: the container must start as before and stop on SIGTERM`,
  };
}

/** A CMD port fix turned into a refusal when the CMD detaches its server. */
function refusedWhenDetached<T extends { line: number }>(fix: T | null, detached: { how: string } | null): T | { refused: string; line: number } | null {
  if (!fix || !detached || !('edit' in fix)) return fix;
  return { refused: `it runs ${detached.how}, which puts the server in the background, so the container exits at start (ECS422); run the server in the foreground first`, line: fix.line };
}

export const dockerfilePortEnv: Transform = {
  id: 'dockerfile-port-env',
  title: 'HTTP services declare ENV PORT and EXPOSE in the runtime stage',
  kinds: ['dockerfile'],
  safety: 'safe',
  fixes: 'no ENV PORT: the app, its HEALTHCHECK and the ECS port mapping can disagree',
  verify: 'run the image: the server answers on the port EXPOSE names, and (where ENV PORT was added) on another one when PORT is set',
  behaviorChangingWhen: 'it rewrites a CMD that starts the server on a fixed port to read PORT (an exec-form CMD becomes `sh -c "exec …"`)',
  appliesTo: (path, repo) => isDockerfileName(path) && servicesForFile(repo, path).some((s) => s.role === 'http'),
  run({ path, text, repo, read }: TransformInput): TransformResult {
    const target = httpServiceOf(path, repo);
    if (!target) return { edits: [], findings: [] };
    if ('finding' in target) return { edits: [], findings: [target.finding] };
    const { service, port } = target;
    const parsed = parseDockerfile(text);
    const stage = deployedStage(parsed, service.target);
    if (!stage) return { edits: [], findings: [] };
    const inForce = effectiveInstructions(parsed, stage);
    const findings: Finding[] = [];
    // A CMD that puts the server in the background exits at start (check's ECS422): rewriting its
    // port would change nothing that runs (execShellCmd leaves it without exec for the same reason).
    const cmd = inForce.filter((i) => i.keyword === 'CMD').pop();
    const detached = cmd ? lastCommandDetaches(cmd.args, service.daemonConfig) : null;
    // uWSGI serving its port over the uwsgi protocol takes it from its config, never from PORT (dockerfile-healthcheck-env
    // says the rest): no ENV PORT or EXPOSE, only the exec fix of a shell-form CMD.
    const socket = service.uwsgiSocket;
    if (socket) {
      const exec = execChange(parsed, stage, inForce, service.daemonConfig);
      findings.push({ code: 'ECS182', severity: 'info', message: `no ENV PORT added for "${service.name}": ${socket.option ? `uWSGI takes its port from \`${socket.option}\` (${socket.file}:${socket.line}), not from PORT, and that socket does not answer HTTP` : `whether its uWSGI answers HTTP on port ${port} is not established (${socket.because})`}` });
      return { edits: exec ? [exec.edit] : [], findings: exec ? [...findings, exec.finding] : findings, ...(exec ? { safety: { safety: 'behavior-changing' as const, verify: exec.verify } } : {}) };
    }

    const envPort = inForce.filter((i) => i.keyword === 'ENV' && /(?:^|\s)PORT(?:=|\s)/.test(i.args));
    const exposes = inForce.filter((i) => i.keyword === 'EXPOSE');
    // `EXPOSE ${GATEWAY_PORT}` is the port its ARG/ENV (or compose's build args) give it; null where that is not established.
    const exposedWords = exposes.flatMap((i) => i.args.split(/\s+/).map((p) => ({ word: p.split('/')[0] ?? '', at: i })));
    const exposed = exposedWords.map(({ word, at }) => exposedPort(word, (name) => buildValue(parsed, stage, at, name, service.compose?.build?.args ?? {})));
    const lines: string[] = [];
    // A CMD that starts the server on the literal service port is made to read PORT (same port by default).
    const script = (entrypoint: DockerInstruction) => {
      const file = startScriptPath(service.buildContext, entrypoint.args, repo.files, repoFileAt(parsed, stage, service.buildContext, repo, undefined, service.dockerfile));
      return file === null ? null : read(file);
    };
    const cmdFix = refusedWhenDetached(cmdReadingPort(parsed, stage, inForce, script), detached);
    const cmdEdit = cmdFix && 'edit' in cmdFix && cmdFix.port === port ? cmdFix : null;
    // The CMD rewritten, or left with its own reason: the generic fixed-port warning is not repeated for it.
    const cmdHandled = cmdEdit ?? (cmdFix && 'refused' in cmdFix ? cmdFix : null);
    const cmdKept: Finding[] = cmdFix && 'refused' in cmdFix ? [{ code: 'ECS107', severity: 'warning', message: `the CMD starts the server on a fixed port and ecsfix leaves it: ${cmdFix.refused}; no ENV PORT added`, line: cmdFix.line }] : [];
    // The server reads another variable (SERVICE_PORT): ENV PORT would change nothing, and a PORT
    // the task definition sets would move a PORT-following probe away from the server.
    const other = cmdEdit ? null : otherPortVariable(service, inForce);
    if (other && envPort.length === 0)
      findings.push({
        code: other.address ? 'ECS102' : 'ECS108',
        severity: 'info',
        message: other.address
          ? `"${service.name}" reads its listen address from ${other.name} (${other.file}:${other.line}), not PORT: no ENV PORT added; set ${other.name}=":<port>" in the task definition to change port ${port}`
          : `"${service.name}" reads its port from ${other.name} (${other.file}:${other.line}), not PORT: no ENV PORT added; set ${other.name} in the task definition to change port ${port}`,
      });
    const ignored: Finding[] =
      envPort.length === 0 && !other
        ? fixedListenPorts(service, inForce)
            .filter((f) => !cmdHandled || f.line !== cmdHandled.line)
            .map(({ message, line }): Finding => ({ code: 'ECS107', severity: 'warning', message, ...(line ? { line } : {}) }))
            .concat(cmdKept)
        : [];
    // The code that decides the port cannot be read and the image shows no read of PORT: change nothing.
    const unestablished = envPort.length === 0 && ignored.length === 0 && !other && !cmdEdit ? portReadUnestablished(service, stage, inForce) : null;
    if (unestablished)
      return {
        edits: [],
        findings: [
          {
            code: 'ECS104',
            severity: 'warning',
            message: `no ENV PORT or EXPOSE added to "${service.name}": ${unestablished.why}, and the Dockerfile shows nothing that reads PORT, so whether the server listens on PORT (or on ${port}) is not established. Make it listen on $PORT, or keep the ECS port mapping at the port it really uses`,
            line: unestablished.line,
          },
        ],
      };
    // Say what PORT does only as far as it is established: the code (or the CMD) reads PORT, or it is assumed.
    const readsPort = cmdEdit !== null || service.portVariable?.value === 'PORT' || inForce.some((i) => (i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && /\$\{?PORT\b/.test(i.args));
    // ENV PORT only where the server may read PORT: a fixed port (code or CMD) gets EXPOSE and the warning.
    // The comment invites a task definition to override PORT only where the server is shown to read it.
    if (envPort.length === 0 && !other && ignored.length === 0) {
      lines.push(readsPort ? '# The port the server listens on; an ECS task definition may override PORT.' : "# The port the server listens on. Its code does not show that it reads PORT: do not set another PORT to move it.");
      lines.push(`${keyword(parsed, 'ENV')} PORT=${port}`);
    }
    // The code starts the server on another fixed port than the one chosen: which one is served is not settled.
    const fixedElsewhere = ignored.length > 0 && fixedListenPorts(service, inForce).some((f) => f.port !== port);
    if (!fixedElsewhere && !exposed.includes(String(port)) && !exposedWords.some((e) => /\$\{?PORT\b/.test(e.word))) {
      if (exposes.length > 0 && !exposed.includes(null))
        findings.push({ code: 'ECS105', severity: 'warning', message: `EXPOSE ${exposedWords.map((e) => e.word).join(' ')} does not include the service port ${port}; check which port the app listens on`, line: exposes[0]?.line });
      else lines.push(`${keyword(parsed, 'EXPOSE')} ${port}`);
    }
    if (cmdEdit)
      findings.push({
        code: 'ECS106',
        severity: 'warning',
        message: `CMD now starts the server on \${PORT:-${port}} instead of the fixed ${port}${/^\s*\[/.test(text.slice(cmdEdit.edit.start, cmdEdit.edit.end)) ? ' (exec form wrapped in sh -c "exec …", so the server still gets SIGTERM)' : ''}; verify the container starts as before`,
        line: cmdEdit.line,
      });
    findings.push(...ignored);
    const execEdit = execChange(parsed, stage, inForce, service.daemonConfig);
    if (execEdit) findings.push(execEdit.finding);
    // Rewriting the CMD changes how the server starts: the change says so, whatever else it does.
    const verify = [
      cmdEdit
        ? /^\s*\[/.test(text.slice(cmdEdit.edit.start, cmdEdit.edit.end))
          ? `the CMD now runs through sh -c "exec …": the container must start as before and stop on SIGTERM`
          : `the CMD now reads PORT: the container must start as before, and nothing may set PORT to another port than ${port}`
        : null,
      execEdit?.verify ?? null,
    ].filter((v): v is string => v !== null);
    const safety: ChangeSafety | undefined = verify.length ? { safety: 'behavior-changing', verify: verify.join('; ') } : undefined;
    const cmdEdits = [...(cmdEdit ? [cmdEdit.edit] : []), ...(execEdit ? [execEdit.edit] : [])];
    if (lines.length === 0) return { edits: cmdEdits, findings, ...(safety ? { safety } : {}) };

    const anchor = firstRuntimeInstruction(stage, new Set(['EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT'])) ?? stage.instructions[stage.instructions.length - 1];
    if (!anchor) return { edits: [], findings };
    const atEnd = !firstRuntimeInstruction(stage, new Set(['EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT']));
    const insertion = atEnd
      ? { start: anchor.lineEnd, end: anchor.lineEnd, text: (text.endsWith('\n') || anchor.lineEnd < text.length ? '' : '\n') + lines.join('\n') + '\n' }
      : insertLinesBefore(parsed, anchor, lines);
    const edits = [insertion, ...cmdEdits];
    const writesEnvPort = lines.some((l) => /^ENV\s+PORT=/i.test(l));
    // Only EXPOSE: documentation, which the pending change must not present as the missing ENV PORT.
    if (!writesEnvPort && !cmdEdit && !execEdit) findings.unshift({ code: 'ECS100', severity: 'info', message: `"${service.name}" now EXPOSEs ${port}, the port it listens on` });
    if (writesEnvPort)
      findings.unshift({
        code: 'ECS101',
        severity: 'info',
        message: `PORT ${port} for service "${service.name}" ${describeEvidence(service)}; verify: the container answers on ${port}${readsPort ? ', and on another port when PORT is set' : ' (its code does not show that it reads PORT)'}`,
      });
    // A code default whose variable the image or compose sets never applies: it disagrees with nothing.
    const disagree = service.portEvidence.filter((e) => e.value !== port && !e.neverApplies);
    const effect = !writesEnvPort ? `the image now exposes ${port}` : readsPort ? `PORT=${port} makes the app listen on ${port}` : `ENV PORT=${port} is the port the app listens on only if it reads PORT (its code does not say)`;
    if (disagree.length)
      findings.push({
        code: 'ECS006',
        severity: 'warning',
        message: `port evidence disagrees: ${disagree.map((e) => `${e.value} from ${e.source} (${e.file}:${e.line})`).join(', ')}; ${effect}: verify that is the port clients and the load balancer use`,
      });
    return { edits, findings, ...(safety ? { safety } : {}) };
  },
};
