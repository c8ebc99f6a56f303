/** The edit model and line bookkeeping every transform relies on. */
import { describe, expect, it } from 'vitest';
import { applyEdits, mapOffsetBack, OverlappingEditsError } from '../src/edits.js';
import { decodeText, encodeText } from '../src/text.js';
import { planTree } from './helpers/repo.js';
import { TRANSFORMS } from '../transforms/index.js';

describe('edits', () => {
  it('applies insertions and replacements by offset, leaving other bytes alone', () => {
    const text = 'FROM a\nRUN b\nCMD c\n';
    expect(applyEdits(text, [{ start: 7, end: 7, text: 'ENV X=1\n' }, { start: 11, end: 12, text: 'bb' }])).toBe('FROM a\nENV X=1\nRUN bb\nCMD c\n');
  });

  it('refuses overlapping edits', () => {
    expect(() => applyEdits('abcdef', [{ start: 1, end: 4, text: '' }, { start: 2, end: 3, text: 'x' }])).toThrow(OverlappingEditsError);
  });

  it('maps offsets of the output back to the input', () => {
    const edits = [{ start: 7, end: 7, text: 'ENV X=1\n' }, { start: 11, end: 12, text: 'bb' }];
    const out = applyEdits('FROM a\nRUN b\nCMD c\n', edits);
    expect(mapOffsetBack(out.indexOf('CMD'), edits)).toBe('FROM a\nRUN b\n'.length);
    expect(mapOffsetBack(out.indexOf('ENV'), edits)).toBe(7); // inserted text maps to its insertion point
    expect(mapOffsetBack(0, edits)).toBe(0);
  });

  it('round-trips CRLF, BOM and a missing final newline exactly', () => {
    for (const raw of ['\uFEFFFROM a\r\nCMD b\r\n', 'FROM a\r\nCMD b', 'FROM a\nCMD b\r\n', '']) {
      const source = decodeText(raw);
      expect(encodeText(source, source.text)).toBe(raw);
    }
  });
});

describe('findings name lines of the original file, whatever ran before', () => {
  it('a HEALTHCHECK finding points at the HEALTHCHECK line even after earlier transforms inserted lines', () => {
    const dockerfile = 'FROM node:20-bookworm-slim\nWORKDIR /usr/src/app\nCOPY package.json ./\nRUN npm install --omit=dev\nCOPY . .\nEXPOSE 8080\nHEALTHCHECK CMD curl --fail http://localhost:8080/ready || exit 1\nCMD ["npm", "start"]\n';
    const tree = new Map([
      ['package.json', JSON.stringify({ name: 'orders-api', main: 'src/server.js' })],
      ['package-lock.json', '{"lockfileVersion": 3}'],
      ['src/server.js', "app.get('/healthz', h);\napp.listen(Number(process.env.PORT) || 8080);\n"],
      ['Dockerfile', dockerfile],
    ]);
    const { plan } = planTree(tree, [...TRANSFORMS]);
    const healthFindings = plan.changes[0]?.findings.filter((f) => f.transform === 'dockerfile-healthcheck-env' && f.line !== undefined) ?? [];
    expect(healthFindings.length).toBeGreaterThan(0);
    for (const f of healthFindings) expect(dockerfile.split('\n')[(f.line as number) - 1]).toMatch(/^HEALTHCHECK/);
  });
});
