/**
 * The fixed port a gunicorn config file binds: gunicorn reads `-c <path>` (or `./gunicorn.conf.py`
 * in its working directory by default), and a `bind = "0.0.0.0:8000"` there wins over PORT, which
 * gunicorn only uses for the default of `bind` when none is set.
 */
import { lineOfOffset } from '../text.js';

export interface ConfigBind {
  port: number;
  /** The config file in the repo and the line of its `bind`. */
  file: string;
  line: number;
}

/** `bind = "0.0.0.0:8000"` or `bind = ["0.0.0.0:8000"]` at the top level of the file: one literal address. */
const LITERAL_BIND = /^bind\s*=\s*\[?\s*["'][\w.[\]]*:(\d{2,5})["']\s*\]?\s*(?:#.*)?$/m;

/**
 * What the gunicorn of a start command binds through its config file. `command` is what the
 * container runs; `repoPath` maps an image path (relative to the working directory or absolute) to
 * the repo file the image holds there, null when the image holds none the model can name.
 */
export function gunicornConfigBind(command: string, repoPath: (imagePath: string) => string | null, read: (rel: string) => string | null): ConfigBind | null {
  const words = command.replace(/[[\]",]/g, ' ');
  const at = /(?:^|[\s/])gunicorn\s/.exec(words);
  if (!at) return null;
  const args = words.slice(at.index);
  if (/\s(?:-b|--bind)[\s=]/.test(args)) return null; // the command line's bind wins over the file's: FIXED_PORT_CMD reads it
  const config = /\s(?:-c|--config)(?:=|\s+)(\S+)/.exec(args)?.[1] ?? './gunicorn.conf.py';
  if (config.startsWith('python:') || config.includes('$')) return null;
  const file = repoPath(config);
  const text = file === null ? null : read(file);
  if (file === null || text === null) return null;
  const m = LITERAL_BIND.exec(text);
  return m ? { port: Number(m[1]), file, line: lineOfOffset(text, m.index) } : null;
}
