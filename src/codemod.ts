/**
 * The contract between the engine and a codemod module (codemods/): the options ecsfix passes and
 * the notes a codemod reports. It lives here so the engine depends on no codemod.
 */
import type { RepoModel } from './repo/model.ts';

export interface CodemodNote {
  severity: 'info' | 'warning';
  /** ECS3xx code (src/findings/codes-source.ts). */
  code: string;
  message: string;
  line?: number;
}

export interface CodemodOptions {
  /** Set by ecsfix: the repo model. Absent under the jscodeshift CLI. */
  repo?: RepoModel;
  /** Set by ecsfix: receives notes with codes and lines. */
  note?: (note: CodemodNote) => void;
  /**
   * Set by ecsfix: the file's Babel AST as jscodeshift's parser would build it, made from oxc's parse
   * (src/source/babel-shape.ts) without recast's reprint bookkeeping (the codemods never reprint:
   * they splice text). Absent under the jscodeshift CLI, which parses with babel itself.
   */
  parse?: (source: string) => unknown;
  /**
   * Set by ecsfix: receives what to verify for this change, when the codemod established more than
   * its meta's general line (the datastore it moved, the health route, the variables it requires).
   */
  verify?: (text: string) => void;
  /** Set by ecsfix: loads ts-morph (for the type-based decisions, only when a file needs one). */
  tsMorph?: () => typeof import('ts-morph');
}

export type { PackageSources } from './source/module-api.ts';
