/**
 * Property tests (fast-check, fixed seed, bounded runs): generated small repos whose Dockerfile,
 * compose file and service source vary in comments, blank lines, continuation lines, CRLF/LF, a
 * BOM, tabs, quoting, instruction casing, heredocs, exec/shell form. For every transform of the
 * registry together:
 *  - nothing throws past the engine (a file it cannot handle is a failure with its path and line);
 *  - a file that parsed still parses;
 *  - comments, `# syntax=`/ARG/WORKDIR/LABEL lines are never removed, and no untouched byte changes
 *    kind: a BOM stays, CRLF stays CRLF, LF stays LF;
 *  - a second run changes nothing.
 * A counter-example found here becomes a fixture (fixtures/transforms/<id>/<case>).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import type { Tree } from './helpers/repo.js';
import { kindOf, newProblems, runAll, syntaxProblems } from './helpers/validity.js';

const SEED = 20261130;
const RUNS = 120;

interface Style {
  crlf: boolean;
  bom: boolean;
  lower: boolean;
  indent: string;
  quote: '"' | "'";
}

const style: fc.Arbitrary<Style> = fc.record({
  crlf: fc.boolean(),
  bom: fc.boolean(),
  lower: fc.boolean(),
  indent: fc.constantFrom('    ', '\t', '  ', '\t  '),
  quote: fc.constantFrom('"' as const, "'" as const),
});

const commentText = fc.constantFrom('install deps', 'TODO: pin this', 'ünïcödé — comment', 'keep: do not remove', '', 'port 3000 (see compose)', 'HEALTHCHECK below', 'USER root on purpose?');
const comments = fc.array(commentText, { maxLength: 2 });
const blanks = fc.integer({ min: 0, max: 2 });

/** Optional comment and blank lines to put before an instruction. */
const padding = fc.record({ comments, blanks });

const base = fc.constantFrom('node:20-alpine', 'node:18-bullseye-slim', 'node:20', 'python:3.12-slim', 'python:3.11-alpine', 'node:20-alpine3.19');

const dockerfile = fc.record({
  syntax: fc.boolean(),
  argBefore: fc.boolean(),
  platform: fc.boolean(),
  multistage: fc.boolean(),
  base,
  install: fc.constantFrom('npm-install', 'npm-ci', 'pnpm-latest', 'pnpm-corepack', 'pip'),
  continuation: fc.boolean(),
  commentInContinuation: fc.boolean(),
  heredoc: fc.boolean(),
  healthcheck: fc.constantFrom('none', 'wget', 'node', 'curl'),
  cmd: fc.constantFrom('exec', 'shell'),
  expose: fc.boolean(),
  user: fc.boolean(),
  pads: fc.array(padding, { minLength: 12, maxLength: 12 }),
});

type DockerfileSpec = typeof dockerfile extends fc.Arbitrary<infer T> ? T : never;

