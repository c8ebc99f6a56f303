/**
 * oxc's parser, called through its native binding so that a parse pays only for what is read.
 *
 * Two ways to get a parse out of Rust:
 * - raw transfer: the parser writes the AST into a buffer this thread owns, and oxc-parser's
 *   generated deserializer builds the JS objects straight from it (about 6x cheaper than the JSON
 *   way on service sources), or only the length of the diagnostics list is read (a syntax check:
 *   no objects at all). oxc-parser's own JS refuses raw transfer before Node 22, because a typed
 *   array over its whole 6 GiB buffer is too long for older V8s and its loader `require`s the ESM
 *   deserializers; this makes only views under 4 GiB and imports them, which Node 20 takes. A thread
 *   uses it once it has called {@link prepareOxcRawTransfer}.
 * - JSON, the fallback: `parseSync` from the binding, whose result's program is JSON text. (The
 *   package's index copies every field of the native result into JS at once, the module record and
 *   comments included, which ecsfix never reads: 3-4x the cost through the binding.) Each native
 *   getter moves its field out of Rust, so the program's JSON text is always taken (a cheap string
 *   copy): a field never taken stays in native memory, which V8 cannot see, until its finalizer runs.
 * Both give the same program and diagnostics (test/oxc-diagnostics.test.ts compares them).
 */
import { getBufferOffset, parseRawSync, parseSync as parseNative } from 'oxc-parser/src-js/bindings';
import { ACTIVE_SIZE, BLOCK_ALIGN, BLOCK_SIZE, BUFFER_SIZE, DATA_POINTER_POS_32, IS_TS_FLAG_POS } from 'oxc-parser/src-js/generated/constants';
import { deserialize as deserializeJs } from 'oxc-parser/src-js/generated/deserialize/js';
import { deserialize as deserializeTs } from 'oxc-parser/src-js/generated/deserialize/ts';
import { jsonParseAst } from 'oxc-parser/src-js/wrap';
import type { OxcError, Program } from 'oxc-parser';

export type OxcLang = 'js' | 'jsx' | 'ts' | 'tsx';

/** The program (ESTree, oxc's shape) and the diagnostics of one parse. */
export function oxcParse(path: string, text: string, lang: OxcLang): { program: Program; errors: OxcError[] } {
  const parsed = raw?.parse(path, text, lang);
  if (parsed) return parsed;
  const result = parseNative(path, text, { lang });
  const json: string = result.program;
  return { program: jsonParseAst(json), errors: result.errors };
}

/** The diagnostics alone: the program's JSON is taken out of native memory and dropped unparsed. */
export function oxcErrors(path: string, text: string, lang: OxcLang): OxcError[] {
  const parsed = raw?.parse(path, text, lang);
  if (parsed) return parsed.errors;
  const result = parseNative(path, text, { lang });
  void (result.program as string);
  return result.errors;
}

/** Whether oxc reports any diagnostic for a text (the check of every codemod output, which needs no AST). */
export function oxcHasDiagnostics(path: string, text: string, lang: OxcLang): boolean {
  return (raw?.diagnostics(path, text, lang) ?? oxcErrors(path, text, lang).length) > 0;
}

/**
 * Makes this thread's parses use raw transfer from now on: allocates the buffer. V8 counts an
 * ArrayBuffer's whole length as external memory, and 6 GiB of it makes V8 run a full,
 * memory-reducing collection at once: about 10 ms on a thread's small starting heap, over 100 ms on
 * the heap of a planning thread (seen at 500 services). So a thread calls this before it builds its
 * heap (the engine at the start of a run, the planning worker at its start). True when raw transfer
 * is in use; false where it is unavailable (no 6 GiB of address space, a binding without it, a
 * layout the self-check does not recognise): the JSON way then.
 */
export function prepareOxcRawTransfer(): boolean {
  if (raw === undefined) raw = rawTransfer();
  return raw !== null;
}

interface RawTransfer {
  /** The parse of `text`; undefined when it is too long for the buffer. */
  parse(path: string, text: string, lang: OxcLang): { program: Program; errors: OxcError[] } | undefined;
  /** How many diagnostics the parse of `text` has; undefined when it is too long for the buffer. */
  diagnostics(path: string, text: string, lang: OxcLang): number | undefined;
}

/** Undefined until {@link prepareOxcRawTransfer}; null when raw transfer is not usable here. */
let raw: RawTransfer | null | undefined;

function rawTransfer(): RawTransfer | null {
  let made: RawTransfer;
  try {
    made = rawTransferBuffer();
  } catch {
    return null;
  }
  // Where the diagnostics list sits is this oxc-parser version's layout: check it on a text with an
  // error and one without before trusting it.
  return made.diagnostics('check.ts', 'const = ;', 'ts') === 1 && made.diagnostics('check.ts', 'const a = 1;', 'ts') === 0 ? made : null;
}

/** The offset of `RawTransferData.errors` (a Vec: pointer, capacity, length as u32 at +8) in oxc-parser 0.159's layout. */
const ERRORS_OFFSET = 272;

/** What oxc-parser's generated deserializers read: the buffer, with its Int32 and Float64 views. */
type RawBuffer = Uint8Array & { int32: Int32Array; float64: Float64Array };

function rawTransferBuffer(): RawTransfer {
  const memory = new ArrayBuffer(BLOCK_SIZE + BLOCK_ALIGN);
  // oxc's allocator block must start on a 4 GiB boundary: the binding says where that is.
  const offset = getBufferOffset(new Uint8Array(memory, 0, 16));
  const block = new Uint8Array(memory, offset, BLOCK_SIZE);
  const buffer = Object.assign(new Uint8Array(memory, offset, BUFFER_SIZE), {
    int32: new Int32Array(memory, offset, BUFFER_SIZE / 4),
    float64: new Float64Array(memory, offset, BUFFER_SIZE / 8),
  }) as RawBuffer;
  const encoder = new TextEncoder();
  /** Parses `text` into the buffer: where its source starts and its length in UTF-8 bytes; null when it does not fit. */
  const parseInto = (path: string, text: string, lang: OxcLang): { start: number; length: number } | null => {
    // The source goes at the end of the active region, with room for its longest UTF-8 form.
    const room = text.length * 3;
    if (room > ACTIVE_SIZE / 2) return null;
    const start = ACTIVE_SIZE - room;
    const { written } = encoder.encodeInto(text, new Uint8Array(memory, offset + start, room));
    parseRawSync(path, block, start, written, { lang });
    return { start, length: written };
  };
  return {
    parse(path, text, lang) {
      const at = parseInto(path, text, lang);
      if (!at) return undefined;
      const deserialize = buffer[IS_TS_FLAG_POS] === 0 ? deserializeJs : deserializeTs;
      const { program, errors } = deserialize(buffer, text, at.start, at.length);
      return { program, errors };
    },
    diagnostics(path, text, lang) {
      if (!parseInto(path, text, lang)) return undefined;
      const data = buffer.int32[DATA_POINTER_POS_32] as number;
      return buffer.int32[((data + ERRORS_OFFSET) >> 2) + 2] as number;
    },
  };
}
