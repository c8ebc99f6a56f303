/**
 * dockerfile-port-env: an HTTP service's runtime stage declares `ENV PORT=<its port>` (and
 * `EXPOSE`), so the app, the HEALTHCHECK and the ECS task definition agree on one port that the
 * task definition can still override.
 */
import { deployedStage, effectiveInstructions, parseDockerfile } from '../src/repo/dockerfile.js';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { PORT_PRIORITY } from '../src/repo/ports.js';
import { servicesForFile, type RepoModel, type Service } from '../src/repo/model.js';
import type { Finding } from '../src/findings/finding.js';
import type { Transform, TransformInput, TransformResult } from '../src/transform.js';
import { firstRuntimeInstruction, insertLinesBefore, keyword } from '../src/dockerfile/edit.js';
import { cmdReadingPort, fixedListenPorts } from './lib/fixed-port.js';

/** The single HTTP service a Dockerfile builds, or a finding saying why there is none to act on. */
export function httpServiceOf(path: string, repo: RepoModel): { service: Service; port: number } | { finding: Finding } | null {
  const services = servicesForFile(repo, path).filter((s) => s.role === 'http');
  if (services.length === 0) return null;
  const ports = [...new Set(services.map((s) => s.port))];
  const first = services[0] as Service;
  const disputed = services.find((s) => s.portDispute);
  if (disputed?.portDispute) return { finding: { code: 'ECS150', severity: 'warning', message: `${disputed.portDispute}; port left unchanged until one project is the deployed one` } };
  if (ports.length > 1)
    return {
      finding: {
        code: 'ECS151',
        severity: 'warning',
        message: `built for several services on different ports (${services.map((s) => `${s.name}:${s.port}${s.compose ? ` in ${s.compose.file}:${s.compose.line}` : ''}`).join(', ')}); set PORT per service in each task definition instead`,
      },
    };
  if (first.port === null)
    return { finding: { code: 'ECS103', severity: 'warning', message: `no port found for HTTP service "${first.name}" (no compose port, EXPOSE, HEALTHCHECK URL or port default in its code)` } };
  return { service: first, port: first.port };
}

export function describeEvidence(service: Service): string {
  // The source the model chose the port from first (the same priority it uses), then the ones that agree.
  const rank = (source: string) => (PORT_PRIORITY.includes(source) ? PORT_PRIORITY.indexOf(source) : PORT_PRIORITY.length);
  const [chosen, ...rest] = [...service.portEvidence].sort(
    (a, b) => (a.value === service.port ? 0 : 1) - (b.value === service.port ? 0 : 1) || rank(a.source) - rank(b.source),
  );
  if (!chosen) return '';
  const agreeing = rest.filter((e) => e.value === chosen.value).map((e) => e.source);
  return `from ${chosen.source} (${chosen.file}:${chosen.line})${agreeing.length ? `; ${[...new Set(agreeing)].join(', ')} agree` : ''}`;
}

