// Types for the oxc-parser subpaths src/source/oxc.ts calls (the package types only its index).
declare module 'oxc-parser/src-js/bindings' {
  import type { OxcError } from 'oxc-parser';
  /** The native result: each getter moves its field out of Rust; `program` is the AST as JSON text. */
  export function parseSync(
    filename: string,
    sourceText: string,
    options?: { lang?: 'js' | 'jsx' | 'ts' | 'tsx' | 'dts' },
  ): { readonly program: string; readonly errors: OxcError[] };
  /** Where in `buffer` the 4 GiB-aligned allocator block starts (raw transfer). */
  export function getBufferOffset(buffer: Uint8Array): number;
  /** Parses the source written in `buffer` at `sourceStart` into the same block (raw transfer). */
  export function parseRawSync(filename: string, buffer: Uint8Array, sourceStart: number, sourceByteLength: number, options?: { lang?: 'js' | 'jsx' | 'ts' | 'tsx' | 'dts' }): void;
}
declare module 'oxc-parser/src-js/generated/constants' {
  /** Raw transfer's layout: the allocator block, its alignment, the JS-side buffer, the region for source and AST. */
  export const BLOCK_SIZE: number;
  export const BLOCK_ALIGN: number;
  export const BUFFER_SIZE: number;
  export const ACTIVE_SIZE: number;
  /** The Int32 index of the pointer to the parse's RawTransferData. */
  export const DATA_POINTER_POS_32: number;
  /** The byte that is 0 when the parse is of JS, not TS (which deserializer reads it). */
  export const IS_TS_FLAG_POS: number;
}
declare module 'oxc-parser/src-js/generated/deserialize/js' {
  import type { OxcError, Program } from 'oxc-parser';
  /** The parse in a raw transfer buffer (with its `int32` and `float64` views) as JS objects. */
  export function deserialize(buffer: Uint8Array, sourceText: string, sourceStart: number, sourceByteLength: number): { program: Program; errors: OxcError[] };
}
declare module 'oxc-parser/src-js/generated/deserialize/ts' {
  import type { OxcError, Program } from 'oxc-parser';
  /** The parse in a raw transfer buffer (with its `int32` and `float64` views) as JS objects. */
  export function deserialize(buffer: Uint8Array, sourceText: string, sourceStart: number, sourceByteLength: number): { program: Program; errors: OxcError[] };
}
declare module 'oxc-parser/src-js/wrap' {
  import type { Program } from 'oxc-parser';
  /** JSON.parse of a program, with BigInt and RegExp literal values restored. */
  export function jsonParseAst(json: string): Program;
}
