/**
 * oxc's parser, called through its native binding so that a parse pays only for what is read.
 *
 * `parseSync` from the package's index copies every field of the native result into JS at once,
 * the module record (imports, exports: an object graph built through N-API) and the comments
 * included, which ecsfix never reads: measured over 600 service sources, a parse that only needs
 * the syntax errors cost 3-4x as much through the index as through the binding. Each native getter
 * moves its field out of Rust, so the program's JSON text is always taken (a cheap string copy):
 * a field never taken stays in native memory, which V8 cannot see, until the result's finalizer runs.
 */
import { parseSync as parseNative } from 'oxc-parser/src-js/bindings';
import { jsonParseAst } from 'oxc-parser/src-js/wrap';
import type { OxcError, Program } from 'oxc-parser';

export type OxcLang = 'js' | 'jsx' | 'ts' | 'tsx';

/** The program (ESTree, oxc's shape) and the diagnostics of one parse. */
export function oxcParse(path: string, text: string, lang: OxcLang): { program: Program; errors: OxcError[] } {
  const result = parseNative(path, text, { lang });
  const json: string = result.program;
  return { program: jsonParseAst(json), errors: result.errors };
}

/** The diagnostics alone: the program's JSON is taken out of native memory and dropped unparsed. */
export function oxcErrors(path: string, text: string, lang: OxcLang): OxcError[] {
  const result = parseNative(path, text, { lang });
  void (result.program as string);
  return result.errors;
}