export const dockerfilePortEnv: Transform = {
  id: 'dockerfile-port-env',
  title: 'HTTP services declare ENV PORT and EXPOSE in the runtime stage',
  kinds: ['dockerfile'],
  safety: 'safe',
  fixes: 'no ENV PORT: the app, its HEALTHCHECK and the ECS port mapping can disagree',
  appliesTo: (path, repo) => isDockerfileName(path) && servicesForFile(repo, path).some((s) => s.role === 'http'),
  run({ path, text, repo }: TransformInput): TransformResult {
    const target = httpServiceOf(path, repo);
    if (!target) return { edits: [], findings: [] };
    if ('finding' in target) return { edits: [], findings: [target.finding] };
    const { service, port } = target;
    const parsed = parseDockerfile(text);
    const stage = deployedStage(parsed, service.target);
    if (!stage) return { edits: [], findings: [] };
    const inForce = effectiveInstructions(parsed, stage);
    const findings: Finding[] = [];

    const envPort = inForce.filter((i) => i.keyword === 'ENV' && /(?:^|\s)PORT(?:=|\s)/.test(i.args));
    const exposes = inForce.filter((i) => i.keyword === 'EXPOSE');
    const exposed = exposes.flatMap((i) => i.args.split(/\s+/).map((p) => p.split('/')[0]));
    const lines: string[] = [];
    // A CMD that starts the server on the literal service port is made to read PORT (same port by default).
    const cmdFix = cmdReadingPort(parsed, stage, inForce);
    const cmdEdit = cmdFix && cmdFix.port === port ? cmdFix : null;
    const ignored: Finding[] =
      envPort.length === 0
        ? fixedListenPorts(service, inForce)
            .filter((f) => !cmdEdit || f.line !== cmdEdit.line)
            .map(({ message, line }) => ({ code: 'ECS107', severity: 'warning', message, ...(line ? { line } : {}) }))
        : [];
    // Only Node.js and Python code is read: for anything else, do not claim the app reads PORT.
    const unconfirmed =
      envPort.length === 0 &&
      ignored.length === 0 &&
      service.language !== 'node' &&
      service.language !== 'python' &&
      !inForce.some((i) => (i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && /\$\{?PORT\b/.test(i.args));
    if (unconfirmed)
      findings.push({
        code: 'ECS104',
        severity: 'warning',
        message: `ecsfix cannot read "${service.name}"'s code to confirm the server reads PORT; make it listen on $PORT, or keep the ECS port mapping at ${port}`,
      });
    if (envPort.length === 0) {
      lines.push(
        ignored.length
          ? `# The port the server listens on (fixed in its ${ignored.some((n) => n.line !== undefined) ? 'CMD' : 'code'}: it does not read PORT yet).`
          : '# The port the server listens on; an ECS task definition may override PORT.',
      );
      lines.push(`${keyword(parsed, 'ENV')} PORT=${port}`);
    }
    if (!exposed.includes(String(port)) && !exposed.some((p) => /\$\{?PORT\b/.test(p ?? ''))) {
      if (exposes.length > 0)
        findings.push({ code: 'ECS105', severity: 'warning', message: `EXPOSE ${exposed.join(' ')} does not include the service port ${port}; check which port the app listens on`, line: exposes[0]?.line });
      else lines.push(`${keyword(parsed, 'EXPOSE')} ${port}`);
    }
    if (cmdEdit)
      findings.push({
        code: 'ECS106',
        severity: 'warning',
        message: `CMD now starts the server on \${PORT:-${port}} instead of the fixed ${port}${/^\s*\[/.test(text.slice(cmdEdit.edit.start, cmdEdit.edit.end)) ? ' (exec form wrapped in sh -c "exec …", so the server still gets SIGTERM)' : ''}; verify the container starts as before`,
        line: cmdEdit.line,
      });
    if (lines.length === 0) return { edits: cmdEdit ? [cmdEdit.edit] : [], findings };

    const anchor = firstRuntimeInstruction(stage, new Set(['EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT'])) ?? stage.instructions[stage.instructions.length - 1];
    if (!anchor) return { edits: [], findings };
    const atEnd = !firstRuntimeInstruction(stage, new Set(['EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT']));
    const insertion = atEnd
      ? { start: anchor.lineEnd, end: anchor.lineEnd, text: (text.endsWith('\n') || anchor.lineEnd < text.length ? '' : '\n') + lines.join('\n') + '\n' }
      : insertLinesBefore(parsed, anchor, lines);
    const edits = cmdEdit ? [insertion, cmdEdit.edit] : [insertion];
    findings.unshift({ code: 'ECS101', severity: 'info', message: `PORT ${port} for service "${service.name}" ${describeEvidence(service)}` });
    findings.push(...ignored);
    const disagree = service.portEvidence.filter((e) => e.value !== port);
    if (disagree.length)
      findings.push({
        code: 'ECS006',
        severity: 'warning',
        message: `port evidence disagrees: ${disagree.map((e) => `${e.value} from ${e.source} (${e.file}:${e.line})`).join(', ')}; PORT=${port} makes the app listen on ${port}: verify that is the port clients and the load balancer use`,
      });
    return { edits, findings };
  },
};
