/**
 * The contract every transform implements: a pure function of (text, file, repo model) that returns
 * text edits and findings. No I/O, no globals; the engine owns reading, chaining, verifying and writing.
 */
import type { Finding } from './findings/finding.js';
import type { RepoModel } from './repo/model.js';
import type { TextEdit } from './edits.js';

export type FileKind = 'dockerfile' | 'compose' | 'source';
export type Safety = 'safe' | 'behavior-changing';

export interface TransformOptions {
  /** `--pnpm-version`: the pnpm version to pin when the repo does not say. */
  pnpmVersion?: string;
}

export interface TransformInput {
  /** Repo-relative POSIX path. */
  path: string;
  /** LF-normalised text (BOM removed); edits are offsets into it. */
  text: string;
  repo: RepoModel;
  options: TransformOptions;
}

export interface TransformResult {
  edits: TextEdit[];
  /**
   * What the transform did and what it could not do, each with its code: info findings explain a
   * change, warnings are for a human. Lines are in the text the transform was given; the engine
   * maps them to the original file and fills in `file`, `transform` and `service`.
   */
  findings: Finding[];
}

export interface Transform {
  id: string;
  title: string;
  kinds: FileKind[];
  safety: Safety;
  /** One line: the problem it fixes (shown by `list`). */
  fixes: string;
  /** For behaviour-changing transforms: what to verify after applying. */
  verify?: string;
  /** Whether the transform looks at this file at all. */
  appliesTo(path: string, repo: RepoModel): boolean;
  run(input: TransformInput): TransformResult;
}
