// Types for the two oxc-parser subpaths src/source/oxc.ts calls (the package types only its index).
declare module 'oxc-parser/src-js/bindings' {
  import type { OxcError } from 'oxc-parser';
  /** The native result: each getter moves its field out of Rust; `program` is the AST as JSON text. */
  export function parseSync(
    filename: string,
    sourceText: string,
    options?: { lang?: 'js' | 'jsx' | 'ts' | 'tsx' | 'dts' },
  ): { readonly program: string; readonly errors: OxcError[] };
}
declare module 'oxc-parser/src-js/wrap' {
  import type { Program } from 'oxc-parser';
  /** JSON.parse of a program, with BigInt and RegExp literal values restored. */
  export function jsonParseAst(json: string): Program;
}
