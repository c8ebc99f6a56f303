/**
 * ECS413 (review3 R10): a Django HTTP service that ecsfix gives an ALB target group and a task
 * definition healthCheck, while the settings module's ALLOWED_HOSTS is established not to accept
 * the probes' Host headers: the ALB sends the task's private IP, the container probe "localhost".
 * Django answers 400 (DisallowedHost), so the targets never turn healthy. Reported only when
 * ALLOWED_HOSTS is a literal list/tuple, or one env variable split on commas whose value (compose's,
 * else the default in the code) is known; anything computed otherwise stays silent.
 */
import type { Finding } from '../../findings/finding.js';
import type { Service } from '../../repo/model.js';
import { finding, type CheckContext } from '../context.js';
import { albHealthPath } from '../task-definition.js';
import { filesUnder } from '../../repo/files.js';

const SETTINGS_MODULE = /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/;
const ASSIGNMENT = /^ALLOWED_HOSTS\s*(\+?=)\s*(.*?)\s*(?:#.*)?$/gm;
const STRING_ITEM = /^\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*$/;
const ENV_SPLIT = /^(?:os\.environ\.get|os\.getenv)\(\s*["'](\w+)["']\s*,\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*\)\.split\(\s*["'],["']\s*\)$/;

/** The settings file the service loads: DJANGO_SETTINGS_MODULE from compose, else from manage.py/wsgi.py/asgi.py; the module resolved under the service's directory. */
function settingsFile(ctx: CheckContext, service: Service): string | null {
  const prefix = service.dir ? service.dir + '/' : '';
  const inService = filesUnder(ctx.repo.files, prefix);
  const fromCompose = service.compose?.environment?.DJANGO_SETTINGS_MODULE;
  let module = typeof fromCompose === 'string' ? fromCompose : null;
  for (const f of inService.filter((f) => /(?:^|\/)(?:manage|wsgi|asgi)\.py$/.test(f))) {
    if (module) break;
    module = SETTINGS_MODULE.exec(ctx.read(f) ?? '')?.[1] ?? null;
  }
  if (!module) return null;
  const base = module.replace(/\./g, '/');
  return inService.find((f) => f.endsWith(`/${base}.py`) || f.endsWith(`/${base}/__init__.py`) || f === `${base}.py`) ?? null;
}

/**
 * The Django services whose health route ecsfix probes from the ALB and the task healthCheck, with
 * the probed path and the settings module they load (path and text): what the Django probe rules read.
 */
export function probedDjangoSettings(ctx: CheckContext): { service: Service; path: string; file: string; text: string }[] {
  const out: { service: Service; path: string; file: string; text: string }[] = [];
  for (const service of ctx.repo.services) {
    if (!service.healthRoute || !/(?:^|\/)urls\.py$/.test(service.healthRoute.file)) continue;
    const path = albHealthPath(ctx, service);
    const file = path === null ? null : settingsFile(ctx, service);
    const text = file ? ctx.read(file) : null;
    if (path !== null && file && text !== null) out.push({ service, path, file, text });
  }
  return out;
}

/** The hosts ALLOWED_HOSTS holds, with the line and where they come from; null when the file does not establish them. */
function allowedHosts(text: string, environment: Record<string, string | null>): { hosts: string[]; line: number; source: string } | null {
  const assignments = [...text.matchAll(ASSIGNMENT)];
  const only = assignments[0];
  // Appended to, assigned twice, or changed in place (`ALLOWED_HOSTS.append(...)`): not established.
  if (assignments.length !== 1 || !only || only[1] !== '=' || /^ALLOWED_HOSTS\s*\.\w+\(/m.test(text)) return null;
  const line = text.slice(0, only.index).split('\n').length;
  const expr = only[2] ?? '';
  const list = /^[[(]([^[\]()]*?),?\s*[\])]$/.exec(expr);
  if (list) {
    const items = (list[1] ?? '').split(',').filter((s) => s.trim()).map((s) => STRING_ITEM.exec(s));
    if (items.some((m) => !m)) return null;
    return { hosts: items.map((m) => m?.[1] ?? m?.[2] ?? ''), line, source: 'the literal list' };
  }
  const env = ENV_SPLIT.exec(expr);
  if (!env) return null;
  const name = env[1] ?? '';
  const set = environment[name];
  // Passed from the host environment or interpolated (`${HOSTS:-...}`): the value is not established.
  if (set === null || set?.includes('$')) return null;
  const value = set ?? env[2] ?? env[3] ?? '';
  return { hosts: value.split(','), line, source: set === undefined ? `the default of ${name}` : `${name} as compose sets it` };
}

export function djangoAllowedHosts(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const { service, path, file, text } of probedDjangoSettings(ctx)) {
    const allowed = allowedHosts(text, service.compose?.environment ?? {});
    if (!allowed || allowed.hosts.some((h) => h.trim() === '*')) continue;
    findings.push(
      finding(ctx, 'ECS413', {
        service: service.name,
        file,
        line: allowed.line,
        message: `the ALB target group and the task healthCheck ecsfix generates probe ${path} on "${service.name}", but ALLOWED_HOSTS (${allowed.source}: ${allowed.hosts.map((h) => h.trim()).join(', ') || 'empty'}) does not accept the task's IP that the ALB sends as Host: Django answers 400 and the targets never turn healthy; add the task's IP at start-up (ECS task metadata endpoint) or answer ${path} in a middleware before host validation`,
      }),
    );
  }
  return findings;
}
