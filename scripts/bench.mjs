// `npm run bench`: speed and memory of a full `ecsfix diff` on generated monorepos of growing
// size (HTTP services and Kafka workers in a pnpm workspace, one compose file). Reports wall time,
// files scanned and peak RSS for each size. Never part of the test suite.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const profile = args.includes('--profile'); // writes a V8 CPU profile of each run to .bench/
const sizes = (args.find((a) => /^\d/.test(a)) ?? '20,100,400').split(',').map(Number);
const cli = new URL('../dist/cli.js', import.meta.url).href;

function write(root, rel, text) {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
}

function generate(root, count) {
  write(root, 'package.json', JSON.stringify({ name: 'bench', private: true, packageManager: 'pnpm@9.12.0' }, null, 2));
  write(root, 'pnpm-workspace.yaml', "packages:\n  - 'shared'\n  - 'services/*'\n");
  write(root, 'pnpm-lock.yaml', "lockfileVersion: '9.0'\n");
  write(root, 'shared/package.json', JSON.stringify({ name: '@bench/shared', main: 'dist/index.js' }));
  let compose = 'services:\n';
  for (let i = 0; i < count; i++) {
    const worker = i % 4 === 3;
    const name = worker ? `worker-${i}` : `service-${i}`;
    const port = 3000 + i;
    const dir = `services/${name}`;
    write(root, `${dir}/package.json`, JSON.stringify({ name: `@bench/${name}`, main: 'dist/index.js', dependencies: { '@bench/shared': 'workspace:*' } }));
    const body = worker
      ? `import { Kafka } from 'kafkajs';\nconst kafka = new Kafka({ brokers: ['k:9092'] });\nasync function main() {\n  const consumer = kafka.consumer({ groupId: '${name}' });\n  await consumer.run({ eachMessage: async () => {} });\n}\nmain();\n`
      : `import express from 'express';\nconst app = express();\nconst PORT = process.env.PORT || ${port};\napp.get('/health', (_req, res) => res.json({ ok: true }));\napp.listen(PORT);\n`;
    write(root, `${dir}/src/index.ts`, body);
    for (let k = 0; k < 8; k++) write(root, `${dir}/src/lib/module${k}.ts`, `// helper ${k}\nexport const value${k} = ${k};\n`.repeat(20));
    write(
      root,
      `${dir}/Dockerfile`,
      `FROM node:20-alpine AS deps\nWORKDIR /app\nRUN npm install -g pnpm@latest\nCOPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\nRUN pnpm install\n\nFROM node:20-alpine AS runtime\nWORKDIR /app\nCOPY --from=deps /app .\n` +
        (worker ? '' : `HEALTHCHECK --interval=30s CMD node -e "require('http').get('http://localhost:${port}/health', (r) => process.exit(r.statusCode === 200 ? 0 : 1))"\n`) +
        `CMD ["node", "dist/index.js"]\n`,
    );
    compose += `  ${name}:\n    build: { context: ., dockerfile: ${dir}/Dockerfile }\n` + (worker ? '' : `    ports: ["${port}:${port}"]\n`);
  }
  write(root, 'docker-compose.yml', compose);
}

const probe = `
const started = performance.now();
const { main } = await import(${JSON.stringify(cli)});
const sink = { write: () => true, isTTY: false };
const code = await main(['diff', process.argv[1]], { stdout: sink, stderr: sink, stdinIsTTY: false });
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ code, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
`;

console.log('services  files  diff exit  wall ms  peak RSS MB');
for (const count of sizes) {
  const root = mkdtempSync(join(tmpdir(), 'ecsfix-bench-'));
  generate(root, count);
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const flags = profile ? ['--cpu-prof', '--cpu-prof-dir=.bench'] : [];
    const out = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', probe, root], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    runs.push(JSON.parse(out.stdout));
  }
  const best = runs.sort((a, b) => a.ms - b.ms)[0];
  const files = spawnSync('find', [root, '-type', 'f'], { encoding: 'utf8' }).stdout.trim().split('\n').length;
  console.log(`${String(count).padStart(8)}  ${String(files).padStart(5)}  ${String(best.code).padStart(9)}  ${best.ms.toFixed(0).padStart(7)}  ${best.maxRssMb.toFixed(0).padStart(11)}`);
  rmSync(root, { recursive: true, force: true });
}
