/**
 * The contract every transform implements: a pure function of (text, file, repo model) that returns
 * text edits and findings. No I/O, no globals; the engine owns reading, chaining, verifying and writing.
 */
import type { Finding } from './findings/finding.js';
import type { RepoModel } from './repo/model.js';
import type { TextEdit } from './edits.js';

export type FileKind = 'dockerfile' | 'compose' | 'source';
export type Safety = 'safe' | 'behavior-changing';

/**
 * How safe one change is, decided where the transform makes it (like ruff's Applicability): a
 * `safe` transform can still make a behaviour-changing change in one file (dockerfile-port-env
 * wrapping an exec-form CMD in `sh -c "exec …"`), and that change says so itself.
 */
export interface ChangeSafety {
  safety: Safety;
  /** One line: what to verify once it is applied (null when there is nothing to verify). */
  verify: string | null;
}

export interface TransformOptions {
  /** `--pnpm-version`: the pnpm version to pin when the repo does not say. */
  pnpmVersion?: string;
  /** `--require` (compose-secret-defaults): a removed secret default becomes `${VAR:?VAR must be set}`. */
  requireSecrets?: boolean;
}

export interface TransformInput {
  /** Repo-relative POSIX path. */
  path: string;
  /** LF-normalised text (BOM removed); edits are offsets into it. */
  text: string;
  repo: RepoModel;
  options: TransformOptions;
  /**
   * Another file of the repo as the run sees it (LF-normalised, BOM removed), or null when it does
   * not exist: for a transform whose change needs a second file (compose-secret-defaults and the
   * repo's `.env.example`). Edits to it go in {@link TransformResult.otherFiles}.
   */
  read(path: string): string | null;
}

/** Edits to a file other than the one the transform runs on, as offsets into `read(path)`'s text ('' for a file to create). */
export interface OtherFileEdits {
  path: string;
  edits: TextEdit[];
  /**
   * How the edit depends on the change to the transform's own file, for `--only`, a subtree and the
   * wizard, which may select only some files: `both`, each works only with the other (a port moved
   * in the nginx config and in compose at once); `own`, this edit says what that change did (a
   * secret listed in `.env.example` because compose no longer defaults it). Absent: independent.
   */
  bound?: 'both' | 'own';
}

export interface TransformResult {
  edits: TextEdit[];
  /**
   * What the transform did and what it could not do, each with its code: info findings explain a
   * change, warnings are for a human. Lines are in the text the transform was given; the engine
   * maps them to the original file and fills in `file`, `transform` and `service`.
   */
  findings: Finding[];
  /**
   * Edits to other files, applied after every file's own transforms ran. Identical edits from
   * several files (the same line appended to one `.env.example`) are applied once; a file that
   * does not exist is created.
   */
  otherFiles?: OtherFileEdits[];
  /**
   * The safety of this result's edits, when the transform decided it for this change; absent, the
   * change has the transform's declared {@link Transform.safety} and {@link Transform.verify}.
   */
  safety?: ChangeSafety;
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
  /** For a safe transform: which of its changes are behaviour-changing nonetheless (each says so in its own safety). */
  behaviorChangingWhen?: string;
  /** Whether the transform looks at this file at all. */
  appliesTo(path: string, repo: RepoModel): boolean;
  /** A source transform that parses only sources with a match (a codemod's tokens): the parses worth keeping for it. */
  sourceTokens?: RegExp;
  run(input: TransformInput): TransformResult;
}

/** The safety a transform's change has: the one its result decided, else the transform's own. */
export function safetyOf(transform: Transform, result?: Pick<TransformResult, 'safety'>): ChangeSafety {
  return result?.safety ?? { safety: transform.safety, verify: transform.verify ?? null };
}
