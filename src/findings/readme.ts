/**
 * The README's list of finding codes, generated from the registry so the two cannot drift:
 * `npm run readme:codes` rewrites the section, and a test fails when the README differs.
 */
import { FINDING_CODES } from './codes.js';
import type { FindingCode } from './finding.js';

export const README_START = '<!-- finding-codes:start -->';
export const README_END = '<!-- finding-codes:end -->';

const AREAS: [prefix: string, title: string][] = [
  ['ECS0', 'Engine, files and the repo model (ECS0xx)'],
  ['ECS1', 'Dockerfiles (ECS1xx)'],
  ['ECS2', 'Compose files (ECS2xx)'],
  ['ECS3', 'TS/JS and Python sources (ECS3xx)'],
  ['ECS4', 'Readiness checks with no automatic fix (ECS4xx)'],
  ['ECS5', 'Static build check (ECS5xx)'],
  ['ECS6', 'verify: real builds and starts (ECS6xx)'],
];

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The generated section, markers included. Each code has an anchor (`#ecs101`) for SARIF help URIs. */
export function codesSection(codes: readonly FindingCode[] = FINDING_CODES): string {
  const lines = [README_START, '<!-- generated from src/findings/codes-*.ts by `npm run readme:codes`; edit the registry, not this table -->'];
  for (const [prefix, title] of AREAS) {
    const inArea = codes.filter((c) => c.code.startsWith(prefix)).sort((a, b) => a.code.localeCompare(b.code));
    if (inArea.length === 0) continue;
    lines.push('', `#### ${title}`, '', '| code | severity | fixed by | what it means |', '| --- | --- | --- | --- |');
    for (const c of inArea)
      lines.push(`| <a id="${c.code.toLowerCase()}"></a>\`${c.code}\` | ${c.defaultSeverity} | ${c.fixedBy ? `\`${c.fixedBy}\`` : '—'} | **${cell(c.title)}.** ${cell(c.help)} |`);
  }
  lines.push('', README_END);
  return lines.join('\n');
}

/** The README with its codes section replaced (or null when the markers are missing). */
export function withCodesSection(readme: string, section: string = codesSection()): string | null {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) return null;
  return readme.slice(0, start) + section + readme.slice(end + README_END.length);
}
