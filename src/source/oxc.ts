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
import { getBufferOffset, parseRawSync, parseSync as parseNative } from 'oxc-parser/src-js/bindings';
import { ACTIVE_SIZE, BLOCK_ALIGN, BLOCK_SIZE, BUFFER_SIZE, DATA_POINTER_POS_32 } from 'oxc-parser/src-js/generated/constants';
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

/**
 * Whether oxc reports any diagnostic for a text: the check of every codemod output, which needs no
 * AST. Through oxc's raw transfer the parser writes its result into a buffer this thread owns and
 * only the length of the diagnostics list is read from it, so no JSON is made or copied: about 8x
 * cheaper than {@link oxcErrors} on service sources. oxc-parser's own JS refuses raw transfer before
 * Node 22, because a typed array over its whole 6 GiB buffer is too long for older V8s; this makes
 * only views under 4 GiB (the block, an Int32Array over the block's data), which Node 20 takes.
 * On a thread that has not called {@link prepareOxcRawTransfer}, or where raw transfer is unavailable
 * (the buffer cannot be allocated, a build of oxc whose layout the self-check below does not
 * recognise), the answer comes from {@link oxcErrors}.
 */
export function oxcHasDiagnostics(path: string, text: string, lang: OxcLang): boolean {
  return raw ? raw.diagnostics(path, text, lang) > 0 : oxcErrors(path, text, lang).length > 0;
}

/**
 * Makes {@link oxcHasDiagnostics} use raw transfer on this thread from now on: allocates the buffer.
 * V8 counts an ArrayBuffer's whole length as external memory, and 6 GiB of it makes V8 run a full,
 * memory-reducing collection at once: about 10 ms on a thread's small starting heap, over 100 ms on
 * the heap of a planning thread (seen at 500 services). So a thread that will check many codemod
 * outputs calls this before it builds its heap, and one that checks a few (a small repo) does not.
 * True when raw transfer is in use.
 */
export function prepareOxcRawTransfer(): boolean {
  if (raw === undefined) raw = rawTransfer();
  return raw !== null;
}

interface RawTransfer {
  /** How many diagnostics the parse of `text` has. */
  diagnostics(path: string, text: string, lang: OxcLang): number;
}

/** Undefined until {@link prepareOxcRawTransfer}; null when raw transfer is not usable here. */
let raw: RawTransfer | null | undefined;

function rawTransfer(): RawTransfer | null {
  let made: RawTransfer;
  try {
    made = rawTransferBuffer();
  } catch {
    return null; // no 6 GiB of address space, or a binding without raw transfer
  }
  // The layout (where the diagnostics list sits) is this oxc-parser version's: check it on a text
  // with an error and one without before trusting it.
  return made.diagnostics('check.ts', 'const = ;', 'ts') > 0 && made.diagnostics('check.ts', 'const a = 1;', 'ts') === 0 ? made : null;
}

/** The offset of `RawTransferData.errors` (a Vec: pointer, capacity, length as u32 at +8) in oxc-parser 0.159's layout. */
const ERRORS_OFFSET = 272;

function rawTransferBuffer(): RawTransfer {
  const memory = new ArrayBuffer(BLOCK_SIZE + BLOCK_ALIGN);
  // oxc's allocator block must start on a 4 GiB boundary: the binding says where that is.
  const offset = getBufferOffset(new Uint8Array(memory, 0, 16));
  const block = new Uint8Array(memory, offset, BLOCK_SIZE);
  const int32 = new Int32Array(memory, offset, BUFFER_SIZE / 4);
  const encoder = new TextEncoder();
  return {
    diagnostics(path, text, lang) {
      // The source goes at the end of the active region, with room for its longest UTF-8 form.
      const room = text.length * 3;
      if (room > ACTIVE_SIZE / 2) return oxcErrors(path, text, lang).length;
      const start = ACTIVE_SIZE - room;
      const { written } = encoder.encodeInto(text, new Uint8Array(memory, offset + start, room));
      parseRawSync(path, block, start, written, { lang });
      const data = int32[DATA_POINTER_POS_32] as number;
      return int32[((data + ERRORS_OFFSET) >> 2) + 2] as number;
    },
  };
}
