/** What every command talks through, and the exit codes it returns (README, "Exit codes"). */
export const EXIT = { ok: 0, pending: 1, error: 2, interrupted: 130 } as const;

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdinIsTTY: boolean;
}
