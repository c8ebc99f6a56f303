/**
 * The contract every transform implements: a pure function of (text, file, repo model) that returns
 * text edits and notes. No I/O, no globals; the engine owns reading, chaining, verifying and writing.
 */
import type { RepoModel } from './repo/model.js';
import type { TextEdit } from './edits.js';

export type FileKind = 'dockerfile' | 'compose' | 'source';
export type Safety = 'safe' | 'behavior-changing';

export interface Note {
  /** `info` explains a change; `warning` is something the user must do or verify by hand. */
  severity: 'info' | 'warning';
  /** Stable finding code (see src/findings), where one is assigned. */
  code?: string;
  message: string;
  /** 1-based line in the file the note is about. */
  line?: number;
}

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
  notes: Note[];
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
