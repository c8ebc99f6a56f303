/**
 * The engine's guard around a codemod: a result that does not parse is never accepted (ECS399, the
 * file left as it was), a result that parses becomes minimal line edits.
 */
import { describe, expect, it } from 'vitest';
import { runCodemod, type CodemodModule } from '../src/run/codemod.js';
import { applyEdits } from '../src/edits.js';

const INPUT = "import { start } from './start';\n\nstart();\n";

const returning = (output: string): CodemodModule => ({ default: () => output, parser: 'ts' });

describe('codemod output guard', () => {
  it('drops a result with a syntax error and says so (ECS399)', () => {
    for (const broken of [INPUT + 'process.once("SIGTERM", () => {\n', INPUT + 'export default async function () {\n', INPUT.replace('start();', 'const x: = 1;')]) {
      const result = runCodemod(returning(broken), { path: 'src/index.ts', text: INPUT });
      expect(result.edits, broken).toEqual([]);
      expect(result.findings.map((f) => f.code)).toContain('ECS399');
    }
  });

  it('turns a result that parses into line edits that reproduce it', () => {
    const output = INPUT + "\nprocess.once('SIGTERM', () => process.exit(0));\n";
    const result = runCodemod(returning(output), { path: 'src/index.ts', text: INPUT });
    expect(result.findings).toEqual([]);
    expect(applyEdits(INPUT, result.edits)).toBe(output);
  });
});
