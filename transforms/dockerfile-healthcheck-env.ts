/**
 * dockerfile-healthcheck-env: an HTTP service's HEALTHCHECK probes the port the container was
 * started with (`PORT`, the old port as fallback) instead of a hard-coded one, with a probe the
 * runtime image can run, on a liveness path (never `/ready`). A service with no HEALTHCHECK gets
 * one only when its code defines a health route: probing a route that does not exist would mark a
 * healthy container unhealthy.
 */
import { assumedBaseFinding } from './lib/base-assumption.js';
import { parseForBuilds } from '../src/repo/buildArgs.js';
import type { ProbeTool } from '../src/repo/baseImage.js';
import { deployedStage, effectiveInstructions, type DockerInstruction, type DockerStage } from '../src/repo/dockerfile.js';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { servicesForFile, type Service } from '../src/repo/model.js';
import type { Finding } from '../src/findings/finding.js';
import { replaceRange, type TextEdit } from '../src/edits.js';
import type { Transform, TransformInput, TransformResult } from '../src/transform.js';
import { firstRuntimeInstruction, insertLinesBefore, keyword, startOfLeadingComments } from '../src/dockerfile/edit.js';
import { generateProbe } from '../src/dockerfile/probe.js';
import { describeEvidence, httpServiceOf } from './lib/http-service.js';
import { uwsgiSocketReason } from '../src/repo/uwsgiConfig.js';
import { fixedListenPorts, otherPortVariable, portReadUnestablished } from '../src/repo/portReads.js';
import { standaloneBindsHostname } from '../src/repo/nextRoutes.js';
import { dependencyPhrase } from '../src/repo/healthFactories.js';