function renderDockerfile(d: DockerfileSpec, s: Style, port: number): string {
  const kw = (k: string) => (s.lower ? k.toLowerCase() : k);
  const lines: string[] = [];
  let pad = 0;
  const add = (...text: string[]) => {
    const p = d.pads[pad++ % d.pads.length] as { comments: string[]; blanks: number };
    for (let i = 0; i < p.blanks; i++) lines.push('');
    for (const c of p.comments) lines.push(`#${c ? ' ' + c : ''}`);
    lines.push(...text);
  };
  if (d.syntax) lines.push('# syntax=docker/dockerfile:1');
  if (d.argBefore) add(`${kw('ARG')} BASE=${d.base}`);
  const from = d.argBefore ? '${BASE}' : d.base;
  const platform = d.platform ? '--platform=$BUILDPLATFORM ' : '';
  const python = d.base.startsWith('python');
  if (d.multistage) add(`${kw('FROM')} ${platform}${from} ${kw('AS')} build`);
  else add(`${kw('FROM')} ${platform}${from}`);
  add(`${kw('WORKDIR')} /app`);
  add(`${kw('LABEL')} org.opencontainers.image.source=${s.quote}https://example.com/repo${s.quote}`);
  const install = python
    ? 'pip install --no-cache-dir -r requirements.txt'
    : { 'npm-install': 'npm install', 'npm-ci': 'npm ci', 'pnpm-latest': 'npm install -g pnpm@latest && pnpm install', 'pnpm-corepack': 'corepack enable && pnpm install', pip: 'npm install' }[d.install];
  add(`${kw('COPY')} ${python ? 'requirements.txt' : 'package.json'} ./`);
  if (d.continuation) {
    const [first, ...rest] = install.split(' && ');
    const body = [`${kw('RUN')} ${first}${rest.length ? ' \\' : ''}`];
    rest.forEach((r, i) => {
      if (d.commentInContinuation) body.push(`${s.indent}# step ${i + 2}`);
      body.push(`${s.indent}&& ${r}${i < rest.length - 1 ? ' \\' : ''}`);
    });
    add(...body);
  } else add(`${kw('RUN')} ${install}`);
  if (d.heredoc) add(`${kw('RUN')} <<EOF`, 'set -e', 'echo built > /tmp/built', 'EOF');
  add(`${kw('COPY')} . .`);
  if (d.multistage) {
    add(`${kw('FROM')} ${from} ${kw('AS')} runtime`);
    add(`${kw('WORKDIR')} /app`);
    add(`${kw('COPY')} --from=build /app /app`);
  }
  if (d.expose) add(`${kw('EXPOSE')} ${port}`);
  if (d.user) add(`${kw('USER')} ${python ? 'nobody' : 'node'}`);
  const probe = {
    none: null,
    wget: `${kw('HEALTHCHECK')} --interval=30s ${kw('CMD')} wget -qO- http://localhost:${port}/health || exit 1`,
    curl: `${kw('HEALTHCHECK')} ${kw('CMD')} curl -fsS ${s.quote}http://localhost:${port}/health${s.quote} || exit 1`,
    node: `${kw('HEALTHCHECK')} ${kw('CMD')} ["node", "-e", "require('http').get('http://localhost:${port}/health', (r) => process.exit(r.statusCode === 200 ? 0 : 1))"]`,
  }[d.healthcheck];
  if (probe) add(probe);
  const entry = python ? ['python', 'app.py'] : ['node', 'index.js'];
  add(d.cmd === 'exec' ? `${kw('CMD')} [${entry.map((e) => `"${e}"`).join(', ')}]` : `${kw('CMD')} ${entry.join(' ')}`);
  return lines.join('\n') + '\n';
}

const source = fc.record({
  role: fc.constantFrom('http', 'kafka-worker', 'amqp-worker'),
  esm: fc.boolean(),
  ts: fc.boolean(),
  portFromEnv: fc.boolean(),
  pads: fc.array(fc.record({ comments: fc.array(fc.constantFrom('// start', '/* block */', '// ünïcödé', '/** doc */'), { maxLength: 2 }), blanks }), { minLength: 8, maxLength: 8 }),
});

type SourceSpec = typeof source extends fc.Arbitrary<infer T> ? T : never;

function renderSource(src: SourceSpec, s: Style, port: number): string {
  const q = s.quote;
  const out: string[] = [];
  let pad = 0;
  const add = (...text: string[]) => {
    const p = src.pads[pad++ % src.pads.length] as { comments: string[]; blanks: number };
    for (let i = 0; i < p.blanks; i++) out.push('');
    out.push(...p.comments, ...text);
  };
  const imp = (name: string, from: string) => (src.esm || src.ts ? `import ${name} from ${q}${from}${q};` : `const ${name} = require(${q}${from}${q});`);
  if (src.role === 'http') {
    add(imp('express', 'express'));
    add(`const app = express();`);
    add(`const PORT = ${src.portFromEnv ? `process.env.PORT || ${port}` : port};`);
    add(`app.get(${q}/health${q}, (req, res) => {`, `${s.indent}res.json({ ok: true });`, `});`);
    add(`app.listen(PORT, () => console.log(${q}listening${q}));`);
  } else if (src.role === 'kafka-worker') {
    add(src.esm || src.ts ? `import { Kafka } from ${q}kafkajs${q};` : `const { Kafka } = require(${q}kafkajs${q});`);
    add(`const kafka = new Kafka({ brokers: [process.env.KAFKA_BROKERS || ${q}localhost:9092${q}] });`);
    add(`const consumer = kafka.consumer({ groupId: ${q}g${q} });`);
    add(`async function main() {`, `${s.indent}await consumer.connect();`, `${s.indent}await consumer.run({ eachMessage: async () => {} });`, `}`);
    add(`main();`);
  } else {
    add(imp('amqp', 'amqplib'));
    add(`async function main() {`, `${s.indent}const conn = await amqp.connect(process.env.AMQP_URL || ${q}amqp://localhost${q});`, `${s.indent}const ch = await conn.createChannel();`);
    add(`${s.indent}await ch.consume(${q}jobs${q}, (msg) => { if (msg) ch.ack(msg); });`, `}`);
    add(`main().catch((err) => { console.error(err); process.exit(1); });`);
  }
  return out.join('\n') + '\n';
}

