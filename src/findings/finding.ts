/**
 * The one thing ecsfix reports: a finding. Transforms, the repo model, the build check, the engine's
 * failures, `check` and `verify` all report through it, and every output (the wizard, `diff`,
 * `apply`, `check` text/markdown/json/sarif) reads the same list. The `code` is part of the stable
 * surface (documented in the README, like hadolint's DL3002); tests assert codes, never wording.
 */
export type Severity = 'blocking' | 'warning' | 'info';

export interface Finding {
  /** Stable code, e.g. `ECS101`; see {@link FINDING_CODES}. */
  code: string;
  severity: Severity;
  message: string;
  /** Repo-relative POSIX path of the file the finding is about. */
  file?: string;
  /** 1-based line (and column, end) in that file, where known. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** The service the finding concerns, where one does. */
  service?: string;
  /**
   * `check` only: the services a finding shared by several is reported for (a Dockerfile they all
   * build, a source file they share, a compose line they inherit), in the model's order; `service` is the first.
   */
  services?: string[];
  /** What to do and why, one paragraph. Defaults to the code's help. */
  help?: string;
  /** The transform id that fixes it, where one does. */
  fixedBy?: string;
  /** The transform that reported it (its change, or why it made none), where one did. */
  transform?: string;
}

/** The description of a code: what `list`, the README and SARIF rules show. */
export interface FindingCode {
  code: string;
  /** Short title, e.g. "HEALTHCHECK hard-codes the port". */
  title: string;
  defaultSeverity: Severity;
  /** What to do and why, one paragraph. */
  help: string;
  /** The transform that fixes findings of this code, where one does. */
  fixedBy?: string;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, blocking: 2 };

/** Whether `severity` is at least as severe as `threshold` (for `--fail-on`). */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}
