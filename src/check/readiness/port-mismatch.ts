/**
 * ECS409: an HTTP service whose code listens on a port other than the one its Dockerfile (ENV PORT,
 * EXPOSE, CMD) or compose declares. The code's ports are the model's evidence (only the service's
 * own port variables count, not a client's default for another service). A literal port in
 * `listen` is blocking; a fallback that applies only when the port variable is unset is a warning,
 * and nothing when the image or compose sets a port variable.
 */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';
import { portSourceKind } from '../../repo/ports.js';

// By kind: `ENV PORT (ARG APP_PORT default)` is an ENV PORT.
const DECLARED = new Set(['ENV PORT', 'compose environment PORT', 'compose port mapping', 'EXPOSE', 'CMD']);
const LITERAL = /\.listen literal|PORT constant|serve default port/;

export function portMismatch(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    // A one-off job serves no traffic: its port is no one's.
    if (service.role !== 'http' || service.runsToCompletion) continue;
    const declared = service.portEvidence.filter((e) => DECLARED.has(portSourceKind(e.source) ?? ''));
    if (declared.length === 0) continue;
    const ports = new Set(declared.map((e) => e.value));
    // A port variable the image sets from a value the build does not establish is set all the same.
    const names = [...service.imageEnv.keys(), ...Object.keys(service.compose?.environment ?? {})];
    const portVarSet = names.some((n) => /PORT$/.test(n));
    const where = declared.map((e) => `${e.source} ${e.value} at ${e.file}:${e.line}`).join(', ');
    for (const code of service.portEvidence.filter((e) => e.source.startsWith('code') && !ports.has(e.value))) {
      const literal = LITERAL.test(code.source);
      if (!literal && portVarSet) continue;
      findings.push(
        finding(ctx, 'ECS409', {
          service: service.name,
          file: code.file,
          line: code.line,
          ...(literal
            ? { message: `the server listens on port ${code.value}; declared: ${where}` }
            : { severity: 'warning' as const, message: `the server falls back to port ${code.value} when its port variable is unset, and neither the image nor compose sets one; declared: ${where}` }),
        }),
      );
    }
  }
  return findings;
}
