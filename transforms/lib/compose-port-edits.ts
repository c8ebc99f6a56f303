/**
 * Moving a container port in compose: the `ports:` (short `"80:80"`, `"127.0.0.1:80:80"`, bare
 * `80`, long `target: 80`), `expose:` and `healthcheck.test` URLs of the services built from a
 * Dockerfile, in every compose file of their projects (the file that defines the service and the
 * overrides Compose merges on top). Edits are ranges of the YAML source (the `yaml` CST), so only
 * the port digits change; the host side of a mapping stays, so what clients reach is unchanged.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Scalar } from 'yaml';
import { insertAt, replaceRange, type TextEdit } from '../../src/edits.js';
import { lineOfOffset } from '../../src/text.js';
import type { RepoModel, Service } from '../../src/repo/model.js';
import type { OtherFileEdits } from '../../src/transform.js';

export interface PortRefusal {
  message: string;
  file: string;
  line: number;
}

const LOCAL_URL = /(https?:\/\/)?(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(?=[/\s"'\\?]|$)/g;

/**
 * Edits that move `http://localhost[:from]/…` probes in a command (a HEALTHCHECK, a compose
 * healthcheck test) to `to`; `offset` is where `text` starts in the file. A bare host without a
 * scheme or path (`localhost` alone) is left alone.
 */
export function localUrlPortEdits(text: string, offset: number, from: number, to: number): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const m of text.matchAll(LOCAL_URL)) {
    const hostEnd = (m.index ?? 0) + (m[1]?.length ?? 0) + (m[2] as string).length;
    const next = text[(m.index ?? 0) + m[0].length];
    if (m[3] === undefined) {
      if (from === 80 && (m[1] || next === '/')) edits.push(insertAt(offset + hostEnd, `:${to}`));
    } else if (Number(m[3]) === from) edits.push(replaceRange(offset + hostEnd + 1, offset + hostEnd + 1 + m[3].length, String(to)));
  }
  return edits;
}

/** The compose files that can define or override these services. */
function composeFilesOf(repo: RepoModel, services: Service[]): string[] {
  const files = new Set<string>();
  for (const s of services) {
    if (!s.compose) continue;
    files.add(s.compose.file);
    for (const p of repo.compose.projects)
      if (p.services.some((c) => c === s.compose || (c.name === s.compose?.name && c.file === s.compose?.file))) for (const f of [p.file, ...p.overrides]) files.add(f);
  }
  return [...files];
}

/** The offsets of the container-port digits of one `ports`/`expose` scalar, or a reason it cannot be moved. */
function containerPort(text: string, node: Scalar, port: number): { start: number; end: number } | 'other' | string {
  const [start, end] = node.range ?? [0, 0];
  const source = text.slice(start, end);
  const value = String(node.value);
  const noProto = value.replace(/\/(?:tcp|udp)$/, '');
  const container = noProto.slice(noProto.lastIndexOf(':') + 1);
  if (container.includes('$')) return `the container port of "${value}" is a variable`;
  const range = /^(\d+)-(\d+)$/.exec(container);
  if (range) return Number(range[1]) <= port && port <= Number(range[2]) ? `"${value}" maps a port range that includes ${port}` : 'other';
  if (container !== String(port)) return 'other';
  const at = source.lastIndexOf(container);
  if (at < 0) return `"${value}" is written in a form ecsfix cannot edit`;
  return { start: start + at, end: start + at + container.length };
}

/** Compose edits moving the container port `from` -> `to` for these services, or why they cannot be made. */
export function composePortEdits(repo: RepoModel, services: Service[], from: number, to: number, read: (path: string) => string | null): { edits: OtherFileEdits[] } | { refusal: PortRefusal } {
  const result: OtherFileEdits[] = [];
  const names = new Set(services.map((s) => s.compose?.name).filter((n): n is string => !!n));
  for (const file of composeFilesOf(repo, services)) {
    const text = read(file);
    if (text === null) continue;
    const doc = parseDocument(text, { merge: true, keepSourceTokens: true });
    if (doc.errors.length) return { refusal: { message: `${file} does not parse`, file, line: 1 } };
    const edits: TextEdit[] = [];
    const refuse = (node: Node, message: string) => ({ refusal: { message, file, line: lineOfOffset(text, node.range?.[0] ?? 0) } });
    for (const name of names) {
      const service = doc.getIn(['services', name], true);
      if (!isMap(service)) continue;
      for (const key of ['ports', 'expose']) {
        const list = service.get(key, true);
        if (list === undefined) continue;
        if (!isSeq(list)) return refuse(list as Node, `\`${key}\` of "${name}" is not a list`);
        for (const item of list.items) {
          const scalar = isMap(item) ? item.get('target', true) : item;
          if (!isScalar(scalar)) return refuse(item as Node, `a \`${key}\` entry of "${name}" has no container port ecsfix can read`);
          const at = containerPort(text, scalar, from);
          if (at === 'other') continue;
          if (typeof at === 'string') return refuse(scalar, at);
          edits.push(replaceRange(at.start, at.end, String(to)));
        }
      }
      const test = service.getIn(['healthcheck', 'test'], true);
      const scalars = isSeq(test) ? test.items : test ? [test] : [];
      for (const s of scalars) if (isScalar(s) && s.range) edits.push(...localUrlPortEdits(text.slice(s.range[0], s.range[1]), s.range[0], from, to));
    }
    if (edits.length) result.push({ path: file, edits });
  }
  return { edits: result };
}