const compose = fc.record({
  portStyle: fc.constantFrom('double', 'single', 'bare', 'long', 'flow'),
  buildStyle: fc.constantFrom('string', 'map', 'flow'),
  anchor: fc.boolean(),
  secretDefault: fc.boolean(),
  version: fc.boolean(),
  pads: fc.array(fc.record({ comments, blanks }), { minLength: 6, maxLength: 6 }),
});

type ComposeSpec = typeof compose extends fc.Arbitrary<infer T> ? T : never;

function renderCompose(c: ComposeSpec, s: Style, port: number, role: string): string {
  const out: string[] = [];
  let pad = 0;
  const add = (indent: string, ...text: string[]) => {
    const p = c.pads[pad++ % c.pads.length] as { comments: string[]; blanks: number };
    for (let i = 0; i < p.blanks; i++) out.push('');
    for (const comment of p.comments) out.push(`${indent}#${comment ? ' ' + comment : ''}`);
    out.push(...text.map((t) => indent + t));
  };
  if (c.version) add('', `version: ${s.quote}3.8${s.quote}`);
  if (c.anchor) add('', 'x-common: &common', '  restart: unless-stopped');
  add('', 'services:');
  add('  ', 'app:');
  if (c.anchor) add('    ', '<<: *common');
  add('    ', { string: 'build: ./app', map: 'build:\n      context: ./app', flow: 'build: { context: ./app }' }[c.buildStyle]);
  if (role === 'http')
    add('    ', {
      double: `ports:\n      - "${port}:${port}"`,
      single: `ports:\n      - '${port}:${port}'`,
      bare: `ports:\n      - ${port}:${port}`,
      long: `ports:\n      - target: ${port}\n        published: ${port}`,
      flow: `ports: ["${port}:${port}"]`,
    }[c.portStyle]);
  add('    ', 'environment:', `      DATABASE_URL: ${c.secretDefault ? '${DATABASE_URL:-postgres://app:hunter2@db:5432/app}' : '${DATABASE_URL}'}`);
  return out.join('\n') + '\n';
}

function encode(text: string, s: Style): string {
  return (s.bom ? '\uFEFF' : '') + (s.crlf ? text.replace(/\n/g, '\r\n') : text);
}

const repo = fc.record({ dockerfile, source, compose, style, port: fc.integer({ min: 1025, max: 9999 }) }).map(({ dockerfile: d, source: src, compose: c, style: s, port }): Tree => {
  const python = d.base.startsWith('python');
  const tree: Tree = new Map();
  tree.set('package.json', JSON.stringify({ name: 'root', private: true }, null, 2) + '\n');
  tree.set('docker-compose.yml', encode(renderCompose(c, s, port, python ? 'http' : src.role), s));
  tree.set('app/Dockerfile', encode(renderDockerfile(d, s, port), s));
  if (python) {
    tree.set('app/requirements.txt', 'flask==3.0.3\n');
    tree.set('app/app.py', encode(`import os\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get("/health")\ndef health():\n    return "ok"\n\n\nif __name__ == "__main__":\n    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", ${port})))\n`, s));
  } else {
    tree.set('app/package.json', JSON.stringify({ name: 'app', main: src.ts ? 'dist/index.js' : 'index.js', ...(src.esm ? { type: 'module' } : {}) }, null, 2) + '\n');
    tree.set(src.ts ? 'app/src/index.ts' : 'app/index.js', encode(renderSource(src, s, port), s));
  }
  return tree;
});

