// Builds a large monorepo by replicating the services of the bundled kodingcaravan sample: copy k
// of every service gets a renamed directory and package (`admin-service` -> `admin-service-r3`), its
// own ports (3010 -> 3010 + 20k) and its own compose entry, so the repo has the size, file mix and
// shapes of real services (routes, Kafka consumers, shared packages) rather than toy files.
// Used by `npm run bench` and by the write-safety tests.
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SAMPLE = new URL('../../fixtures/kodingcaravan', import.meta.url).pathname;

const serviceNames = () => readdirSync(join(SAMPLE, 'services')).sort();

/** The sample's service port range (3000-3019) is shifted by 20 per copy. */
const PORT = /\b30([01]\d)\b/g;

function renamer(names, copy) {
  if (copy === 0) return (text) => text;
  const pattern = new RegExp(`(?<![\\w])(${[...names].sort((a, b) => b.length - a.length).join('|')})(?![\\w-])`, 'g');
  return (text) => text.replace(pattern, `$1-r${copy}`).replace(PORT, (_, n) => String(3000 + Number(n) + 20 * copy));
}

function copyRenamed(from, to, rename) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) copyRenamed(src, dst, rename);
    else {
      writeFileSync(dst, rename(readFileSync(src, 'utf8')));
      const mode = statSync(src).mode & 0o777;
      if (mode & 0o111) writeFileSync(dst, readFileSync(dst), { mode });
    }
  }
}

/** Splits the compose file's `services:` map into its top-level entries (two-space indent). */
function composeWithCopies(text, names, copies) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === 'services:');
  let end = lines.findIndex((l, i) => i > start && /^\S/.test(l) && !l.startsWith('#'));
  if (end < 0) end = lines.length;
  const blocks = [];
  let current = null;
  for (let i = start + 1; i < end; i++) {
    const key = /^ {2}([\w.-]+):\s*$/.exec(lines[i])?.[1];
    if (key) blocks.push((current = { key, from: i, to: i + 1 }));
    else if (current && (/^ {3,}/.test(lines[i]) || lines[i].trim() === '')) current.to = i + 1;
    else current = null;
  }
  const app = blocks.filter((b) => names.has(b.key));
  const insertAt = Math.max(...app.map((b) => b.to));
  const extra = [];
  for (let copy = 1; copy < copies; copy++) {
    const rename = renamer(names, copy);
    for (const b of app) {
      const block = lines.slice(b.from, b.to);
      while (block.length && block[block.length - 1].trim() === '') block.pop();
      extra.push(...block.map(rename), '');
    }
  }
  return [...lines.slice(0, insertAt), ...extra, ...lines.slice(insertAt)].join('\n');
}

/**
 * Writes the sample replicated to `services` services (a multiple of the sample's 17 is exact;
 * otherwise the last copy is partial) into `root`. Returns the number of services written.
 */
export function replicateSample(root, services) {
  const names = serviceNames();
  const copies = Math.ceil(services / names.length);
  cpSync(SAMPLE, root, { recursive: true, filter: (src) => !src.startsWith(join(SAMPLE, 'services') + '/') });
  const nameSet = new Set(names);
  let written = 0;
  for (let copy = 0; copy < copies; copy++) {
    const rename = renamer(nameSet, copy);
    for (const name of names) {
      if (written === services) break;
      copyRenamed(join(SAMPLE, 'services', name), join(root, 'services', rename(name)), rename);
      written++;
    }
  }
  const compose = readFileSync(join(SAMPLE, 'docker-compose.yml'), 'utf8');
  writeFileSync(join(root, 'docker-compose.yml'), composeWithCopies(compose, nameSet, copies));
  return written;
}
