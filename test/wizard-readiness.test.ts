/** The wizard shows the per-service verdicts before the transform choice, and what is left by hand after writing. */
import { describe, expect, it, vi } from 'vitest';
import { copySample, gitInit } from './helpers/tmp.js';

const notes: { title: string; text: string }[] = [];
const warnings: string[] = [];

vi.mock('@clack/prompts', () => ({
  intro: () => {},
  outro: () => {},
  cancel: () => {},
  note: (text: string, title: string) => notes.push({ title, text }),
  log: { error: () => {}, warn: (m: string) => warnings.push(m), info: () => {} },
  spinner: () => ({ start: () => {}, stop: () => {} }),
  isCancel: () => false,
  multiselect: async (opts: { initialValues: string[] }) => opts.initialValues,
}));
vi.mock('../src/cli/filePrompt.js', () => ({ CANCELLED: Symbol('cancel'), askFile: async () => 'all' }));

const { wizard } = await import('../src/cli/wizard.js');
const { writeChanges } = await import('../src/run/engine.js');

class Sink {
  text = '';
  isTTY = false;
  write(s: string) {
    this.text += s;
    return true;
  }
}

describe('wizard and ecsfix check', () => {
  it('shows the verdicts first and ends with what no transform fixes', async () => {
    const dir = copySample('kodingcaravan');
    gitInit(dir);
    const io = { stdout: new Sink(), stderr: new Sink(), stdinIsTTY: true } as never;
    await wizard(dir, { transform: [], skip: [], allowDirty: false } as never, io, { guardDirty: () => {}, writeChanges: (session, changes) => writeChanges(session.root, changes) }, { dirArg: dir });
    const readiness = notes.find((n) => n.title.startsWith('Readiness'));
    expect(readiness?.text).toMatch(/^course-service\s+http\s+3005\s+NEEDS CHANGES/m);
    const byHand = warnings.find((w) => w.startsWith('For ECS, by hand'));
    expect(byHand).toContain('ECS401 services/cache-worker/src/index.ts:181');
    expect(byHand).toMatch(/chat-service\n(?:.*\n)*?\s+task definition secrets \(Secrets Manager \/ Parameter Store\): .*MONGO_URI/);
    expect(byHand).not.toContain('ECS009');
  }, 60_000);
});
