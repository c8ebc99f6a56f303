/** Finding codes for engine and file errors, and what the repo model reports (ECS0xx). */
import type { FindingCode } from './finding.js';

export const ENGINE_CODES: readonly FindingCode[] = [
  {
    code: 'ECS001',
    title: 'Dockerfile does not parse',
    defaultSeverity: 'blocking',
    help: 'The Dockerfile has a syntax error (an unknown instruction, a malformed flag, a heredoc or continuation that never ends). ecsfix leaves it untouched and changes the other files; fix the line named and run ecsfix again.',
  },
  {
    code: 'ECS002',
    title: 'Compose file does not parse',
    defaultSeverity: 'blocking',
    help: 'The compose file is not valid YAML (or not a mapping at the top). ecsfix leaves it untouched, and the services it defines are missing from the repo model, so ports and build contexts other transforms rely on may be unknown; fix the line named and run ecsfix again.',
  },
  {
    code: 'ECS003',
    title: 'File cannot be read',
    defaultSeverity: 'blocking',
    help: 'ecsfix could not read the file (permissions, a broken link, or it vanished during the run). It is left out and untouched; make it readable and run ecsfix again.',
  },
  {
    code: 'ECS004',
    title: 'A transform produced output that does not verify; its change was dropped',
    defaultSeverity: 'blocking',
    help: 'Every change is re-parsed before it is accepted. This one would have produced an invalid file, so it was dropped and the file keeps its previous content. This is a bug in ecsfix: please report it with the file.',
  },
  {
    code: 'ECS005',
    title: 'package.json is not valid JSON',
    defaultSeverity: 'blocking',
    help: 'A package.json that is not JSON is left untouched and out of the repo model: its package name, dependencies and workspace links are unknown. Every change that may depend on it (inside a workspace: the whole workspace, since any member may depend on the package; else its own directory) is withheld (ECS008). Fix the JSON at the line named and run ecsfix again.',
  },
  {
    code: 'ECS006',
    title: 'Port evidence disagrees',
    defaultSeverity: 'warning',
    help: 'The compose port mapping, EXPOSE, the HEALTHCHECK URL and the port default in the code name different ports for the service (a code default such as `process.env.PORT || 3000` for a variable the image\'s ENV or the compose environment sets to a known value never applies, and disagrees with nothing). ecsfix uses the most authoritative one; check which port the app really listens on, and make compose, the Dockerfile, the code and the ECS task definition agree.',
  },
  {
    code: 'ECS007',
    title: 'pnpm-workspace.yaml does not parse',
    defaultSeverity: 'blocking',
    help: 'pnpm-workspace.yaml is not valid YAML, so the workspace packages it lists are unknown. It is left untouched and every change in the workspace is withheld (ECS008); fix the line named and run ecsfix again.',
  },
  {
    code: 'ECS008',
    title: 'Changes withheld: they depend on a file that does not parse',
    defaultSeverity: 'warning',
    help: 'A change whose decision depends on what a broken file would say (ports, roles and build contexts from a compose file; workspace packages from package.json or pnpm-workspace.yaml) is not made from a partial model: a run with a broken file makes a subset of the clean run\'s changes, never different ones. Fix the file named and run ecsfix again to get them.',
  },
  {
    code: 'ECS010',
    title: 'Change withheld: it needs changes left out',
    defaultSeverity: 'warning',
    help: 'Some changes span several files: dockerfile-nginx-non-root moves nginx from port 80 to 8080 in the nginx config, the Dockerfile and the container side of every compose port mapping at once (each part needs the others), and the secrets compose-secret-defaults lists in `.env.example` are those whose compose default it removes (that line needs the compose change). When `--only`, the directory ecsfix ran in, or the answers in the review leave out part of such a change, the rest of it is not written either (half of a port move maps a port nothing listens on) and this finding names the files it needs. Include them (`--only` with every file named, a run at the repo root, or accepting every file of the change) to apply it.',
  },
  {
    code: 'ECS009',
    title: 'A transform has a change pending',
    defaultSeverity: 'warning',
    help: 'ecsfix check reports every change a transform would make as one finding on the file it changes; the transform is the finding\'s fixedBy. Its severity follows what the change fixes: blocking for what keeps a service from running on ECS (a root user, a probe on the wrong port, a worker that ignores SIGTERM, a service that exits on a slow database, a wrong service URL, a secret default in compose), warning for build hygiene (multi-stage worker image, pnpm pin, frozen lockfile). Review it with "ecsfix diff -t <transform>" and write it with "ecsfix apply -t <transform>".',
  },
];

/** Codes that mean the file was left out and untouched: a run that reports one exits 2. */
// ECS300 (codes-source.ts): a TS/JS file a codemod must read does not parse.
const FILE_ERROR_CODES = new Set(['ECS001', 'ECS002', 'ECS003', 'ECS004', 'ECS005', 'ECS007', 'ECS300']);

export function isFileError(finding: { code: string }): boolean {
  return FILE_ERROR_CODES.has(finding.code);
}