const DEFAULT_FLAGS = '--interval=30s --timeout=5s --start-period=30s --retries=3';
const ENV_AWARE = /process\.env\.PORT|process\.env\[['"]PORT['"]\]|\$\{?PORT\b|os\.environ|os\.getenv/;
/** A read of PORT in a probe: `${PORT:-3000}`, `$PORT`, `process.env.PORT`, `os.environ.get('PORT'`, `os.getenv("PORT"`. */
const PORT_READ = /\$\{PORT\b|\$PORT\b|process\.env\.PORT\b|process\.env\[['"]PORT['"]\]|(?:environ\.get|getenv)\(\s*['"]PORT['"]|environ\[['"]PORT['"]\]/;
const HOST_PORT = /(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):(\d{2,5})\b/;
const READINESS_PATH = /\/(ready|readiness|readyz)\b/;
/** The whole URL path of a readiness probe (`/api/ready`), not the host part before it. */
const READINESS_URL_PATH = /(?:\/[\w.-]+)*?\/(?:ready|readiness|readyz)\b\/?/;

/** The path of the probe's URL when it is written in one piece (`http://localhost:3000/health`). */
function urlPath(probe: string): string | null {
  const whole = /(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(?:\d{2,5}|\$\{\w+(?::-\d{2,5})?\}|\$\w+))?(\/[^\s'"`|;&),\]]*)/.exec(probe)?.[1];
  // 'http://localhost:' + (process.env.PORT || '3000') + '/health'
  return whole ?? /(?:localhost|127\.0\.0\.1):['"]\s*\+[^+]+\+\s*['"](\/[^'"\s]*)['"]/.exec(probe)?.[1] ?? null;
}

type ProbeKind = 'node' | 'python' | 'curl' | 'wget';

function probeKind(cmd: string): ProbeKind | null {
  if (/(^|[\s"'[,/])node["']?\s*,?\s*["']?-e\b/.test(cmd)) return 'node';
  if (/(^|[\s"'[,/])python3?["']?\s*,?\s*["']?-c\b/.test(cmd)) return 'python';
  if (/(^|[\s"'[,/])curl\b/.test(cmd)) return 'curl';
  if (/(^|[\s"'[,/])wget\b/.test(cmd)) return 'wget';
  return null;
}

/** A wget or curl the base image ships, which some variants of an image do not (alpine's busybox wget, the full Debian images' curl). */
function baseTool(stage: DockerStage, tool: ProbeTool | null): boolean {
  return (tool === 'wget' || tool === 'curl') && stage.base.tools.includes(tool);
}

/** The probe tool the stage can run, preferring the service's own runtime. */
function chooseTool(stage: DockerStage, service: Service): ProbeTool | null {
  const has = (t: ProbeTool) => stage.tools.includes(t);
  const order: ProbeTool[] = service.language === 'python' ? ['python', 'wget', 'curl', 'node'] : ['node', 'wget', 'curl', 'python'];
  return order.find(has) ?? null;
}

/** Finds the string literal around `index` in a `node -e` / `python -c` program: its quote token and bounds. */
function enclosingLiteral(cmd: string, index: number): { quote: string; open: number; close: number } | null {
  for (let i = index - 1; i >= 0; i--) {
    const c = cmd[i] ?? '';
    if (c === "'" || c === '"' || c === '`') {
      const quote = cmd[i - 1] === '\\' ? '\\' + c : c;
      const close = cmd.indexOf(quote, index);
      if (close < 0) return null;
      return { quote, open: i - (quote.length - 1), close };
    }
  }
  return null;
}

/** Shell quoting state ('', "'" or '"') at an offset of a shell command. */
function shellQuoteAt(cmd: string, index: number): string {
  let state = '';
  for (let i = 0; i < index; i++) {
    const c = cmd[i];
    if (state === '' && c === '\\') i++;
    else if (state === '' && (c === "'" || c === '"')) state = c;
    else if (state === c) state = '';
    else if (state === '"' && c === '\\') i++;
  }
  return state;
}

/** Rewrites the hard-coded port in an existing probe; null when it cannot be done safely. */
function rewritePort(cmd: string, kind: ProbeKind, exec: boolean, fallback: number, variable: string): string | null {
  const match = HOST_PORT.exec(cmd);
  if (!match) return null;
  const oldPort = match[2] ?? '';
  const hostEnd = match.index + (match[1] ?? '').length + 1; // just after "host:"
  const portEnd = hostEnd + oldPort.length;
  if (kind === 'node' || kind === 'python') {
    const lit = enclosingLiteral(cmd, match.index);
    if (!lit) return null;
    const q = lit.quote;
    const after = cmd.slice(portEnd, lit.close);
    const portExpr = kind === 'node' ? `(process.env.${variable} || ${q}${fallback}${q})` : `os.environ.get(${q}${variable}${q}, ${q}${fallback}${q})`;
    const tail = after ? ` + ${q}${after}${q}` : '';
    let out = cmd.slice(0, hostEnd) + q + ' + ' + portExpr + tail + cmd.slice(lit.close + q.length);
    if (kind === 'python' && !/\bimport\s+(?:[\w.]+\s*,\s*)*os\b|\bfrom\s+os\b/.test(out)) {
      const imp = /\bimport\s+/.exec(out);
      if (!imp) return null;
      out = out.slice(0, imp.index + imp[0].length) + 'os, ' + out.slice(imp.index + imp[0].length);
    }
    return out;
  }
  // curl / wget / anything else runs through a shell: ${PORT:-old} expands at probe time.
  if (exec) return null;
  const quote = shellQuoteAt(cmd, hostEnd);
  const expansion = quote === "'" ? `'"\${${variable}:-${fallback}}"'` : `\${${variable}:-${fallback}}`;
  return cmd.slice(0, hostEnd) + expansion + cmd.slice(portEnd);
}

function healthcheckParts(text: string, hc: DockerInstruction): { cmdStart: number; probe: string } | null {
  const body = text.slice(hc.start, hc.end);
  const at = /(^|\s)CMD(?=\s|\[)/i.exec(body.slice(hc.keyword.length));
  if (!at) return null;
  const cmdKeywordEnd = hc.start + hc.keyword.length + at.index + at[0].length;
  const rest = text.slice(cmdKeywordEnd, hc.end);
  const lead = /^(?:\s|\\\n)*/.exec(rest)?.[0].length ?? 0;
  return { cmdStart: cmdKeywordEnd + lead, probe: text.slice(cmdKeywordEnd + lead, hc.end) };
}

export const dockerfileHealthcheckEnv: Transform = {
  id: 'dockerfile-healthcheck-env',
  title: 'HEALTHCHECK probes the PORT from env, with a tool the image has, on /health',
  kinds: ['dockerfile'],
  safety: 'safe',
  fixes: 'an HTTP image with no HEALTHCHECK, or one that hard-codes its port, probes a readiness route or runs a tool the image lacks',
  verify: 'run the container: `docker inspect --format "{{.State.Health.Status}}"` turns healthy within the start period',
  appliesTo: (path, repo) => isDockerfileName(path) && servicesForFile(repo, path).some((s) => s.role === 'http'),
  run({ path, text, repo }: TransformInput): TransformResult {
    const target = httpServiceOf(path, repo);
    if (!target) return { edits: [], findings: [] };
    if ('finding' in target) return { edits: [], findings: [] }; // dockerfile-port-env reports it
    const { service, port } = target;
    const parsed = parseForBuilds(text, path, repo);
    const stage = deployedStage(parsed, service.target);
    if (!stage) return { edits: [], findings: [] };
    const existing = effectiveInstructions(parsed, stage).filter((i) => i.keyword === 'HEALTHCHECK').pop();
    // uWSGI's `socket` speaks the uwsgi protocol: an HTTP probe on it never passes, an existing one neither.
    const uwsgi = uwsgiSocketReason(service);
    if (uwsgi)
      return {
        edits: [],
        findings: [{ code: 'ECS182', severity: 'warning', message: `${existing ? 'HEALTHCHECK left unchanged (an HTTP request to that port cannot pass; a TCP connect can)' : 'no HEALTHCHECK added'}: ${uwsgi}`, ...(existing ? { line: existing.line } : {}) }],
      };
    const routePath = service.healthRoute?.path ?? '/health';
    // A server that ignores PORT must be probed on its fixed port, whatever PORT says.
    // A route served by a second server (management, metrics) is probed on that server's literal port.
    const side = service.healthRoute?.sidePort;
    const fixed = side ? { port: side.port, message: `${routePath} is served by a second server that listens on the literal port ${side.port} (${side.file}:${side.line}), not on the service's port`, line: side.line } : fixedListenPorts(service, effectiveInstructions(parsed, stage))[0];
    // A server that reads another variable (SERVICE_PORT) is probed on that one, never on PORT.
    const other = fixed ? null : otherPortVariable(service, effectiveInstructions(parsed, stage));
    // A variable that holds a whole address (`SERVER_ADDRESS=":8082"`) cannot be spliced into a URL: probe the default port.
    const unestablished = fixed || other ? null : portReadUnestablished(service, stage, effectiveInstructions(parsed, stage));
    // Nor on PORT when whether the server reads it is not established: the probe keeps the port it listens on.
    const variable = fixed || other?.address || unestablished ? null : (other?.name ?? 'PORT');

    if (!existing) {
      // One image, several processes (compose `command:`): a HEALTHCHECK bakes one probe into all of them.
      // So does an image only ever run with a command in place of its server (`celery flower`), which serves none of its routes.
      // A one-off job (`migrate`, which another service waits to complete) is no such process: nothing probes it
      // (its run-task has no healthCheck, ECS ignores the image's, compose waits for its exit code, not its health).
      const onImage = servicesForFile(repo, path).filter((s) => deployedStage(parsed, s.target) === stage);
      const sharing = onImage.filter((s) => !s.runsToCompletion);
      const jobs = onImage.filter((s) => s.runsToCompletion);
      const commands = new Set(sharing.map((s) => s.compose?.command ?? s.compose?.entrypoint ?? '(the image CMD)'));
      // One image whose start command runs a different package per service (`npm start -w $WORKER`) serves each one's own routes.
      const routes = new Set(sharing.map((s) => s.healthRoute?.path ?? '/health'));
      if ((sharing.length > 1 && (commands.size > 1 || routes.size > 1 || sharing.some((s) => s.role !== 'http'))) || sharing.some((s) => s.serverReplacedBy))
        return {
          edits: [],
          findings: [
            {
              code: 'ECS152',
              severity: 'warning',
              message: `no HEALTHCHECK added: ${sharing.map((s) => `"${s.name}" (${s.compose?.command ? `command: ${s.compose.command}` : 'the image CMD'}${s.compose ? `, ${s.compose.file}:${s.compose.line}` : ''})`).join(', ')} run this image with ${sharing.length > 1 ? (commands.size > 1 ? 'different commands' : `different health routes (${[...routes].join(', ')})`) : 'a command in place of its CMD'}, and ecsfix cannot establish that every one of them serves ${service.serverReplacedBy ? "the image's health route" : routePath}. Declare the probe per service (compose healthcheck / ECS task definition) instead`,
              line: stage.from.line,
            },
          ],
        };
      const blocked = service.blockedHealthRoutes?.[0];
      if (!service.healthRoute && blocked?.notProbed)
        return {
          edits: [],
          findings: [
            {
              code: blocked.notProbed.code,
              severity: 'warning',
              message: `no HEALTHCHECK added for "${service.name}": ${blocked.notProbed.reason}, so a 200 from a probe of ${blocked.path} is not established (a 404 or 401 marks the container unhealthy and ECS replaces every task). ${blocked.notProbed.code === 'ECS184' ? 'Register the health route before the authentication (or exempt it)' : 'Add a liveness route to the server on the service\'s port, or the HEALTHCHECK by hand on the port that serves it'}, then run this transform again`,
            },
          ],
        };
      const readiness = service.readinessRoutes?.[0];
      if (!service.healthRoute && readiness)
        return {
          edits: [],
          findings: [
            {
              code: 'ECS109',
              severity: 'warning',
              message: `no HEALTHCHECK added for "${service.name}": its only health route, ${readiness.path} (${readiness.file}:${readiness.line}), ${dependencyPhrase(readiness)}, so a liveness probe on it would mark every task unhealthy at once whenever that dependency blips, and ECS would replace them all. Add a shallow liveness route (GET /health/live, /livez or /ping answering 200 without touching dependencies), then run this transform again`,
            },
          ],
        };
      const rpc = service.rpcServer;
      if (rpc)
        return {
          edits: [],
          findings: [
            {
              code: 'ECS180',
              severity: 'warning',
              message: `no HEALTHCHECK added for "${service.name}": its server is a NestJS ${rpc.transport} microservice (${rpc.file}:${rpc.line}), which listens on its port but does not answer HTTP, so an HTTP probe would fail. An ALB cannot route to it either: reach it through ECS Service Connect or an NLB, and check it with a TCP connect${rpc.transport === 'GRPC' ? ' or a gRPC health check' : ''} if it needs a probe`,
            },
          ],
        };
      const unresolved = service.unresolvedHealthRoutes?.[0];
      if (!service.healthRoute && unresolved?.unresolvedMount)
        return {
          edits: [],
          findings: [
            {
              code: 'ECS138',
              severity: 'warning',
              message: `no HEALTHCHECK added for "${service.name}": its health route ${unresolved.path} (${unresolved.file}:${unresolved.line}) is served under a prefix ecsfix cannot establish: ${unresolved.unresolvedMount.reason}. Probing ${unresolved.path} without that prefix would answer 404; add the HEALTHCHECK by hand on the full path`,
            },
          ],
        };
      if (!service.healthRoute) {
        return {
          edits: [],
          findings: [
            {
              code: 'ECS111',
              severity: 'warning',
              message:
                service.language === 'node' || service.language === 'python'
                  ? `no HEALTHCHECK added for "${service.name}": no health route ecsfix can read in its code (it reads the routes of Express, Koa, Fastify, NestJS, Hono, Next.js route handlers, FastAPI, Flask, Django and aiohttp); probing a route that may not exist would mark a healthy container unhealthy. If the service serves a liveness route in another way, add the HEALTHCHECK by hand on that path; if it has none, add one (GET /health answering 200 without touching databases) and run this transform again`
                  : service.language === 'go'
                    ? `no HEALTHCHECK added for "${service.name}": no health route found on a root router of its Go code (http.HandleFunc, gin, chi, echo, fiber; routes under a Group/Route/Mount prefix are not read). Add a HEALTHCHECK by hand that probes its liveness route, with a tool ${stage.base.reference} has`
                    : `no HEALTHCHECK added for "${service.name}": ecsfix reads health routes from Node.js, Python and Go code only. Add a HEALTHCHECK by hand that probes its liveness route on $PORT, with a tool ${stage.base.reference} has`,
            },
          ],
        };
      }
      const standalone = standaloneBindsHostname(effectiveInstructions(parsed, stage));
      if (standalone)
        return {
          edits: [],
          findings: [
            {
              code: 'ECS139',
              severity: 'warning',
              message: `no HEALTHCHECK added for "${service.name}": the Next.js standalone server (copied at line ${standalone.line}) listens on $HOSTNAME, which Docker and ECS set to the container's host name, so a probe of ${routePath} on localhost would be refused. Set ENV HOSTNAME=0.0.0.0, then run this transform again`,
              line: standalone.line,
            },
          ],
        };
      const tool = chooseTool(stage, service);
      const probe = tool ? generateProbe(tool, stage, fixed?.port ?? port, routePath, variable) : null;
      if (!probe)
        return { edits: [], findings: [{ code: 'ECS112', severity: 'warning', message: `no HEALTHCHECK added for "${service.name}": ${stage.base.reference} has no node, python, wget or curl to probe with` }] };
      const hcWord = keyword(parsed, 'HEALTHCHECK');
      const lines = [
        `# Liveness probe for docker run/compose; ECS ignores it unless the task definition declares a healthCheck.`,
        `${hcWord} ${DEFAULT_FLAGS} \\`,
        `  ${keyword(parsed, 'CMD')} ${probe}`,
      ];
      const anchor = firstRuntimeInstruction(stage, new Set(['CMD', 'ENTRYPOINT']));
      const last = stage.instructions[stage.instructions.length - 1] as DockerInstruction;
      // Keep the blank line that separated the anchor's comment block from what precedes it.
      const at = anchor ? startOfLeadingComments(parsed, anchor) : 0;
      const separate = anchor !== undefined && at !== anchor.lineStart && text.slice(Math.max(0, at - 2), at) === '\n\n';
      const edit: TextEdit = anchor
        ? insertLinesBefore(parsed, anchor, separate ? [...lines, ''] : lines)
        : { start: last.lineEnd, end: last.lineEnd, text: (text.endsWith('\n') ? '' : '\n') + lines.join('\n') + '\n' };
      const findings: Finding[] = [
        {
          code: 'ECS113',
          severity: 'info',
          message: `added a ${tool} HEALTHCHECK on ${routePath} (route defined at ${service.healthRoute.file}:${service.healthRoute.line}), ${side ? `on port ${side.port}, where the second server that serves it listens (${side.file}:${side.line}), not on the service's port` : fixed ? `on the fixed port ${fixed.port} the server listens on` : unestablished ? `on port ${port}, not on PORT: ${unestablished.why}` : variable === null ? `on port ${port}, the default of the address the server reads from ${other?.name} (${other?.file}:${other?.line})` : `port from ${variable} with ${port} as fallback${other ? ` (the server reads ${other.name} at ${other.file}:${other.line})` : ''}`}; verify: the container turns healthy within the start period${jobs.length ? `. ${jobs.map((s) => `"${s.name}"`).join(', ')} run${jobs.length === 1 ? 's' : ''} this image too as a job that runs to completion, which nothing probes` : ''}`,
        },
      ];
      const assumed = baseTool(stage, tool) ? assumedBaseFinding(parsed, stage, `the ${tool} probe`) : null;
      if (assumed) findings.push(assumed);
      if (/(?:^|\/)urls\.py$/.test(service.healthRoute.file))
        findings.push({
          code: 'ECS114',
          severity: 'warning',
          message: `Django answers 400 to a Host header not in ALLOWED_HOSTS: check that ALLOWED_HOSTS accepts "localhost" (the probe's Host) and that no HTTPS redirect applies to ${routePath}, or the container is marked unhealthy`,
        });
      return { edits: [edit], findings };
    }

    if (/^\s*NONE\b/i.test(existing.args)) return { edits: [], findings: [{ code: 'ECS115', severity: 'info', message: 'HEALTHCHECK NONE kept as written', line: existing.line }] };
    if (existing.stageIndex !== stage.index)
      return { edits: [], findings: [{ code: 'ECS116', severity: 'warning', message: `the HEALTHCHECK is inherited from stage ${existing.stageIndex + 1}; review it there`, line: existing.line }] };
    const parts = healthcheckParts(text, existing);
    if (!parts) return { edits: [], findings: [] };
    const findings: Finding[] = [];
    const exec = parts.probe.trimStart().startsWith('[');
    const kind = probeKind(parts.probe);
    const toolMissing = kind !== null && !stage.tools.includes(kind);
    let probe = parts.probe;
    if (READINESS_PATH.test(probe)) {
      if (!service.healthRoute) {
        // Moving the probe to /health would probe a route that does not exist: leave the path.
        findings.push({
          code: 'ECS117',
          severity: 'warning',
          message: `the HEALTHCHECK probes a readiness path, which fails whenever a database is slow; "${service.name}" defines no liveness route to probe instead: add GET /health (200 without touching databases) and point the HEALTHCHECK at it`,
          line: existing.line,
        });
      } else {
        probe = probe.replace(READINESS_URL_PATH, routePath);
        findings.push({
          code: 'ECS117',
          severity: 'warning',
          message: `the HEALTHCHECK probed a readiness path; a liveness probe must not depend on databases, it now probes ${routePath} (route defined at ${service.healthRoute.file}:${service.healthRoute.line}); verify: ${routePath} answers 200 while the database is down`,
          line: existing.line,
          fixedBy: 'dockerfile-healthcheck-env',
        });
      }
    }
    // A health-named route whose handler answers 503 when a dependency is down, or pings a datastore, is a readiness check.
    const probedPath = urlPath(probe);
    const dependent = probedPath ? service.readinessRoutes?.find((r) => r.path.replace(/\/$/, '') === probedPath.replace(/\/$/, '')) : undefined;
    if (dependent && probedPath) {
      const checks = `${dependent.path} (${dependent.file}:${dependent.line}), which ${dependencyPhrase(dependent)}`;
      if (service.healthRoute) {
        probe = probe.replace(probedPath, service.healthRoute.path);
        findings.push({
          code: 'ECS109',
          severity: 'warning',
          message: `the HEALTHCHECK probed ${checks}; it now probes ${service.healthRoute.path} (${service.healthRoute.file}:${service.healthRoute.line}), which does not. Verify: ${service.healthRoute.path} answers 200 while that dependency is down`,
          line: existing.line,
          fixedBy: 'dockerfile-healthcheck-env',
        });
      } else
        findings.push({
          code: 'ECS109',
          severity: 'warning',
          message: `the HEALTHCHECK probes ${checks}, so the container is restarted whenever the dependency is slow; add a dependency-free liveness route and probe it instead`,
          line: existing.line,
        });
    }
    // A route established not to answer the probe (another server's unestablished port, authentication): reported, left as written.
    const blocked = probedPath ? service.blockedHealthRoutes?.find((r) => r.path.replace(/\/$/, '') === probedPath.replace(/\/$/, '')) : undefined;
    if (blocked?.notProbed)
      findings.push({ code: blocked.notProbed.code, severity: 'warning', message: `the HEALTHCHECK probes ${blocked.path}, but ${blocked.notProbed.reason}: a 200 is not established (a 404 or 401 marks the container unhealthy); probe a route that answers 200 without credentials on the port of the server that serves it`, line: existing.line });
    const probedPort = HOST_PORT.exec(probe)?.[2];
    if (probedPort && Number(probedPort) !== port && !ENV_AWARE.test(probe))
      findings.push({
        code: 'ECS118',
        severity: 'warning',
        message: `the HEALTHCHECK probed port ${probedPort} but the service listens on ${port} (${describeEvidence(service)}); it now falls back to ${port}: check which one the app listens on`,
        line: existing.line,
      });
    const edit = (replacement: string): TransformResult => {
      if (replacement === parts.probe) return { edits: [], findings };
      // The probe keeps a wget/curl the base image was read to ship.
      const assumed = !toolMissing && baseTool(stage, kind) ? assumedBaseFinding(parsed, stage, `the ${kind} probe`) : null;
      return { edits: [replaceRange(parts.cmdStart, existing.end, replacement)], findings: assumed ? [...findings, assumed] : findings };
    };

    if (toolMissing) {
      // The probe cannot work as written: replace it whole, keeping the HEALTHCHECK flags.
      const tool = chooseTool(stage, service);
      const generated = tool ? generateProbe(tool, stage, fixed?.port ?? port, urlPath(probe) ?? routePath, variable) : null;
      if (!generated) return { edits: [], findings: [...findings, { code: 'ECS112', severity: 'warning', message: `the HEALTHCHECK cannot work on ${stage.base.reference} and no probe tool is available to replace it`, line: existing.line }] };
      findings.push({ code: 'ECS119', severity: 'warning', message: `the HEALTHCHECK ran ${kind}, which ${stage.base.reference} does not ship; it now uses ${tool}; verify: the container turns healthy within the start period`, line: existing.line });
      const assumed = assumedBaseFinding(parsed, stage, `replacing ${kind} with ${tool}`);
      if (assumed) findings.push(assumed);
      return edit(generated);
    }
    if (other && !other.address && PORT_READ.test(probe)) {
      // The probe follows PORT but the server does not: make it follow the server's variable.
      findings.push({ code: 'ECS110', severity: 'info', message: `HEALTHCHECK now reads ${other.name}, the variable the server listens on (${other.file}:${other.line}), instead of PORT; verify: the container turns healthy within the start period`, line: existing.line });
      return edit(probe.replace(new RegExp(PORT_READ.source, 'g'), (m) => m.replace('PORT', other.name)));
    }
    if (ENV_AWARE.test(probe)) return edit(probe);
    if (unestablished) {
      findings.push({ code: 'ECS104', severity: 'warning', message: `the HEALTHCHECK keeps its port: ${unestablished.why}, so whether the server follows PORT is not established`, line: existing.line });
      return edit(probe);
    }
    if (other?.address) {
      findings.push({ code: 'ECS102', severity: 'info', message: `the HEALTHCHECK keeps its port: the server reads a whole listen address from ${other.name} (${other.file}:${other.line}), not PORT`, line: existing.line });
      return edit(probe);
    }
    if (fixed) {
      findings.push({ code: 'ECS107', severity: 'warning', message: `the HEALTHCHECK keeps its port: ${fixed.message}`, line: existing.line });
      return edit(probe);
    }
    if (!kind && exec) return { edits: [], findings: [...findings, { code: 'ECS120', severity: 'warning', message: 'HEALTHCHECK runs a command ecsfix does not know; make it read PORT by hand', line: existing.line }] };
    if (exec && (kind === 'curl' || kind === 'wget')) {
      // Exec form has no shell to expand ${PORT}: use the shell form when the image has a shell.
      const tool = stage.tools.includes(kind) ? kind : chooseTool(stage, service);
      const generated = tool ? generateProbe(tool, stage, port, urlPath(probe) ?? routePath, variable) : null;
      if (!generated) return { edits: [], findings: [...findings, { code: 'ECS120', severity: 'warning', message: 'exec-form HEALTHCHECK cannot read PORT without a shell; set the port in the ECS healthCheck', line: existing.line }] };
      findings.push({ code: 'ECS110', severity: 'info', message: `HEALTHCHECK now reads ${variable} (${port} as fallback); verify: the container turns healthy within the start period`, line: existing.line });
      return edit(generated);
    }
    const rewrite = rewritePort(probe, kind ?? 'curl', exec, port, variable ?? 'PORT');
    if (!rewrite) {
      if (HOST_PORT.test(probe))
        findings.push({ code: 'ECS120', severity: 'warning', message: 'HEALTHCHECK hard-codes its port in a form ecsfix cannot rewrite safely; make it read PORT by hand', line: existing.line });
      return { edits: [], findings };
    }
    findings.push({ code: 'ECS110', severity: 'info', message: `HEALTHCHECK now reads ${variable} (${port} as fallback); verify: the container turns healthy within the start period`, line: existing.line });
    return edit(rewrite);
  },
};
