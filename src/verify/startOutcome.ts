/**
 * Why a process stopped in its first seconds, read from its output: a permission error or a missing
 * file or module is the image's fault whatever any model predicted; a database or broker it cannot
 * reach is outside the image (verify runs it with no network of its own to reach them).
 */
export type StartFailure = 'permission' | 'missing' | 'outside' | 'other';

const PERMISSION = /\bEACCES\b|\bEPERM\b|\bEROFS\b|PermissionError|Permission denied|Operation not permitted|Read-only file system/i;
const MISSING_MODULE = /Cannot find module|\bMODULE_NOT_FOUND\b|\bERR_MODULE_NOT_FOUND\b|ModuleNotFoundError|ImportError|Cannot find package|exec format error|executable file not found|: not found$|command not found/im;
const MISSING_FILE = /No such file or directory|\bENOENT\b|can't open file|FileNotFoundError/i;
// Error codes as whole words: case-insensitively, `FileNotFoundError` holds "ENOTFOUND".
const OUTSIDE =
  /\b(?:ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b|getaddrinfo|Connection refused|Name or service not known|Temporary failure in name resolution|Network is unreachable|could not translate host name|could not connect to server|host not found in upstream|ServerSelectionError|MongoNetworkError|MongoServerSelectionError|KafkaJS\w*(?:Connection|Retries|NumberOfRetriesExceeded)\w*|Redis connection|connection to server at|OperationalError|ConnectionError|connect ECONN/i;

export interface StartDiagnosis {
  failure: StartFailure;
  /** The output line that says so. */
  line: string | null;
  /** A path named by a permission or missing-file error (`EACCES: permission denied, mkdir '/app/logs'`). */
  path: string | null;
}

const PATH_IN_ERROR = /(?:EACCES|EPERM|EROFS|ENOENT)[^'"\n]*['"]([^'"\n]+)['"]|(?:Permission denied|No such file or directory):? ['"]([^'"\n]+)['"]|['"]?(\/[^'"\s:]+)['"]?: (?:Permission denied|No such file or directory)/;

const MESSAGE = /\w*(?:Error|Exception)\b:|denied|not permitted|not found/i;

/**
 * The last line matching `re`, preferring one that reads as the error message itself
 * (`Error: EACCES: permission denied, mkdir 'logs'`) over a detail of it (`code: 'EACCES',`).
 */
function lastMatch(lines: string[], re: RegExp): { line: string; index: number } | null {
  let fallback: { line: string; index: number } | null = null;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    if (!re.test(line)) continue;
    if (MESSAGE.test(line)) return { line: line.trim(), index: i };
    fallback ??= { line: line.trim(), index: i };
  }
  return fallback;
}

/** A line short enough for a one-line finding (a JSON log line can carry a whole stack). */
const clip = (line: string) => (line.length > 240 ? `${line.slice(0, 237)}...` : line);

/** Classifies the output of a process that exited during the smoke start. */
export function diagnoseStart(output: string): StartDiagnosis {
  const lines = output.split(/\r?\n/).filter((l) => l.trim());
  const pathOf = (line: string) => {
    const m = PATH_IN_ERROR.exec(line);
    return m ? (m[1] ?? m[2] ?? m[3] ?? null) : null;
  };
  // Image faults first, wherever they appear: a process that cannot write its log dies of that.
  const permission = lastMatch(lines, PERMISSION);
  if (permission) return { failure: 'permission', line: clip(permission.line), path: pathOf(permission.line) };
  const module = lastMatch(lines, MISSING_MODULE);
  if (module) return { failure: 'missing', line: clip(module.line), path: null };
  // A missing file and an unreachable host: whichever the process reported last killed it.
  const file = lastMatch(lines, MISSING_FILE);
  const outside = lastMatch(lines, OUTSIDE);
  if (outside && (!file || outside.index >= file.index)) return { failure: 'outside', line: clip(outside.line), path: null };
  if (file) return { failure: 'missing', line: clip(file.line), path: pathOf(file.line) };
  const last = lines[lines.length - 1]?.trim();
  return { failure: 'other', line: last ? clip(last) : null, path: null };
}

/** Whether a process that is still running has reported a permission error (a logger that failed to open its file). */
export function reportsPermissionError(output: string): string | null {
  const found = lastMatch(output.split(/\r?\n/), PERMISSION);
  return found ? clip(found.line) : null;
}

/**
 * The HTTP client error a failed HEALTHCHECK printed: busybox wget (`server returned error: HTTP/1.1
 * 404 Not Found`), GNU wget (`ERROR 404: Not Found.`), curl -f (`The requested URL returned error:
 * 404`), Python's urllib (`HTTPError: HTTP Error 404: NOT FOUND`), ecsfix's own node probe
 * (`HTTP 404`, a line of its own; src/dockerfile/probe.ts). The server answered, and not with
 * success: a 4xx is about the request (path, port, method), not about a slow start, except 408 and 429.
 */
export function healthcheckClientError(output: string): number | null {
  const found = [...output.matchAll(/server returned error: HTTP\/[\d.]+ (\d{3})|\bERROR (\d{3}):|returned error: (\d{3})|HTTP Error (\d{3})|^HTTP (\d{3})$/gm)].pop();
  const status = found ? Number(found[1] ?? found[2] ?? found[3] ?? found[4] ?? found[5]) : NaN;
  return status >= 400 && status < 500 && status !== 408 && status !== 429 ? status : null;
}

/**
 * Whether a start that died of no fault the image shows (`other`) points at a variable compose left
 * empty: the output names the variable (or the one compose takes it from), shows the empty value
 * (`Could not parse SQLAlchemy URL from string ''`), or says a setting must be set.
 */
export function blamesEmptyVariable(output: string, lastLine: string | null, empty: Readonly<Record<string, string[]>>): boolean {
  const names = Object.entries(empty).flatMap(([key, from]) => [key, ...from]);
  if (names.length === 0) return false;
  if (names.some((n) => new RegExp(`\\b${n}\\b`).test(output))) return true;
  return lastLine !== null && /''|""|must be set|not set\b|is required|is missing|missing required/i.test(lastLine);
}
