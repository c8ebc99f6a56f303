/**
 * The compose model: which services are built from which Dockerfile (context, dockerfile, target),
 * the container ports they publish and their environment. Follows `include:` and merges override
 * files (docker-compose.prod.yml) by service name, as `docker compose -f a -f b` would.
 * YAML merge keys (`<<: *anchor`) are honoured.
 */
import { posix } from 'node:path';
import { parseDocument, LineCounter } from 'yaml';

export interface ComposeBuild {
  /** Build context, relative to the repo root. */
  context: string;
  /** Dockerfile path relative to the repo root. */
  dockerfile: string;
  target: string | null;
  /** `build.args` (map or list form); one Dockerfile often builds several services this way. */
  args: Record<string, string>;
}

export interface ComposeService {
  name: string;
  /** Compose file that defines it (the first one), relative to the repo root. */
  file: string;
  line: number;
  build: ComposeBuild | null;
  image: string | null;
  /** Container-side ports. */
  containerPorts: number[];
  environment: Record<string, string | null>;
  dependsOn: string[];
  hasHealthcheck: boolean;
  /** Volumes and bind mounts (`volumes:`), by container path; absent when the model predates it. */
  volumes?: ComposeVolume[];
}

export interface ComposeVolume {
  /** Host path or named volume; null for an anonymous volume. */
  source: string | null;
  /** Container path. */
  target: string;
  readOnly: boolean;
}

export interface ComposeModel {
  files: string[];
  services: ComposeService[];
}

export class ComposeSyntaxError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const COMPOSE_FILE = /^(docker-)?compose(\.[\w-]+)*\.ya?ml$/i;

export function isComposeFileName(name: string): boolean {
  return COMPOSE_FILE.test(name);
}

export function parseComposeText(text: string, file: string): { value: Record<string, unknown>; lineOf(key: string): number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter, prettyErrors: false, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
    throw new ComposeSyntaxError(error.message.split('\n')[0] ?? error.message, file, line);
  }
  const value = (doc.toJS({ maxAliasCount: 1000 }) ?? {}) as Record<string, unknown>;
  const services = doc.get('services', true) as { items?: { key: { value?: unknown; range?: [number] } }[] } | undefined;
  const lines = new Map<string, number>();
  for (const item of services?.items ?? []) {
    const key = item.key;
    if (key && typeof key.value === 'string' && key.range) lines.set(key.value, lineCounter.linePos(key.range[0]).line);
  }
  return { value: typeof value === 'object' && value !== null ? value : {}, lineOf: (key) => lines.get(key) ?? 1 };
}

export function parsePortSpec(spec: unknown): number | null {
  if (typeof spec === 'number') return spec;
  if (typeof spec === 'string') {
    const noProto = spec.split('/')[0] ?? '';
    const parts = noProto.split(':');
    const container = parts[parts.length - 1] ?? '';
    const n = Number(container.split('-')[0]);
    return Number.isInteger(n) && n > 0 ? n : null;
  }
  if (spec && typeof spec === 'object' && 'target' in spec) return parsePortSpec((spec as { target: unknown }).target);
  return null;
}

function environmentOf(raw: unknown): Record<string, string | null> {
  const env: Record<string, string | null> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      if (typeof entry !== 'string') continue;
      const eq = entry.indexOf('=');
      if (eq < 0) env[entry] = null;
      else env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else if (raw && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) env[key] = value === null || value === undefined ? null : String(value);
  }
  return env;
}

function buildOf(raw: unknown, composeDir: string): ComposeBuild | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') {
    const context = posix.normalize(posix.join(composeDir, raw));
    return { context, dockerfile: posix.join(context, 'Dockerfile'), target: null, args: {} };
  }
  if (typeof raw === 'object') {
    const b = raw as { context?: unknown; dockerfile?: unknown; target?: unknown; args?: unknown };
    const context = posix.normalize(posix.join(composeDir, typeof b.context === 'string' ? b.context : '.'));
    const dockerfile = typeof b.dockerfile === 'string' ? b.dockerfile : 'Dockerfile';
    return {
      context,
      dockerfile: posix.normalize(posix.join(context, dockerfile)),
      target: typeof b.target === 'string' ? b.target : null,
      args: Object.fromEntries(Object.entries(environmentOf(b.args)).filter((e): e is [string, string] => e[1] !== null)),
    };
  }
  return null;
}

