/**
 * Authentication registered in front of routes (review10 R30): app-wide or prefix-wide middleware
 * (`app.use(passport.authenticate('jwt'))`, `app.use(jwt({ secret }))` of express-jwt,
 * `app.use(requireAuth)`, `keycloak.protect()`), a Fastify `addHook('onRequest', app.authenticate)`,
 * a NestJS global guard (`app.useGlobalGuards(new JwtAuthGuard())`, an APP_GUARD provider) or
 * `@UseGuards(...)`. A probe carries no credentials, so a route behind one answers 401.
 *
 * Only what clearly authenticates counts: a package that does (passport, express-jwt, koa-jwt,
 * @fastify/jwt, keycloak-connect, express-oauth2-jwt-bearer) or a name that says so (*auth*,
 * *jwt*, *token*, *guard*); a middleware whose purpose is not clear is not read as authentication.
 */
import { calleeName, propName, stringValue } from './ast-names.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- ESTree nodes are walked generically */
type Node = any;

export interface AuthGate {
  line: number;
  /** The object it is registered on, as the file names it (the outermost one for a Fastify plugin's instance). */
  receiver: string | null;
  /** The mount path it covers ('' for every path). */
  prefix: string;
  /** The Fastify register prefixes around it (see Encapsulation.scope). */
  scope?: string;
  /** What authenticates, as written (`passport.authenticate`, `requireAuth`). */
  what: string;
  /**
   * Paths exempted from it: express-jwt's `.unless({ path: [...] })`, or the path literals an inline
   * middleware compares the request with (`if (req.path === '/health') return next()`); regular
   * expressions as `/source/`. null when there is an exemption list ecsfix cannot read.
   */
  unless?: string[] | null;
  /** A Fastify hook: it runs for every route of its context, registered before it or after. */
  hook?: boolean;
}