/** Lines that are comments or that no transform may remove (for the file's kind). */
function keptLines(path: string, text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  switch (kindOf(path)) {
    case 'dockerfile':
      return lines.filter((l) => /^\s*#/.test(l) || /^\s*(ARG|WORKDIR|LABEL)\b/i.test(l));
    case 'compose':
      return lines.filter((l) => /^\s*#/.test(l));
    case 'source':
      return lines.filter((l) => /^\s*(\/\/|\/\*)/.test(l));
    default:
      return [];
  }
}

function missing(kept: string[], after: string[]): string[] {
  const pool = new Map<string, number>();
  for (const l of after) pool.set(l, (pool.get(l) ?? 0) + 1);
  return kept.filter((l) => {
    const n = pool.get(l) ?? 0;
    if (n === 0) return true;
    pool.set(l, n - 1);
    return false;
  });
}

function checkRepo(tree: Tree): void {
  const first = runAll(tree);
  for (const failure of first.plan.failures) {
    expect(failure.file, 'a failure names its file').toBeTruthy();
    expect(failure.line, 'and its line').toBeGreaterThan(0);
    expect(failure.code, 'and has a code').toMatch(/^ECS\d{3}$/);
  }
  for (const change of first.plan.changes) {
    const { path, before, after } = change;
    if (syntaxProblems(path, before).length === 0) expect(newProblems(path, before, after), `${path} still parses`).toEqual([]);
    expect(missing(keptLines(path, before), after.replace(/^\uFEFF/, '').split(/\r?\n/)), `${path}: lines that must survive`).toEqual([]);
    expect(after.startsWith('\uFEFF'), `${path}: BOM kept`).toBe(before.startsWith('\uFEFF'));
    if (/\r\n/.test(before) && !/(^|[^\r])\n/.test(before)) expect(after, `${path}: CRLF kept`).not.toMatch(/(^|[^\r])\n/);
    if (!before.includes('\r')) expect(after, `${path}: LF kept`).not.toContain('\r');
  }
  const second = runAll(first.tree);
  expect(second.plan.changes.map((c) => c.path), 'a second run changes nothing').toEqual([]);
}

describe('properties over generated repos', () => {
  it('the generator makes valid repos that the transforms change', () => {
    const samples = fc.sample(repo, { seed: SEED, numRuns: 40 });
    let changed = 0;
    for (const tree of samples) {
      for (const [path, text] of tree) expect(syntaxProblems(path, text), `${path}:\n${text}`).toEqual([]);
      if (runAll(tree).plan.changes.length) changed++;
    }
    expect(changed).toBeGreaterThan(samples.length / 2);
  });

  it('no throw, output parses, kept lines survive, encoding kept, second run no-op', () => {
    fc.assert(
      fc.property(repo, (tree) => checkRepo(tree)),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 20_000 },
    );
  });

  it('the property catches a transform that drops a comment', () => {
    const dropper = {
      ...(TRANSFORMS[0] as (typeof TRANSFORMS)[number]),
      id: 'comment-dropper',
      kinds: ['dockerfile' as const],
      appliesTo: (path: string) => path.endsWith('Dockerfile'),
      run: ({ text }: { text: string }) => {
        const at = text.search(/^#[^\n]*\n/m);
        return { edits: at < 0 ? [] : [{ start: at, end: text.indexOf('\n', at) + 1, text: '' }], findings: [] };
      },
    };
    const tree = fc.sample(repo, { seed: SEED, numRuns: 200 }).find((t) => /^# /m.test((t.get('app/Dockerfile') ?? '').replace(/^# syntax.*\n/, '')));
    expect(tree).toBeDefined();
    const run = runAll(tree as Tree, [dropper]);
    const change = run.plan.changes[0];
    expect(change).toBeDefined();
    expect(missing(keptLines(change?.path ?? '', change?.before ?? ''), (change?.after ?? '').replace(/^\uFEFF/, '').split(/\r?\n/))).not.toEqual([]);
  });
});
