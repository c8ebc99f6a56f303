/**
 * Moving a container port in compose: the `ports:` (short `"80:80"`, `"127.0.0.1:80:80"`, bare
 * `80`, long `target: 80`), `expose:` and `healthcheck.test` URLs of every compose service that
 * builds or runs the image, in every project (the file that defines the service and the overrides
 * Compose merges on top): a project left on the old port maps one nothing listens on. Edits are ranges of the YAML source (the `yaml` CST), so only
 * the port digits change; the host side of a mapping stays, so what clients reach is unchanged.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Scalar } from 'yaml';
import { insertAt, replaceRange, type TextEdit } from '../../src/edits.js';
import { lineOfOffset } from '../../src/text.js';
import type { RepoModel, Service } from '../../src/repo/model.js';
import type { ComposeService } from '../../src/repo/compose.js';
import { deployedStage } from '../../src/repo/dockerfile.js';
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

/** One compose definition of the image: the service in one project, and the files that define or override it there. */
export interface ComposeDefinition {
  service: ComposeService;
  files: string[];
}

/** `ghcr.io/acme/frontend:${TAG:-latest}` -> `ghcr.io/acme/frontend` (a registry port stays). */
function imageRepository(image: string): string {
  const name = image.split('@')[0] as string;
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  return colon < 0 ? name : name.slice(0, colon);
}

/**
 * Every compose definition, in every project, of the image these services are built from: the
 * services that build the same Dockerfile stage (a project ecsfix does not deploy from, a
 * development profile included: the port they map is the image's too), and the services that run
 * the image the builders tag (`image:` with no `build:`). Each with the files that can define or
 * override it in its project.
 */
export function composeDefinitions(repo: RepoModel, services: Service[]): ComposeDefinition[] {
  const stageOf = (dockerfile: string, target: string | null) => {
    const parsed = repo.dockerfiles.get(dockerfile)?.parsed;
    return parsed ? (deployedStage(parsed, target)?.index ?? null) : null;
  };
  const stages = services.filter((s) => s.dockerfile).map((s) => ({ dockerfile: s.dockerfile as string, index: stageOf(s.dockerfile as string, s.target), target: s.target }));
  const builds = (c: ComposeService) =>
    !!c.build && stages.some((st) => st.dockerfile === c.build?.dockerfile && st.index !== null && stageOf(st.dockerfile, c.build.target ?? st.target) === st.index);
  const images = new Set<string>();
  for (const p of repo.compose.projects) for (const c of p.services) if (builds(c) && c.image && !imageRepository(c.image).includes('$')) images.add(imageRepository(c.image));
  const out: ComposeDefinition[] = [];
  for (const p of repo.compose.projects)
    for (const c of p.services) {
      const own = services.some((s) => s.compose === c);
      const runs = !c.build && !!c.image && !imageRepository(c.image).includes('$') && images.has(imageRepository(c.image));
      if (own || builds(c) || runs) out.push({ service: c, files: [...new Set([c.file, p.file, ...p.overrides])] });
    }
  // A service no project holds any more (a model made by hand) still has its own file.
  for (const s of services) if (s.compose && !out.some((d) => d.service === s.compose)) out.push({ service: s.compose, files: [s.compose.file] });
  return out;
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

/**
 * Compose edits moving the container port `from` -> `to` for every compose definition of the
 * image ({@link composeDefinitions}), or why they cannot all be made: a definition whose merged
 * ports name `from` while no entry ecsfix can edit does (an `extends:` base, a YAML merge key)
 * would keep mapping a port nothing listens on.
 */
export function composePortEdits(repo: RepoModel, services: Service[], from: number, to: number, read: (path: string) => string | null): { edits: OtherFileEdits[] } | { refusal: PortRefusal } {
  const byFile = new Map<string, TextEdit[]>();
  const moved = new Set<string>();
  const visited = new Set<string>();
  for (const { service: definition, files } of composeDefinitions(repo, services)) {
    const name = definition.name;
    for (const file of files) {
      const key = `${file}\0${name}`;
      if (visited.has(key)) continue;
      visited.add(key);
      const text = read(file);
      if (text === null) continue;
      const found = serviceEdits(text, file, name, from, to);
      if ('refusal' in found) return found;
      if (found.ports) moved.add(key);
      if (found.edits.length) byFile.set(file, [...(byFile.get(file) ?? []), ...found.edits]);
    }
    if (definition.containerPorts.includes(from) && !files.some((f) => moved.has(`${f}\0${name}`)))
      return {
        refusal: {
          message: `"${name}" (${definition.file}:${definition.line}) maps container port ${from} in a place ecsfix cannot edit (an \`extends:\` base or a YAML merge key), so that compose project would keep mapping a port nothing listens on`,
          file: definition.file,
          line: definition.line,
        },
      };
  }
  return { edits: [...byFile].map(([path, edits]) => ({ path, edits })) };
}

/** The edits to one service of one compose file (`ports` says whether a port entry moved), or why it cannot be edited. */
function serviceEdits(text: string, file: string, name: string, from: number, to: number): { edits: TextEdit[]; ports: boolean } | { refusal: PortRefusal } {
  const doc = parseDocument(text, { merge: true, keepSourceTokens: true });
  if (doc.errors.length) return { refusal: { message: `${file} does not parse`, file, line: 1 } };
  const edits: TextEdit[] = [];
  const refuse = (node: Node, message: string) => ({ refusal: { message, file, line: lineOfOffset(text, node.range?.[0] ?? 0) } });
  const service = doc.getIn(['services', name], true);
  if (!isMap(service)) return { edits, ports: false };
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
  const ports = edits.length > 0;
  const test = service.getIn(['healthcheck', 'test'], true);
  const scalars = isSeq(test) ? test.items : test ? [test] : [];
  for (const s of scalars) if (isScalar(s) && s.range) edits.push(...localUrlPortEdits(text.slice(s.range[0], s.range[1]), s.range[0], from, to));
  return { edits, ports };
}
