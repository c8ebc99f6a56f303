/**
 * Whether a compose text was changed only in scalar values, proven on yaml's token stream instead of
 * a second parse of the whole file (on a 500-service compose file the parse is most of
 * compose-secret-defaults' time and of the plan's output check).
 *
 * yaml's lexer makes every structural decision (indicators, indentation, comments, scalar extents)
 * and the parser and composer only read its tokens. So when the two texts lex to the same tokens but
 * for some single-line flow scalars (plain, single- or double-quoted), each still a scalar of the same
 * kind and none a key, the two documents have the same nodes, comments and keys and differ only in
 * those scalars' values. Each changed scalar is then resolved on its own (its token parsed alone,
 * which gives the same value and tag as in place: a one-line flow scalar's value does not depend on
 * its indentation, and the schema is the same). Anything else (a token added, removed or of another
 * kind, a block or multi-line scalar, a key, a scalar that does not resolve cleanly alone) is not
 * proven: the caller parses the new text.
 */
import { isScalar, Lexer, parseDocument, type Scalar } from 'yaml';
import { composeTokens } from './compose.js';

/** The new value of one changed scalar, by its offset in the old text. */
export interface ValueChange {
  /** Where the scalar's token starts in the old text (its node's `range[0]`). */
  offset: number;
  /** The scalar's value in the new text, typed as the schema resolves it. */
  value: Scalar['value'];
}

const PLAIN_SCALAR = '\u001f';
/** The lexer's control tokens (document start, flow error end, plain scalar marker): no source text. */
const CONTROL = new Set(['\u0002', '\u0018', PLAIN_SCALAR]);


/** The flow scalar kind of a token the lexer yielded (`"…"`, `'…'`, or plain after its marker), else null. */
function scalarKind(list: readonly string[], i: number): 'plain' | 'single' | 'double' | null {
  const token = list[i] as string;
  if (list[i - 1] === PLAIN_SCALAR) return 'plain';
  if (token.startsWith('"')) return 'double';
  if (token.startsWith("'")) return 'single';
  return null;
}

/** The nearest token after `i` on its line that is not inline space. */
function nextOnLine(list: readonly string[], i: number): string | undefined {
  for (let j = i + 1; j < list.length; j++) {
    const t = list[j] as string;
    if (!CONTROL.has(t) && !/^[ \t]+$/.test(t)) return t;
  }
  return undefined;
}

/** The nearest token before `i` that is not space, a line break or a comment. */
function previousContent(list: readonly string[], i: number): string | undefined {
  for (let j = i - 1; j >= 0; j--) {
    const t = list[j] as string;
    if (!CONTROL.has(t) && !/^\s+$/.test(t) && !t.startsWith('#')) return t;
  }
  return undefined;
}

/** A one-line flow scalar's value, resolved alone; null when alone it is not that same scalar. */
function resolveAlone(source: string, kind: 'plain' | 'single' | 'double'): Scalar['value'] | undefined {
  const doc = parseDocument(source, { merge: true, uniqueKeys: false });
  const node = doc.contents;
  if (doc.errors.length || doc.warnings.length || !isScalar(node) || node.range?.[0] !== 0 || node.range[1] !== source.length) return undefined;
  const style = kind === 'plain' ? 'PLAIN' : kind === 'single' ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE';
  return node.type === style ? node.value : undefined;
}

/**
 * The scalar values `after` changes in `before`, when that is all it changes (see the file comment);
 * null when it is not proven. An empty list: the texts lex alike.
 */
export function changedScalarValues(before: string, after: string): ValueChange[] | null {
  // The transform and then the plan's output check ask about the same pair.
  if (last?.before === before && last.after === after) return last.changes;
  const changes = compareTokens(before, after);
  last = { before, after, changes };
  return changes;
}

let last: { before: string; after: string; changes: ValueChange[] | null } | null = null;

function compareTokens(before: string, after: string): ValueChange[] | null {
  const was = composeTokens(before);
  const now = [...new Lexer().lex(after)];
  if (was.length !== now.length) return null;
  const changes: ValueChange[] = [];
  let offset = 0;
  // The open flow collections: a scalar alone in a flow map (`{a, b}`) is a key without `:`.
  const flow: string[] = [];
  for (let i = 0; i < was.length; i++) {
    const old = was[i] as string;
    const token = now[i] as string;
    if (old === '{' || old === '[') flow.push(old);
    else if (old === '}' || old === ']') flow.pop();
    if (old !== token) {
      const kind = scalarKind(was, i);
      if (kind === null || kind !== scalarKind(now, i) || old.includes('\n') || token.includes('\n')) return null;
      if (flow.at(-1) === '{' || nextOnLine(was, i) === ':' || previousContent(was, i) === '?') return null;
      const value = resolveAlone(token, kind);
      if (value === undefined) return null;
      changes.push({ offset, value });
    }
    if (!CONTROL.has(old)) offset += old.length;
  }
  return changes;
}
