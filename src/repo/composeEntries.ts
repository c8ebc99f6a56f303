/**
 * Compose entries with their lines, for the readiness rules: each service's environment variables
 * (map and list form, and those merged in from an anchor with `<<: *anchor`, placed at the merge
 * line), its `build.args`, its healthcheck test and its command. The compose model keeps values; this keeps places.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';

export interface ComposeEntry {
  service: string;
  file: string;
  line: number;
  /** The variable name for environment entries. */
  key: string;
  /** The value as written (list form `KEY=value` split), or the joined test/command. */
  value: string;
}

export interface ComposeEntries {
  environment: ComposeEntry[];
  buildArgs: ComposeEntry[];
  healthcheck: ComposeEntry[];
  command: ComposeEntry[];
}

const cache = new Map<string, ComposeEntries>();

/** A `<<` merge key (the yaml library gives it a symbol value when merges are enabled). */
const isMergeKey = (key: unknown) => isScalar(key) && (key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<'));

/**
 * `parsed`: the text's document when the caller has it (parsed with merge keys, duplicate keys kept
 * and a line counter, as the compose model's `composeDocument` does).
 */
export function composeEntries(file: string, text: string, parsed?: { doc: Document.Parsed; lineCounter: LineCounter }): ComposeEntries {
  const key = `${file}\0${text}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const out: ComposeEntries = { environment: [], buildArgs: [], healthcheck: [], command: [] };
  const lines = parsed?.lineCounter ?? new LineCounter();
  const doc = parsed?.doc ?? parseDocument(text, { lineCounter: lines, merge: true, uniqueKeys: false });
  if (doc.errors.length === 0) {
    const lineAt = (node: { range?: [number, number, number] | null } | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1);
    const resolve = aliasResolver(doc);
    const services = resolve(doc.get('services', true));
    if (isMap(services)) {
      for (const item of services.items) {
        const name = isScalar(item.key) ? String(item.key.value) : '';
        const def = resolve(item.value);
        if (!name || !isMap(def)) continue;
        for (const pair of pairs(def, resolve)) {
          const field = isScalar(pair.key) ? String(pair.key.value) : '';
          const value = resolve(pair.value);
          if (field === 'environment') out.environment.push(...environmentEntries(name, file, value, resolve, lineAt, lineAt(pair.key as YamlNode)));
          if (field === 'build' && isMap(value)) {
            const args = pairs(value, resolve).find((p) => isScalar(p.key) && p.key.value === 'args');
            if (args) out.buildArgs.push(...environmentEntries(name, file, resolve(args.value), resolve, lineAt, lineAt(args.key as YamlNode)));
          }
          if (field === 'command' || field === 'entrypoint') out.command.push({ service: name, file, line: lineAt(pair.key as YamlNode), key: field, value: joined(value, resolve) });
          if (field === 'healthcheck' && isMap(value)) {
            const test = pairs(value, resolve).find((p) => isScalar(p.key) && p.key.value === 'test');
            if (test) out.healthcheck.push({ service: name, file, line: lineAt(test.key as YamlNode), key: 'test', value: joined(resolve(test.value), resolve) });
          }
        }
      }
    }
  }
  if (cache.size > 200) cache.clear();
  cache.set(key, out);
  return out;
}

/**
 * Resolves an alias to the node of the last anchor of its name before it, as yaml does, from one
 * walk of the document: yaml's own `Alias.resolve` walks the document on every call, which a file
 * of 1,200 services that each merge the same anchor turns quadratic.
 */
function aliasResolver(doc: Document.Parsed): (node: unknown) => unknown {
  const anchors = new Map<string, unknown>();
  const targets = new Map<Alias, unknown>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return (node) => (isAlias(node) ? targets.get(node) : node);
}

/** A map's pairs with `<<` merges expanded (the merged pairs keep their own nodes). */
function pairs(map: YAMLMap, resolve: (n: unknown) => unknown): Pair[] {
  const out: Pair[] = [];
  for (const item of map.items) {
    if (isMergeKey(item.key)) {
      const sources = resolve(item.value);
      for (const source of isSeq(sources) ? sources.items.map(resolve) : [sources]) if (isMap(source)) out.push(...pairs(source, resolve));
    } else out.push(item);
  }
  return out;
}

function environmentEntries(
  service: string,
  file: string,
  value: unknown,
  resolve: (n: unknown) => unknown,
  lineAt: (n: { range?: [number, number, number] | null } | null | undefined) => number,
  fallback: number,
): ComposeEntry[] {
  const out: ComposeEntry[] = [];
  if (isMap(value)) {
    for (const item of value.items) {
      const isMerge = isMergeKey(item.key);
      const mergeLine = lineAt(item.key as YamlNode);
      const list = isMerge ? pairs({ items: [item] } as unknown as YAMLMap, resolve) : [item];
      for (const pair of list) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const v = resolve(pair.value);
        out.push({ service, file, line: isMerge ? mergeLine : lineAt(pair.key as YamlNode), key: String(pair.key.value), value: isScalar(v) && v.value !== null ? String(v.value) : '' });
      }
    }
  } else if (isSeq(value)) {
    for (const item of value.items) {
      const v = resolve(item);
      if (!isScalar(v)) continue;
      const entry = String(v.value);
      const eq = entry.indexOf('=');
      out.push({ service, file, line: lineAt(v as YamlNode) || fallback, key: eq < 0 ? entry : entry.slice(0, eq), value: eq < 0 ? '' : entry.slice(eq + 1) });
    }
  }
  return out;
}

function joined(value: unknown, resolve: (n: unknown) => unknown): string {
  if (isScalar(value)) return String(value.value ?? '');
  if (isSeq(value)) return value.items.map((i) => resolve(i)).map((i) => (isScalar(i) ? String(i.value) : '')).join(' ');
  return '';
}
