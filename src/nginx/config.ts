/**
 * nginx configuration as nginx's own parser reads it: directives (`name args… ;`) and blocks
 * (`name args… { … }`), with every word's offsets so a transform can rewrite one word (`listen 80`
 * -> `listen 8080`) and leave every other byte alone. Quoting (`"…"`, `'…'`, backslash escapes),
 * `#` comments and `${var}` inside a word (nginx's variable syntax, and what an envsubst template
 * is full of) are handled the way nginx handles them.
 */
import { lineOfOffset } from '../text.js';

/** The nginx port ecsfix moves a root-only `listen` to (the port nginxinc/nginx-unprivileged uses). */
export const UNPRIVILEGED_NGINX_PORT = 8080;

export interface NginxWord {
  /** The word as nginx sees it (quotes removed). */
  value: string;
  /** Offsets of the raw word (quotes included). */
  start: number;
  end: number;
  quoted: boolean;
}

export interface NginxDirective {
  name: string;
  args: NginxWord[];
  /** Offset of the directive name and offset just after its `;` or closing `}`. */
  start: number;
  end: number;
  /** 1-based line of the name. */
  line: number;
  /** The directives inside `{ … }`; null for a simple directive. */
  block: NginxDirective[] | null;
}

export class NginxSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

type Token = { kind: 'word'; word: NginxWord } | { kind: ';' | '{' | '}'; start: number; end: number };

function* tokens(text: string): Generator<Token> {
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === ';' || ch === '{' || ch === '}') {
      yield { kind: ch, start: i, end: i + 1 };
      i++;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new NginxSyntaxError('unterminated string', lineOfOffset(text, start));
      i++;
      yield { kind: 'word', word: { value, start, end: i, quoted: true } };
      continue;
    }
    let value = '';
    while (i < text.length) {
      const c = text[i] as string;
      if (/\s/.test(c) || c === ';' || c === '}') break;
      if (c === '{') {
        // `${name}` is a variable inside the word; any other `{` opens a block.
        if (text[i - 1] !== '$') break;
        const close = text.indexOf('}', i);
        if (close < 0) throw new NginxSyntaxError('unterminated ${…}', lineOfOffset(text, i));
        value += text.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      if (c === '\\' && i + 1 < text.length) {
        value += text[i + 1];
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    yield { kind: 'word', word: { value, start, end: i, quoted: false } };
  }
}

/** Parses a whole configuration file (or a conf.d snippet, or an envsubst template). */
export function parseNginxConfig(text: string): NginxDirective[] {
  const root: NginxDirective[] = [];
  const stack: { list: NginxDirective[]; owner: NginxDirective | null }[] = [{ list: root, owner: null }];
  let words: NginxWord[] = [];
  const top = () => stack[stack.length - 1] as { list: NginxDirective[]; owner: NginxDirective | null };
  for (const token of tokens(text)) {
    if (token.kind === 'word') {
      words.push(token.word);
      continue;
    }
    if (token.kind === '}') {
      if (words.length) throw new NginxSyntaxError(`unexpected "}" (missing ";" after "${words[0]?.value}")`, lineOfOffset(text, token.start));
      const closed = stack.pop();
      if (!closed?.owner || stack.length === 0) throw new NginxSyntaxError('unexpected "}"', lineOfOffset(text, token.start));
      closed.owner.end = token.end;
      continue;
    }
    const [name, ...args] = words;
    words = [];
    if (!name) {
      if (token.kind === ';') continue; // a stray `;` is accepted by nginx
      throw new NginxSyntaxError('a block without a directive name', lineOfOffset(text, token.start));
    }
    const directive: NginxDirective = { name: name.value, args, start: name.start, end: token.end, line: lineOfOffset(text, name.start), block: token.kind === '{' ? [] : null };
    top().list.push(directive);
    if (directive.block) stack.push({ list: directive.block, owner: directive });
  }
  if (words.length) throw new NginxSyntaxError(`unexpected end of file (missing ";" after "${words[0]?.value}")`, lineOfOffset(text, words[0]?.start ?? 0));
  if (stack.length > 1) throw new NginxSyntaxError(`unexpected end of file ("${top().owner?.name}" block not closed)`, top().owner?.line ?? 1);
  return root;
}

/** Every directive of a name, at any depth, in file order. */
export function findDirectives(directives: NginxDirective[], name: string): NginxDirective[] {
  const found: NginxDirective[] = [];
  const walk = (list: NginxDirective[]) => {
    for (const d of list) {
      if (d.name === name) found.push(d);
      if (d.block) walk(d.block);
    }
  };
  walk(directives);
  return found;
}

/** The port part of a `listen` address, where it can be read. */
export type ListenAddress =
  | { kind: 'port'; port: number; /** Offsets of the port digits in the file, or of where `:port` goes when the port is implicit (80). */ start: number; end: number; implicit: boolean }
  | { kind: 'variable' | 'unix' | 'unknown'; text: string };

/** Reads `listen 80`, `listen [::]:80`, `listen 127.0.0.1` (port 80 implied), `listen ${PORT}`, `listen unix:/…`. */
export function listenAddress(directive: NginxDirective): ListenAddress {
  const word = directive.args[0];
  if (!word) return { kind: 'unknown', text: '' };
  const value = word.value;
  if (value.includes('$')) return { kind: 'variable', text: value };
  if (value.startsWith('unix:')) return { kind: 'unix', text: value };
  const offset = word.start + (word.quoted ? 1 : 0);
  if (word.quoted && word.end - word.start - 2 !== value.length) return { kind: 'unknown', text: value };
  const portOnly = /^\d+$/.exec(value);
  if (portOnly) return { kind: 'port', port: Number(value), start: offset, end: offset + value.length, implicit: false };
  const withHost = /^(\[[^\]]*\]|[^:[\]]+):(\d+)$/.exec(value);
  if (withHost) {
    const at = offset + (withHost[1] as string).length + 1;
    return { kind: 'port', port: Number(withHost[2]), start: at, end: at + (withHost[2] as string).length, implicit: false };
  }
  if (/^(\[[^\]]*\]|[\w.*-]+)$/.test(value)) return { kind: 'port', port: 80, start: offset + value.length, end: offset + value.length, implicit: true };
  return { kind: 'unknown', text: value };
}
