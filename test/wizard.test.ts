/**
 * The wizard's decisions with scripted answers (@clack/prompts mocked): quit and Ctrl-C write what
 * was accepted and nothing more; "apply all" takes the rest; the transform selection drives the plan.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { copySample, git, gitInit } from './helpers/tmp.js';

const CANCEL = Symbol('cancel');
const answers: unknown[] = [];
const said: string[] = [];

vi.mock('@clack/prompts', () => ({
  intro: () => {},
  outro: (m: string) => said.push(m),
  cancel: (m: string) => said.push(m),
  note: () => {},
  log: { error: () => {}, warn: () => {} },
  spinner: () => ({ start: () => {}, stop: () => {} }),
  isCancel: (v: unknown) => v === CANCEL,
  select: async () => answers.shift(),
  multiselect: async (opts: { initialValues: string[] }) => {
    const next = answers.shift();
    return next === 'initial' ? opts.initialValues : next;
  },
}));

const { main } = await import('../src/cli/main.js');
const { wizard } = await import('../src/cli/wizard.js');

class Sink {
  text = '';
  isTTY = false;
  write(s: string) {
    this.text += s;
    return true;
  }
}
const io = () => ({ stdout: new Sink(), stderr: new Sink(), stdinIsTTY: true }) as never;
const flags = (transform: string[] = []) => ({ transform, skip: [], allowDirty: false });

async function run(dir: string, transform: string[] = []) {
  const { writeChanges } = await import('../src/run/engine.js');
  const guardDirty = () => {};
  return wizard(dir, flags(transform), io(), { guardDirty, writeChanges: (session, changes) => writeChanges(session.root, changes) });
}

describe('wizard', () => {
  beforeEach(() => {
    answers.length = 0;
    said.length = 0;
  });

  it('apply, skip, then quit: writes only the first file and prints the script line', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    answers.push('initial', 'apply', 'skip', 'quit');
    expect(await run(dir, ['dockerfile-port-env'])).toBe(0);
    expect(git(dir, 'diff', '--name-only').trim().split('\n')).toEqual(['chat_service/Dockerfile']);
    expect(said.join('\n')).toContain('ecsfix apply -t dockerfile-port-env --yes');
    expect(said.join('\n')).toContain('Wrote 1 of');
  });

  it('Ctrl-C at a file keeps what was accepted before it', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    answers.push('initial', 'apply', CANCEL);
    await run(dir, ['dockerfile-port-env']);
    expect(git(dir, 'diff', '--name-only').trim().split('\n')).toEqual(['chat_service/Dockerfile']);
  });

  it('apply all remaining writes every change of the chosen transforms only', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    answers.push(['dockerfile-port-env'], 'skip', 'all');
    await run(dir);
    const changed = git(dir, 'diff', '--name-only').trim().split('\n');
    expect(changed).not.toContain('chat_service/Dockerfile');
    expect(changed.length).toBeGreaterThan(2);
    expect(git(dir, 'diff')).not.toMatch(/^\+(USER|HEALTHCHECK)/m);
  });

  it('Ctrl-C at the transform choice writes nothing', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    answers.push(CANCEL);
    await run(dir);
    expect(git(dir, 'diff', '--name-only').trim()).toBe('');
    expect(readFileSync(join(dir, 'chat_service/Dockerfile'), 'utf8')).not.toContain('ENV PORT');
  });

  it('the git guard refuses before any prompt', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    const file = join(dir, 'chat_service/Dockerfile');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8') + '# local edit\n');
    answers.push('initial'); // would be consumed by the first prompt
    const stderr = new Sink();
    const code = await main(['wizard', dir], { stdout: new Sink(), stderr, stdinIsTTY: true } as never);
    expect(code).toBe(2);
    expect(stderr.text).toContain('chat_service/Dockerfile');
    expect(stderr.text).toContain('uncommitted changes');
    expect(answers).toEqual(['initial']);
  });
});
