/**
 * Reading calls and object literals in source text without parsing it: a call's arguments split at
 * top-level commas (quotes and brackets respected), an option of an object literal, the object
 * literal around an offset. Used where a regex finds the call (src/repo/runtimeWrites.ts,
 * src/repo/fileWriters.ts).
 */
/** The first argument of a call whose `(` ends at `from`: up to the first top-level `,` or the closing `)`. */
export function firstArgument(text: string, from: number): string {
  return topLevelArguments(text, from)[0] ?? text.slice(from, from + 80).trim();
}

/** The whole expression of option `name` in an object literal's body (`filename: path.join(dir, 'app.log')`, or the shorthand `{ dest }`), brackets and quotes respected. */
export function optionValue(text: string, body: string, bodyStart: number, name: string): string | undefined {
  const key = new RegExp(`\\b${name}\\s*:\\s*`).exec(body);
  if (key) return firstArgument(text, bodyStart + key.index + key[0].length);
  return new RegExp(`(?:^|[{,])\\s*${name}\\s*(?:,|$)`).test(body) ? name : undefined;
}

/** The arguments of a call whose `(` ends at `from`, split at top-level commas (quotes and brackets respected). */
export function topLevelArguments(text: string, from: number): string[] {
  return callArguments(text, from)?.args ?? [];
}

/** The arguments of a call whose `(` (or a bracket) ends at `from` and the offset just past its closing bracket; null when it does not close within `reach` characters. */
export function callArguments(text: string, from: number, reach = 400): { args: string[]; end: number } | null {
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let start = from;
  for (let i = from; i < text.length && i < from + reach; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        args.push(text.slice(start, i).trim());
        return { args: args.filter(Boolean), end: i + 1 };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return null;
}

/** `callee(args)` as the whole expression: its arguments, else null. */
export function wholeCall(e: string, callee: RegExp): string[] | null {
  const m = callee.exec(e);
  if (!m || m.index !== 0) return null;
  const call = callArguments(e, m[0].length);
  return call && call.end === e.length ? call.args : null;
}

/** The object literal an offset sits in: the offset just past its `{` and its body up to its closing `}` (excluded); null when it is in none within reach. */
export function enclosingObject(text: string, at: number, reach = 2000): { open: number; body: string } | null {
  let open = at;
  for (let depth = 0; open > 0 && open > at - reach; open--) {
    const c = text[open - 1];
    if (c === '}') depth++;
    else if (c === '{' && depth-- === 0) break;
  }
  if (open <= 0 || text[open - 1] !== '{') return null;
  const end = callArguments(text, open, reach)?.end;
  return end === undefined ? null : { open, body: text.slice(open, end - 1) };
}
