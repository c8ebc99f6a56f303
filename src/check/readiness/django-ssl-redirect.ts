/**
 * ECS415 (review5 P9): a Django HTTP service that ecsfix gives an ALB target group and a task
 * definition healthCheck, while its settings redirect plain HTTP to HTTPS (`SECURE_SSL_REDIRECT`)
 * without exempting the health path (`SECURE_REDIRECT_EXEMPT`). ALB health checks and the container
 * probe are plain HTTP (no X-Forwarded-Proto), so SecurityMiddleware answers 301 and the targets
 * never turn healthy. Reported only when the settings establish it: `SECURE_SSL_REDIRECT = True`, or
 * `= not DEBUG` with `DEBUG = False`; and an exemption list that is literal (or absent).
 */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';
import { probedDjangoSettings } from './django-allowed-hosts.js';

/** The single top-level assignment of a setting: its expression and line; null when absent or assigned more than once. */
function setting(text: string, name: string): { expr: string; line: number } | 'absent' | null {
  const all = [...text.matchAll(new RegExp(`^${name}\\s*=\\s*(.*?)\\s*(?:#.*)?$`, 'gm'))];
  if (all.length === 0) return 'absent';
  const only = all[0];
  if (all.length > 1 || !only) return null;
  return { expr: only[1] ?? '', line: text.slice(0, only.index).split('\n').length };
}

/** SECURE_SSL_REDIRECT's line when it is established to be on. */
function redirectsToHttps(text: string): number | null {
  const redirect = setting(text, 'SECURE_SSL_REDIRECT');
  if (redirect === null || redirect === 'absent') return null;
  if (redirect.expr === 'True') return redirect.line;
  const debug = setting(text, 'DEBUG');
  return redirect.expr === 'not DEBUG' && debug !== null && debug !== 'absent' && debug.expr === 'False' ? redirect.line : null;
}

/** Whether SECURE_REDIRECT_EXEMPT (regexes on the path without its leading slash) exempts `path`; null when the list is not literal. */
function exempted(text: string, path: string): boolean | null {
  const exempt = setting(text, 'SECURE_REDIRECT_EXEMPT');
  if (exempt === 'absent') return false;
  const list = exempt === null ? null : /^[[(](.*?),?\s*[\])]$/.exec(exempt.expr);
  if (!list) return null;
  const items = (list[1] ?? '').split(',').filter((s) => s.trim()).map((s) => /^\s*r?(?:'([^']*)'|"([^"]*)")\s*$/.exec(s));
  if (items.some((m) => !m)) return null;
  try {
    return items.some((m) => new RegExp(m?.[1] ?? m?.[2] ?? '').test(path.replace(/^\//, '')));
  } catch {
    return null;
  }
}

export function djangoSslRedirect(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const { service, path, file, text } of probedDjangoSettings(ctx)) {
    const line = redirectsToHttps(text);
    if (line === null || exempted(text, path) !== false) continue;
    findings.push(
      finding(ctx, 'ECS415', {
        service: service.name,
        file,
        line,
        message: `the ALB target group and the task healthCheck ecsfix generates probe ${path} on "${service.name}" over plain HTTP, but SECURE_SSL_REDIRECT is on and SECURE_REDIRECT_EXEMPT does not exempt that path: Django answers 301 and the targets never turn healthy; add r"^${path.replace(/^\//, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$" to SECURE_REDIRECT_EXEMPT`,
      }),
    );
  }
  return findings;
}
