/**
 * How verify runs programs (the engine's CLI): one injected interface, so the orchestration and
 * the engines are tested with a scripted fake, and only {@link nodeProcessRunner} touches the OS.
 */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** Exit code; null when killed by a signal (or by the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  /** Kill the process (and its group) after this long. */
  timeoutMs?: number;
  /** Variables added to the current environment. */
  env?: Record<string, string>;
}

/** A long-running process: its output so far, its end, and a way to stop it. */
export interface RunningProcess {
  readonly pid?: number;
  readonly exited: Promise<ProcessResult>;
  /** Output so far (stdout and stderr interleaved as they arrived). */
  output(): string;
  /** Whether it has exited. */
  done(): boolean;
  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves with its result. */
  stop(graceMs?: number): Promise<ProcessResult>;
}

export interface ProcessRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<ProcessResult>;
  start(command: string, args: readonly string[], options?: RunOptions): RunningProcess;
  /** Whether `command` is an executable on PATH. */
  which(command: string): Promise<boolean>;
}

const MAX_OUTPUT = 4 * 1024 * 1024; // keep the tail of very chatty builds

function append(buffer: string, chunk: Buffer): string {
  const next = buffer + chunk.toString('utf8');
  return next.length > MAX_OUTPUT ? next.slice(next.length - MAX_OUTPUT) : next;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals) {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function startProcess(command: string, args: readonly string[], options: RunOptions): RunningProcess {
  // detached: the process leads its own group, so a timeout ends the whole tree (buildah's children too).
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let both = '';
  let timedOut = false;
  let finished = false;
  child.stdout.on('data', (c: Buffer) => ((stdout = append(stdout, c)), (both = append(both, c))));
  child.stderr.on('data', (c: Buffer) => ((stderr = append(stderr, c)), (both = append(both, c))));
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        killGroup(child.pid, 'SIGKILL');
      }, options.timeoutMs)
    : null;
  const exited = new Promise<ProcessResult>((resolve) => {
    child.on('error', (error) => {
      finished = true;
      if (timer) clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(error.message), timedOut });
    });
    child.on('close', (code) => {
      finished = true;
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
  return {
    pid: child.pid,
    exited,
    output: () => both,
    done: () => finished,
    async stop(graceMs = 3000) {
      if (!finished) {
        killGroup(child.pid, 'SIGTERM');
        const kill = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(kill);
        return result;
      }
      return exited;
    },
  };
}

export const nodeProcessRunner: ProcessRunner = {
  run: (command, args, options = {}) => startProcess(command, args, options).exited,
  start: (command, args, options = {}) => startProcess(command, args, options),
  async which(command) {
    const result = await startProcess('sh', ['-c', 'command -v "$1"', 'sh', command], {}).exited;
    return result.code === 0;
  },
};
