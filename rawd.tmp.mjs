import { parseSync, parseRawSync, getBufferOffset } from 'oxc-parser/src-js/bindings';
import { jsonParseAst } from 'oxc-parser/src-js/wrap';
import { BLOCK_SIZE, BLOCK_ALIGN, BUFFER_SIZE, ACTIVE_SIZE, IS_TS_FLAG_POS } from 'oxc-parser/src-js/generated/constants';
import { deserialize as deTs } from 'oxc-parser/src-js/generated/deserialize/ts';
import { deserialize as deJs } from 'oxc-parser/src-js/generated/deserialize/js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
const fx = readdirSync('fixtures', { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && /\.(?:[cm]?[jt]sx?)$/.test(e.name) && !join(e.parentPath, e.name).includes('node_modules')).map((e) => join(e.parentPath, e.name));
const r510 = execSync("git ls-files '*.ts' '*.js'", { cwd: '/tmp/prof/r510' }).toString().trim().split('\n').map((f) => '/tmp/prof/r510/' + f);
const ab = new ArrayBuffer(BLOCK_SIZE + BLOCK_ALIGN);
const offset = getBufferOffset(new Uint8Array(ab, 0, 16));
const buffer = new Uint8Array(ab, offset, BUFFER_SIZE);
buffer.int32 = new Int32Array(ab, offset, BUFFER_SIZE / 4);
buffer.float64 = new Float64Array(ab, offset, BUFFER_SIZE / 8);
const block = new Uint8Array(ab, offset, BLOCK_SIZE);
const enc = new TextEncoder();
const langOf = (p) => /\.tsx$/.test(p) ? 'tsx' : /\.[cm]?ts$/.test(p) ? 'ts' : 'jsx';
function rawParse(path, text) {
  const lang = langOf(path);
  const room = text.length * 3; const start = ACTIVE_SIZE - room;
  const { written } = enc.encodeInto(text, new Uint8Array(ab, offset + start, room));
  parseRawSync(path, block, start, written, { lang });
  const isJs = buffer[IS_TS_FLAG_POS] === 0;
  return (isJs ? deJs : deTs)(buffer, text, start, written);
}
function jsonParse(path, text) { const r = parseSync(path, text, { lang: langOf(path) }); return { program: jsonParseAst(r.program), errors: r.errors }; }
let diff = 0, n = 0;
for (const f of [...fx, ...r510.slice(0, 300)]) {
  const text = readFileSync(f, 'utf8');
  const a = rawParse(f, text).program, b = jsonParse(f, text).program;
  n++;
  if (!isDeepStrictEqual(a, b)) { diff++; if (diff < 4) { console.log('DIFF', f); 
     const ja = JSON.stringify(a, (k, v) => typeof v === 'bigint' ? String(v) : v), jb = JSON.stringify(b, (k, v) => typeof v === 'bigint' ? String(v) : v);
     let i = 0; while (ja[i] === jb[i]) i++; console.log(' raw:', ja.slice(i - 150, i + 100)); console.log(' json:', jb.slice(i - 150, i + 100)); } }
}
console.log('compared', n, 'diff', diff);
const texts = r510.map((f) => [f, readFileSync(f, 'utf8')]);
for (let r = 0; r < 3; r++) {
  let t = performance.now(); for (const [f, x] of texts) jsonParse(f, x); console.log('json', (performance.now() - t).toFixed(0));
  t = performance.now(); for (const [f, x] of texts) rawParse(f, x); console.log('raw', (performance.now() - t).toFixed(0));
}
