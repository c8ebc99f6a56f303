/**
 * ECS411: an nginx image proxies to another compose service by its compose name (`proxy_pass
 * http://api:3000/`, `server orders:4000;` in an `upstream`). Compose's DNS answers that name; on
 * ECS nothing does unless service discovery is set up under the same name, and nginx does not start
 * when a proxy_pass host does not resolve ("host not found in upstream"). Only the configuration
 * the image is established to load is read (src/nginx/image.ts); a host given by a variable
 * (`${API_HOST}` in an envsubst template) is what ECS needs, and is not reported.
 */
import type { Finding } from '../../findings/finding.js';
import { findDirectives, type NginxDirective } from '../../nginx/config.js';
import { nginxImageConfig } from '../../nginx/image.js';
import { finding, serviceImage, type CheckContext } from '../context.js';

const PASS_DIRECTIVES = ['proxy_pass', 'grpc_pass', 'uwsgi_pass', 'fastcgi_pass', 'scgi_pass'];

/** The host of `http://api:3000/x`, `api:9000`, `grpc://api`; null for a variable or a unix socket. */
export function upstreamHost(address: string): string | null {
  if (address.includes('$') || /^unix:/.test(address)) return null;
  const host = /^(?:[a-z]+:\/\/)?([^/:]+)/i.exec(address)?.[1];
  return host ?? null;
}

/** The hosts a config file sends requests to, with the directive that names each. */
function upstreamTargets(directives: NginxDirective[]): { host: string; line: number }[] {
  const upstreams = findDirectives(directives, 'upstream');
  const named = new Set(upstreams.map((u) => u.args[0]?.value));
  const targets: { host: string; line: number }[] = [];
  for (const d of PASS_DIRECTIVES.flatMap((name) => findDirectives(directives, name))) {
    const host = upstreamHost(d.args[0]?.value ?? '');
    if (host && !named.has(host)) targets.push({ host, line: d.line }); // an upstream block's name is not a host
  }
  for (const server of upstreams.flatMap((u) => (u.block ?? []).filter((d) => d.name === 'server'))) {
    const host = upstreamHost(server.args[0]?.value ?? '');
    if (host) targets.push({ host, line: server.line });
  }
  return targets;
}

export function nginxComposeUpstream(ctx: CheckContext): Finding[] {
  const composeNames = new Set(ctx.repo.compose.services.map((s) => s.name));
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    const image = serviceImage(ctx.repo, service);
    if (!image || !/^(?:nginx\/)?nginx$|\/nginx-unprivileged$/.test(image.stage.base.name)) continue;
    const config = nginxImageConfig(image.parsed, image.stage, service.buildContext, { ...ctx.repo, dockerfile: service.dockerfile }, ctx.read, service.compose?.environment ?? {});
    if ('kind' in config) continue; // the configuration it starts with is not established
    for (const file of config.loaded)
      for (const { host, line } of upstreamTargets(file.directives)) {
        if (!composeNames.has(host) || host === service.name) continue;
        findings.push(
          finding(ctx, 'ECS411', {
            service: service.name,
            file: file.repoPath,
            line,
            message: `nginx in "${service.name}" sends requests to ${host}, a compose service name ECS does not resolve; nginx does not start when it cannot resolve it. Use the name service discovery gives ${host} on ECS (Cloud Map, Service Connect or an internal load balancer), or a variable set in the task definition (envsubst template)`,
          }),
        );
      }
  }
  return findings;
}
