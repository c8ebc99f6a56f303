/**
 * `--format sarif`: SARIF 2.1.0 for GitHub code scanning. One rule per code (title, help, a help
 * URI into the README's codes section), one result per finding with a repo-relative location, and
 * each pending change as a `fix` (replacements in the file as it is on disk) on the finding of the
 * transform that makes it.
 */
import { pathToFileURL } from 'node:url';
import type { Severity } from '../../findings/finding.js';
import { FINDING_CODES } from '../../findings/codes.js';
import { replacements } from '../replacements.js';
import { PENDING_CHANGE } from '../plan-findings.js';
import { describeCode, type CheckReport } from '../report.js';

/** Where the README's codes section lives; each code has an anchor there (`#ecs401`). */
export const CODES_DOC_URL = 'https://www.npmjs.com/package/ecsfix';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { blocking: 'error', warning: 'warning', info: 'note' };

export function checkSarif(report: CheckReport, root: string, version: string) {
  const used = new Set(report.findings.map((f) => f.code));
  const ids = [...new Set([...FINDING_CODES.map((c) => c.code), ...used])];
  const rules = ids.map((id) => {
    const def = describeCode(report, id);
    const help = def?.help ?? id;
    return {
      id,
      name: (def?.title ?? id).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
      shortDescription: { text: def?.title ?? id },
      fullDescription: { text: help },
      help: { text: def?.fixedBy ? `${help} Fixed by: ecsfix apply -t ${def.fixedBy} --yes` : help },
      helpUri: `${CODES_DOC_URL}#${/^ECS\d{3}$/.test(id) ? id.toLowerCase() : 'findings-and-their-codes'}`,
      defaultConfiguration: { level: LEVEL[def?.defaultSeverity ?? 'warning'] },
    };
  });
  const index = new Map(ids.map((id, i) => [id, i]));
  const fixed = new Set<string>();
  const results = report.findings.map((f) => {
    const location = f.file
      ? [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.file), uriBaseId: 'SRCROOT' }, // A finding about a whole file (no line) points at its first line.
          region: { startLine: f.line ?? 1, ...(f.column ? { startColumn: f.column } : {}) } } }]
      : [];
    const change = f.fixedBy && f.file && f.code === PENDING_CHANGE && !fixed.has(f.file) ? report.changes.find((c) => c.path === f.file) : undefined;
    if (change) fixed.add(change.path);
    return {
      ruleId: f.code,
      ruleIndex: index.get(f.code) ?? 0,
      level: LEVEL[f.severity],
      message: { text: f.message },
      ...(location.length ? { locations: location } : {}),
      ...(f.service ? { properties: { service: f.service, ...(f.services ? { services: f.services } : {}), ...(f.fixedBy ? { fixedBy: f.fixedBy } : {}) } } : {}),
      ...(change
        ? {
            fixes: [
              {
                description: { text: `ecsfix apply -t ${change.transforms.join(',')} --yes` },
                artifactChanges: [
                  {
                    artifactLocation: { uri: encodeURI(change.path), uriBaseId: 'SRCROOT' },
                    replacements: replacements(change.before, change.after).map((r) => ({
                      deletedRegion: { charOffset: r.charOffset, charLength: r.charLength },
                      ...(r.insertedText ? { insertedContent: { text: r.insertedText } } : {}),
                    })),
                  },
                ],
              },
            ],
          }
        : {}),
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'ecsfix', version, informationUri: CODES_DOC_URL, rules } },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root.endsWith('/') ? root : root + '/').href } },
        results,
      },
    ],
  };
}
