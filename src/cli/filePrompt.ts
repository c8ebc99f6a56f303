/**
 * The per-file question, like `git add -p`: one key answers (y apply, n skip, a apply all
 * remaining, q quit, e or ? show the notes); the arrow keys and Enter still work. Ctrl-C cancels
 * and the line says "interrupted", never a struck-out choice that reads as if it was made.
 */
import { emitKeypressEvents } from 'node:readline';
import { bold, cyan, dim, yellow } from './style.js';

export type FileAnswer = 'apply' | 'skip' | 'all' | 'quit' | 'notes';
export const CANCELLED = Symbol('cancelled');

const CHOICES: { value: FileAnswer; key: string; label: string }[] = [
  { value: 'apply', key: 'y', label: 'apply' },
  { value: 'skip', key: 'n', label: 'skip' },
  { value: 'all', key: 'a', label: 'apply all remaining' },
  { value: 'quit', key: 'q', label: 'quit' },
  { value: 'notes', key: 'e', label: 'notes' },
];
const KEYS = new Map<string, FileAnswer>([...CHOICES.map((c) => [c.key, c.value] as const), ['?', 'notes']]);

interface Key {
  name?: string;
  ctrl?: boolean;
  sequence?: string;
}

export interface PromptStreams {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/** Asks about one file; resolves to the answer, or {@link CANCELLED} on Ctrl-C / Esc / end of input. */
export function askFile(message: string, color: boolean, streams: PromptStreams = { input: process.stdin, output: process.stdout }): Promise<FileAnswer | typeof CANCELLED> {
  const { input, output } = streams;
  let cursor = 0;
  const row = () =>
    CHOICES.map((c, i) => {
      const text = `${c.key}${c.key === 'e' ? '/?' : ''} ${c.label}`;
      return i === cursor ? cyan(color, `[${text}]`) : dim(color, ` ${text} `);
    }).join('');
  const draw = (last?: string) => output.write(`\r\u001b[2K${last ?? row()}`);
  output.write(`${cyan(color, '◆')}  ${bold(color, message)}  ${dim(color, '[y,n,a,q,e,?]')}\n`);
  draw();
  return new Promise((resolve) => {
    emitKeypressEvents(input);
    const wasRaw = input.isRaw;
    if (input.isTTY) input.setRawMode(true);
    input.resume();
    const finish = (answer: FileAnswer | typeof CANCELLED) => {
      input.off('keypress', onKey);
      input.off('end', onEnd);
      if (input.isTTY) input.setRawMode(wasRaw);
      input.pause();
      draw(answer === CANCELLED ? yellow(color, '■  interrupted') : `${dim(color, '◇')}  ${CHOICES.find((c) => c.value === answer)?.label}`);
      output.write('\n');
      resolve(answer);
    };
    const onEnd = () => finish(CANCELLED);
    const onKey = (text: string | undefined, key: Key = {}) => {
      if ((key.ctrl && (key.name === 'c' || key.name === 'd')) || key.name === 'escape') return finish(CANCELLED);
      if (key.name === 'left' || key.name === 'up') cursor = (cursor + CHOICES.length - 1) % CHOICES.length;
      else if (key.name === 'right' || key.name === 'down' || key.name === 'tab') cursor = (cursor + 1) % CHOICES.length;
      else if (key.name === 'return' || key.name === 'enter') return finish((CHOICES[cursor] as (typeof CHOICES)[number]).value);
      else {
        const answer = text ? KEYS.get(text.toLowerCase()) : undefined;
        if (answer) return finish(answer);
      }
      draw();
    };
    input.on('keypress', onKey);
    input.on('end', onEnd);
  });
}