function volumesOf(raw: unknown): ComposeVolume[] {
  if (!Array.isArray(raw)) return [];
  const out: ComposeVolume[] = [];
  for (const v of raw) {
    if (typeof v === 'string') {
      const parts = v.split(':');
      const mode = parts.length === 3 ? (parts[2] ?? '') : parts.length === 2 && !parts[1]?.startsWith('/') ? (parts[1] ?? '') : '';
      const paths = mode ? parts.slice(0, -1) : parts;
      const target = paths[paths.length - 1] ?? '';
      if (target) out.push({ source: paths.length > 1 ? (paths[0] ?? null) : null, target, readOnly: /(^|,)ro(,|$)/.test(mode) });
    } else if (v && typeof v === 'object') {
      const o = v as { source?: unknown; target?: unknown; read_only?: unknown };
      if (typeof o.target === 'string') out.push({ source: typeof o.source === 'string' ? o.source : null, target: o.target, readOnly: o.read_only === true });
    }
  }
  return out;
}

/**
 * An override file (docker-compose.prod.yml) that sets only `build.args` or `build.target` keeps
 * the base file's context and dockerfile, as `docker compose -f base -f override` does.
 */
function mergeBuild(existing: ComposeBuild | null, raw: unknown, dir: string): ComposeBuild | null {
  const own = buildOf(raw, dir);
  if (!own || !existing || typeof raw !== 'object' || raw === null) return own ?? existing;
  const b = raw as { context?: unknown; dockerfile?: unknown; target?: unknown };
  if (b.context !== undefined || b.dockerfile !== undefined) return own;
  return { ...existing, target: typeof b.target === 'string' ? b.target : existing.target, args: { ...existing.args, ...own.args } };
}

function dependsOnOf(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.filter((x): x is string => typeof x === 'string');
  if (raw && typeof raw === 'object') return Object.keys(raw);
  return [];
}

/**
 * Builds the compose model from compose files (paths relative to the root). `read` returns a file's
 * text or null when it does not exist; syntax errors propagate as {@link ComposeSyntaxError}.
 */
export function buildComposeModel(files: string[], read: (rel: string) => string | null): ComposeModel {
  const services = new Map<string, ComposeService>();
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = read(file);
    if (text === null) return;
    order.push(file);
    const { value, lineOf } = parseComposeText(text, file);
    const dir = posix.dirname(file);
    const includes = Array.isArray(value.include) ? value.include : [];
    for (const inc of includes) {
      const paths = typeof inc === 'string' ? [inc] : inc && typeof inc === 'object' ? [(inc as { path?: unknown }).path].flat() : [];
      for (const p of paths) if (typeof p === 'string') visit(posix.normalize(posix.join(dir, p)));
    }
    const defs = value.services && typeof value.services === 'object' ? (value.services as Record<string, unknown>) : {};
    for (const [name, rawDef] of Object.entries(defs)) {
      const def = (rawDef && typeof rawDef === 'object' ? rawDef : {}) as Record<string, unknown>;
      const existing = services.get(name);
      const ports = (Array.isArray(def.ports) ? def.ports : []).map(parsePortSpec).filter((p): p is number => p !== null);
      const expose = (Array.isArray(def.expose) ? def.expose : []).map(parsePortSpec).filter((p): p is number => p !== null);
      const merged: ComposeService = {
        name,
        file: existing?.file ?? file,
        line: existing?.line ?? lineOf(name),
        build: mergeBuild(existing?.build ?? null, def.build, dir),
        image: typeof def.image === 'string' ? def.image : (existing?.image ?? null),
        containerPorts: [...new Set([...(existing?.containerPorts ?? []), ...ports, ...expose])],
        environment: { ...(existing?.environment ?? {}), ...environmentOf(def.environment) },
        dependsOn: [...new Set([...(existing?.dependsOn ?? []), ...dependsOnOf(def.depends_on)])],
        hasHealthcheck: Boolean(def.healthcheck) || (existing?.hasHealthcheck ?? false),
        volumes: [
          ...(existing?.volumes ?? []).filter((v) => !volumesOf(def.volumes).some((n) => n.target === v.target)),
          ...volumesOf(def.volumes),
        ],
      };
      services.set(name, merged);
    }
  };
  for (const file of files) visit(file);
  return { files: order, services: [...services.values()] };
}