const AUTH_PACKAGE = /^(?:passport|express-jwt|koa-jwt|koa-passport|@fastify\/jwt|fastify-jwt|@fastify\/auth|keycloak-connect|express-oauth2-jwt-bearer|jsonwebtoken)$/;
const AUTH_NAME = /auth|jwt|token|guard|protect/i;
/** Names with "auth"/"token" that do not authenticate the request: routers, rate limits, CSRF, OAuth callbacks, body parsers. */
const NOT_AUTH = /router|routes|limit|csrf|callback|initiali[sz]e|session|oauth2?Server|parser|bearerToken/i;
/** Options that let a request without credentials through (express-jwt, express-openid-connect, koa-jwt). */
const OPTIONAL = /\b(?:credentialsRequired|authRequired)\s*:\s*false\b|\bpassthrough\s*:\s*true\b/;
/** Calls an inline middleware or hook makes to verify a credential. */
const VERIFIES = /\bjwtVerify\s*\(|\bjwt\.verify\s*\(|\bverify\w*Token\s*\(|\.authenticate\s*\(|\bkeycloak\.protect\s*\(/;
const FUNCTION = new Set(['FunctionExpression', 'ArrowFunctionExpression']);
const HOOKS = new Set(['onRequest', 'preParsing', 'preValidation', 'preHandler']);

/** Whether `node` (a middleware or hook argument) authenticates: what, and its exemptions; null when it is not established to. */
export function authMiddleware(node: Node, imports: Record<string, string>, src: (n: Node) => string): Pick<AuthGate, 'what' | 'unless'> | null {
  let n = node;
  let unless: string[] | null | undefined;
  if (n?.type === 'CallExpression' && n.callee?.type === 'MemberExpression' && propName(n.callee) === 'unless') {
    unless = unlessPaths(n.arguments[0]);
    n = n.callee.object;
  }
  if (FUNCTION.has(n?.type)) {
    const body = src(n);
    if (!VERIFIES.test(body)) return null;
    const exempt = [...body.matchAll(/(['"`])(\/[^'"`\s]*)\1/g)].map((m) => m[2] ?? '');
    return { what: 'an inline middleware that verifies a token', ...(exempt.length ? { unless: exempt } : {}) };
  }
  const name = n?.type === 'CallExpression' ? calleeName(n.callee) : n?.type === 'NewExpression' ? calleeName(n.callee) : calleeName(n);
  if (!name || name.endsWith('?')) return null;
  const parts = name.replace(/\(\)/g, '').split('.');
  const root = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const fromAuthPackage = AUTH_PACKAGE.test(imports[root] ?? '');
  const passport = /^passport$/i.test(root) && last === 'authenticate';
  const keycloak = /keycloak/i.test(root) && last === 'protect';
  const named = AUTH_NAME.test(last) && !NOT_AUTH.test(last);
  if (!(passport || keycloak || (fromAuthPackage && !NOT_AUTH.test(last)) || named)) return null;
  if (n.type === 'CallExpression' && OPTIONAL.test(src(n))) return null;
  return { what: name.replace(/\(\)/g, ''), ...(unless !== undefined ? { unless } : {}) };
}

/** The gate of `x.use([prefix,] ...middleware)` / `x.addHook('onRequest', fn)`, or null. */
export function authGateOfCall(node: Node, method: string | null, imports: Record<string, string>, src: (n: Node) => string): Omit<AuthGate, 'receiver' | 'line'> | null {
  const args: Node[] = node.arguments ?? [];
  if (method === 'addHook') {
    if (!HOOKS.has(stringValue(args[0]) ?? '')) return null;
    const gate = authMiddleware(args[1], imports, src);
    return gate ? { ...gate, prefix: '', hook: true } : null;
  }
  if (method !== 'use') return null;
  const prefix = stringValue(args[0]);
  if (prefix !== null && !prefix.startsWith('/')) return null;
  for (const a of args.slice(prefix === null ? 0 : 1)) {
    const gate = authMiddleware(a, imports, src);
    if (gate) return { ...gate, prefix: prefix ?? '' };
  }
  return null;
}

/** `useGlobalGuards(new JwtAuthGuard())` / `{ provide: APP_GUARD, useClass: JwtAuthGuard }`: the guard's name, or null. */
export function nestGlobalGuard(node: Node, method: string | null): string | null {
  if (node.type === 'CallExpression' && method === 'useGlobalGuards') {
    for (const a of node.arguments ?? []) {
      const name = calleeName(a.type === 'NewExpression' ? a.callee : a);
      if (AUTH_NAME.test(name) && !NOT_AUTH.test(name)) return name;
    }
    return null;
  }
  if (node.type !== 'ObjectExpression') return null;
  const prop = (key: string) => node.properties?.find((p: Node) => p.key?.name === key)?.value;
  if (calleeName(prop('provide')) !== 'APP_GUARD') return null;
  const name = calleeName(prop('useClass') ?? prop('useExisting'));
  return name && AUTH_NAME.test(name) && !NOT_AUTH.test(name) ? name : null;
}

/** A NestJS decorator that exempts a handler or controller from a global guard (`@Public()`, keycloak's `@Unprotected()`). */
export const NEST_PUBLIC = /^(?:Public|IsPublic|PublicRoute|AllowAnonymous|Anonymous|SkipAuth|NoAuth|Unprotected|SkipJwt\w*)$/;

/** `@UseGuards(JwtAuthGuard)`, `@UseGuards(AuthGuard('jwt'))`: the guard that authenticates, or null. */
export function nestUseGuards(decorator: Node): string | null {
  if (calleeName(decorator.expression?.callee) !== 'UseGuards') return null;
  for (const a of decorator.expression.arguments ?? []) {
    const name = calleeName(a.type === 'CallExpression' || a.type === 'NewExpression' ? a.callee : a);
    if (AUTH_NAME.test(name) && !NOT_AUTH.test(name)) return name;
  }
  return null;
}

/** express-jwt's `unless` options: the exempted paths, null when they are not all literals. */
function unlessPaths(opts: Node): string[] | null {
  if (opts?.type !== 'ObjectExpression') return null;
  const path = opts.properties.find((p: Node) => p.key?.name === 'path')?.value;
  if (!path) return [];
  const items: Node[] = path.type === 'ArrayExpression' ? path.elements : [path];
  const out: string[] = [];
  for (const el of items) {
    const s = stringValue(el) ?? (el?.type === 'ObjectExpression' ? stringValue(el.properties.find((p: Node) => p.key?.name === 'url')?.value) : null);
    if (s !== null) out.push(s);
    else if (el?.type === 'Literal' && el.regex) out.push(`/${el.regex.pattern}/`);
    else return null;
  }
  return out;
}

/** Whether a path is exempted by a gate's `unless` list (a literal, or a regular expression as `/source/`). */
export function exempted(unless: string[], path: string): boolean {
  const bare = path.replace(/\/$/, '') || '/';
  return unless.some((u) => {
    if (u.length > 2 && u.startsWith('/') && u.endsWith('/') && /[\\^$*+?()[\]{}|]/.test(u)) {
      try {
        return new RegExp(u.slice(1, -1)).test(path);
      } catch {
        return false;
      }
    }
    return (u.replace(/\/$/, '') || '/') === bare;
  });
}
